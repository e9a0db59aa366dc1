from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PollChoice(models.TextChoices):
    YES = "yes", pgettext_lazy("date poll", "Yes")
    IF_NEED_BE = "if_need_be", _("If need be")
    NO = "no", pgettext_lazy("date poll", "No")


class PollStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("date poll", "Open")
    CLOSED = "closed", pgettext_lazy("date poll", "Closed")


class Travel(models.TextChoices):
    PLANE = "plane", _("Plane")
    TRAIN = "train", _("Train")
    CAR = "car", _("Car")
    OTHER = "other", _("Other")


class Diet(models.TextChoices):
    VEGETARIAN = "vegetarian", _("Vegetarian")
    VEGAN = "vegan", _("Vegan")
    HALAL = "halal", _("Halal")
    KOSHER = "kosher", _("Kosher")
    GLUTEN_FREE = "gluten_free", _("Gluten-free")
    LACTOSE_FREE = "lactose_free", _("Lactose-free")
    NUT_ALLERGY = "nut_allergy", _("Nut allergy")


class LogisticsField(models.TextChoices):
    """The fixed set of questions a meeting's registration may ask (``MeetingLogistics.fields``)."""

    ARRIVAL = "arrival", _("Arrival (date, time, means)")
    DEPARTURE = "departure", _("Departure (date, time, means)")
    HOTEL = "hotel", _("Hotel needed (and nights)")
    DINNER = "dinner", _("Dinner")
    DIETARY = "dietary", _("Dietary requirements")
    ACCESSIBILITY = "accessibility", _("Accessibility needs")
    INTERPRETATION = "interpretation", _("Interpretation language")
    DELEGATION = "delegation", _("Other members of the delegation")


class BadgeRole(models.TextChoices):
    MEMBER = "member", _("Member")
    OBSERVER = "observer", _("Observer")
    SECRETARIAT = "secretariat", _("Secretariat")
