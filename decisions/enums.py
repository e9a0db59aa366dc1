from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DraftKind(models.TextChoices):
    CONCLUSIONS = "conclusions", _("Conclusions of a meeting")
    STATEMENT = "statement", _("Joint statement")
    TERMS = "terms", _("Terms of reference")


class DraftStatus(models.TextChoices):
    DRAFTING = "drafting", _("Being drafted")
    COMMENTS = "comments", _("Open for comments")
    PROCEDURE = "procedure", _("Under written procedure")
    ADOPTED = "adopted", pgettext_lazy("draft", "Adopted")
    WITHDRAWN = "withdrawn", pgettext_lazy("draft", "Withdrawn")


class ProposalOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", pgettext_lazy("proposal", "Accepted")
    SET_ASIDE = "set_aside", pgettext_lazy("proposal", "Set aside")


class ReservationKind(models.TextChoices):
    GENERAL = "general", _("General reservation")
    SCRUTINY = "scrutiny", _("Scrutiny reservation")


class ProcedureStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("procedure", "Open")
    CLOSING = "closing", pgettext_lazy("procedure", "Closing")
    ADOPTED = "adopted", pgettext_lazy("procedure", "Adopted")
    FAILED = "failed", pgettext_lazy("procedure", "Silence broken")
    WITHDRAWN = "withdrawn", pgettext_lazy("procedure", "Withdrawn")


class ProcedureAnswerKind(models.TextChoices):
    NO_OBJECTION = "no_objection", _("No objection")
    COMMENT = "comment", _("Comment without breaking silence")
    OBJECTION = "objection", _("Break silence")


class AnswerChannel(models.TextChoices):
    LINK = "link", _("Link in an email")
    PORTAL = "portal", _("Portal")
