"""Texts negotiated between meetings: drafts, their numbered revisions and paragraphs, what countries propose and
reserve, and the written (silence) procedure with every country's answers. Rules live in ``services``."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.lib.neutralise import single_line

from .enums import (
    AnswerChannel,
    DraftKind,
    DraftStatus,
    ProcedureAnswerKind,
    ProcedureStatus,
    ProposalOutcome,
    ReservationKind,
)

PARAGRAPH_LIMIT = 4000  # as a conclusion's text, which an adopted paragraph becomes
REASON_LIMIT = 2000


def default_reminder_hours() -> list[int]:
    return [48, 4]


class Draft(models.Model):
    """A text in numbered paragraphs, linked to a meeting (its conclusions) or standing alone."""

    title = models.CharField(_("title"), max_length=250, validators=[single_line])  # mail subjects
    kind = models.CharField(_("kind"), max_length=20, choices=DraftKind.choices, default=DraftKind.CONCLUSIONS)
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("meeting"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="drafts",
        help_text=_("Leave empty for a standing text (seen by all members, or by the readers below)."),
    )
    original_language = models.CharField(_("written in"), max_length=2, choices=settings.LANGUAGES, default="en")
    status = models.CharField(_("status"), max_length=20, choices=DraftStatus.choices, default=DraftStatus.DRAFTING)
    readers = models.ManyToManyField(
        "members.Person",
        verbose_name=_("readers"),
        blank=True,
        related_name="readable_drafts",
        help_text=_("A standing text only: when someone is named here, only they (and the secretariat) see it."),
    )
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("draft text")
        verbose_name_plural = _("draft texts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Revision(models.Model):
    """One published version of a draft (REV 1, REV 2 …), kept as it was published."""

    draft = models.ForeignKey(Draft, verbose_name=_("draft"), on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveSmallIntegerField(_("number"))
    note = models.TextField(_("note"), blank=True, validators=[MaxLengthValidator(REASON_LIMIT)])
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["draft", "number"]
        constraints = [models.UniqueConstraint(fields=["draft", "number"], name="decisions_revision_number")]

    def __str__(self) -> str:
        return f"{self.draft} — {self.label}"

    @property
    def label(self) -> str:
        return _("REV %(number)s") % {"number": self.number}


class Paragraph(models.Model):
    """A numbered paragraph of a revision; its text is translated (modeltranslation)."""

    revision = models.ForeignKey(
        Revision, verbose_name=_("revision"), on_delete=models.CASCADE, related_name="paragraphs"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("text"), validators=[MaxLengthValidator(PARAGRAPH_LIMIT)])
    # The action the paragraph asks for, if any: on adoption it becomes the conclusion's action.
    action_title = models.CharField(_("action"), max_length=300, blank=True, validators=[single_line])
    action_owner_country = models.ForeignKey(
        "members.Country",
        verbose_name=_("action owner: country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action_owner_secretariat = models.BooleanField(_("action owner: the secretariat"), default=False)
    action_due = models.DateField(_("action due"), null=True, blank=True)

    class Meta:
        verbose_name = _("paragraph")
        verbose_name_plural = _("paragraphs")
        ordering = ["revision", "number"]
        constraints = [models.UniqueConstraint(fields=["revision", "number"], name="decisions_paragraph_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:60]}"


class Proposal(models.Model):
    """New wording a country proposes for a paragraph of a revision; the secretariat accepts it or sets it aside
    when it prepares the next revision."""

    revision = models.ForeignKey(
        Revision, verbose_name=_("revision"), on_delete=models.PROTECT, related_name="proposals"
    )
    paragraph_number = models.PositiveSmallIntegerField(_("paragraph"))
    country = models.ForeignKey("members.Country", verbose_name=_("country"), on_delete=models.PROTECT)
    author = models.ForeignKey("members.Person", verbose_name=_("proposed by"), on_delete=models.PROTECT)
    text = models.TextField(_("proposed wording"), validators=[MaxLengthValidator(PARAGRAPH_LIMIT)])
    reason = models.TextField(_("reason"), blank=True, validators=[MaxLengthValidator(REASON_LIMIT)])
    created_at = models.DateTimeField(_("proposed"), default=timezone.now)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=ProposalOutcome.choices, default=ProposalOutcome.PENDING
    )
    decided_in = models.ForeignKey(
        Revision,
        verbose_name=_("decided in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decided_proposals",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["revision", "paragraph_number", "country__code", "created_at"]

    def __str__(self) -> str:
        return f"{self.country_id} § {self.paragraph_number}"


class Reservation(models.Model):
    """A country's general or scrutiny reservation on a revision, on the whole text or one paragraph."""

    revision = models.ForeignKey(
        Revision, verbose_name=_("revision"), on_delete=models.PROTECT, related_name="reservations"
    )
    paragraph_number = models.PositiveSmallIntegerField(
        _("paragraph"), null=True, blank=True, help_text=_("Empty: on the whole text.")
    )
    country = models.ForeignKey("members.Country", verbose_name=_("country"), on_delete=models.PROTECT)
    author = models.ForeignKey("members.Person", verbose_name=_("entered by"), on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=20, choices=ReservationKind.choices)
    reason = models.TextField(_("reason"), validators=[MaxLengthValidator(REASON_LIMIT)])
    created_at = models.DateTimeField(_("entered"), default=timezone.now)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["revision", "country__code", "created_at"]

    def __str__(self) -> str:
        return f"{self.country_id} {self.kind}"


class WrittenProcedure(models.Model):
    """A revision circulated with a deadline: without a country breaking silence by then, it is adopted."""

    revision = models.ForeignKey(
        Revision, verbose_name=_("revision"), on_delete=models.PROTECT, related_name="procedures"
    )
    deadline = models.DateTimeField(_("deadline"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Brussels", editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ProcedureStatus.choices, default=ProcedureStatus.OPEN, db_index=True
    )
    reminder_hours = models.JSONField(
        _("reminders (hours before the deadline)"),
        default=default_reminder_hours,
        blank=True,
        help_text=_("Countries that have not answered are reminded this many hours before the deadline."),
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("written procedure")
        verbose_name_plural = _("written procedures")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.revision} ({self.get_status_display()})"

    @property
    def draft(self) -> Draft:
        return self.revision.draft

    @property
    def local_deadline(self) -> datetime.datetime:
        return timezone.localtime(self.deadline, zoneinfo.ZoneInfo(self.time_zone))

    @property
    def is_open(self) -> bool:
        return self.status == ProcedureStatus.OPEN and self.deadline > timezone.now()


class ProcedureCountry(models.Model):
    """A country a written procedure concerns, with its current answer (the latest of ``answers``)."""

    procedure = models.ForeignKey(
        WrittenProcedure, verbose_name=_("written procedure"), on_delete=models.CASCADE, related_name="countries"
    )
    country = models.ForeignKey("members.Country", verbose_name=_("country"), on_delete=models.PROTECT)
    answer = models.CharField(_("answer"), max_length=20, choices=ProcedureAnswerKind.choices, blank=True)
    text = models.TextField(_("reason or comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        "members.Person", verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("country of a procedure")
        verbose_name_plural = _("countries of a procedure")
        ordering = ["procedure", "country__code"]
        constraints = [models.UniqueConstraint(fields=["procedure", "country"], name="decisions_procedure_country")]

    def __str__(self) -> str:
        return f"{self.country_id}: {self.answer or '—'}"


class ProcedureAnswer(models.Model):
    """One answer given for a country, kept for ever: the history of who answered what and when."""

    procedure_country = models.ForeignKey(
        ProcedureCountry, verbose_name=_("country of a procedure"), on_delete=models.CASCADE, related_name="answers"
    )
    answer = models.CharField(_("answer"), max_length=20, choices=ProcedureAnswerKind.choices)
    text = models.TextField(_("reason or comment"), blank=True, validators=[MaxLengthValidator(REASON_LIMIT)])
    person = models.ForeignKey("members.Person", verbose_name=_("by"), on_delete=models.PROTECT)
    channel = models.CharField(_("through"), max_length=20, choices=AnswerChannel.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("answer to a written procedure")
        verbose_name_plural = _("answers to written procedures")
        ordering = ["procedure_country", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.answer} ({self.at:%Y-%m-%d %H:%M})"
