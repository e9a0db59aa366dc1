from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionnaireStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ResultsVisibility(models.TextChoices):
    MEMBERS = "members", _("All members")
    ANSWERED = "answered", _("Only the countries that answered")
    SECRETARIAT = "secretariat", _("The secretariat only")


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Several choices")
    YES_NO = "yes_no", _("Yes or no")
    DATE = "date", _("Date")
    FILE = "file", _("File")


class AnswerStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
