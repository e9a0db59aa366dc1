from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    # Each language is named in itself, as language pickers do.
    EN = "en", "English"
    FR = "fr", "Français"
    NL = "nl", "Nederlands"
    DE = "de", "Deutsch"


class Participation(models.TextChoices):
    MEMBER = "member", _("Member")
    OBSERVER = "observer", _("Observer")
    FORMER = "former", _("Former member")


class OrganisationKind(models.TextChoices):
    CRISIS_CENTRE = "crisis_centre", _("National crisis centre")
    EU_BODY = "eu_body", _("EU institution or body")
    SECRETARIAT = "secretariat", _("Secretariat")
    OTHER = "other", _("Other")


class Role(models.TextChoices):
    DIRECTOR_GENERAL = "director_general", _("Director-general")
    DEPUTY = "deputy", _("Deputy")
    CONTACT_POINT = "contact_point", _("Contact point")
    ASSISTANT = "assistant", _("Assistant")
    OBSERVER = "observer", _("Observer")
    SECRETARIAT = "secretariat", _("Secretariat")
