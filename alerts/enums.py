from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    CLOSED = "closed", _("Closed")


class Step(models.IntegerChoices):
    """How far an alert went for one country that has not acknowledged it (``escalation.escalate``)."""

    FIRST = 0, _("Sent to the 24/7 mailbox and the contact points")
    AGAIN = 1, _("Sent again, also to the deputy director-general")
    DIRECTOR = 2, _("Sent again, also to the director-general")
    CALL = 3, _("To be called on the 24/7 telephone")


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("Reached; the centre has the alert")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
