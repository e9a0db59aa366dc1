"""Meetings and what hangs off them: crises, themes, agenda, documents, invitations and attendance.

Models hold fields, constraints and small derived values; the rules (who is invited, seats, what an answer may
change) live in ``meetings.services``.
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from network.lib.neutralise import single_line
from network.lib.zones import validate_time_zone

from ..enums import (
    AgendaItemKind,
    Answer,
    AttendanceMode,
    Capacity,
    IpcrLevel,
    MeetingFormat,
    MeetingStatus,
    Presence,
    Visibility,
)


class Crisis(models.Model):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateField(_("start"))
    ipcr_level = models.CharField(
        _("IPCR level"),
        max_length=30,
        choices=IpcrLevel.choices,
        blank=True,
        help_text=_("The level of the EU's Integrated Political Crisis Response arrangements, when activated."),
    )

    class Meta:
        verbose_name = _("crisis")
        verbose_name_plural = _("crises")
        ordering = ["-start_date"]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    label = models.CharField(_("label"), max_length=120)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class MeetingQuerySet(models.QuerySet):
    def upcoming(self):
        return self.filter(ends_at__gte=timezone.now()).exclude(status=MeetingStatus.CANCELLED)

    def past(self):
        return self.filter(ends_at__lt=timezone.now())


class Meeting(models.Model):
    # What a change to these fields means for invitees: an update (with a higher calendar SEQUENCE).
    PRACTICAL_FIELDS = (
        "format",
        "starts_at",
        "ends_at",
        "time_zone",
        "venue_name",
        "venue_address",
        "venue_city",
        "video_link",
        "dial_in",
    )

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200, validators=[single_line])
    summary = models.TextField(_("summary"), blank=True)
    format = models.CharField(_("format"), max_length=20, choices=MeetingFormat.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Brussels",
        validators=[validate_time_zone],
        help_text=_("The start and end are in this time zone (IANA name, e.g. Europe/Brussels)."),
    )
    answer_deadline = models.DateField(_("answer by"), null=True, blank=True)
    # These reach mail subjects and calendar properties (SUMMARY, LOCATION): one line each.
    venue_name = models.CharField(_("venue"), max_length=200, blank=True, validators=[single_line])
    venue_address = models.CharField(_("venue address"), max_length=300, blank=True, validators=[single_line])
    venue_city = models.CharField(_("city"), max_length=100, blank=True, validators=[single_line])
    video_link = models.URLField(
        _("video-conference link"), blank=True, validators=[single_line], help_text=_("Shown only to invitees.")
    )
    dial_in = models.CharField(_("dial-in"), max_length=300, blank=True, help_text=_("Shown only to invitees."))
    chair = models.ForeignKey(
        "members.Person",
        verbose_name=_("chair"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chaired_meetings",
    )
    host = models.ForeignKey(
        "members.Organisation",
        verbose_name=_("host organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_meetings",
    )
    crisis = models.ForeignKey(
        Crisis, verbose_name=_("crisis"), on_delete=models.PROTECT, null=True, blank=True, related_name="meetings"
    )
    themes = models.ManyToManyField(Theme, verbose_name=_("themes"), blank=True, related_name="meetings")
    status = models.CharField(
        _("status"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT, editable=False
    )
    cancellation_reason = models.TextField(_("reason for cancelling"), blank=True, editable=False)
    sequence = models.PositiveIntegerField(
        _("revision"), default=0, editable=False, help_text=_("Raised on every change invitees are told about.")
    )
    invitations_sent_at = models.DateTimeField(_("invitations sent"), null=True, blank=True, editable=False)
    # Raised on every save: a form posted with an older version was edited from a stale copy (see MeetingForm).
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="meetings_meeting_ends_after_start",
                violation_error_message=_("A meeting must end after it starts."),
            )
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.local_start:%Y-%m-%d})" if self.starts_at else self.title

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone or "Europe/Brussels")

    @property
    def local_start(self) -> datetime.datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self) -> datetime.datetime:
        return self.ends_at.astimezone(self.zone)

    @property
    def has_venue(self) -> bool:
        return self.format in (MeetingFormat.IN_PERSON, MeetingFormat.HYBRID)

    @property
    def has_connection(self) -> bool:
        return self.format in (MeetingFormat.VIRTUAL, MeetingFormat.HYBRID)

    @property
    def is_over(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def accepts_answers(self) -> bool:
        return self.status in (MeetingStatus.DRAFT, MeetingStatus.INVITED) and not self.is_over

    def clean(self):
        errors: dict[str, list] = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors.setdefault("ends_at", []).append(_("A meeting must end after it starts."))
        if self.has_connection and not self.video_link:
            errors.setdefault("video_link", []).append(_("A virtual or hybrid meeting needs a video-conference link."))
        if self.has_venue and not (self.venue_name and self.venue_city):
            errors.setdefault("venue_name", []).append(_("A meeting in person or hybrid needs a venue and a city."))
        if self.answer_deadline and self.starts_at and self.answer_deadline > self.local_start.date():
            errors.setdefault("answer_deadline", []).append(_("Answers are due before the meeting starts."))
        if errors:
            raise ValidationError(errors)


class MeetingChange(models.Model):
    """A change of time, place or format after the invitations went out: invitees are told (an update)."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="changes")
    sequence = models.PositiveIntegerField(_("revision"))
    changes = models.JSONField(_("changes"), help_text=_("Field name → [before, after]."))
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        verbose_name = _("meeting change")
        verbose_name_plural = _("meeting changes")
        ordering = ["meeting", "sequence"]
        constraints = [models.UniqueConstraint(fields=["meeting", "sequence"], name="meetings_change_unique_seq")]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.sequence}"


class SeatAllowance(models.Model):
    """More than the default single seat for a country at one meeting."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="seat_allowances"
    )
    country = models.ForeignKey("members.Country", verbose_name=_("country"), on_delete=models.PROTECT)
    seats = models.PositiveSmallIntegerField(_("seats"), default=2)

    class Meta:
        verbose_name = _("seat allowance")
        verbose_name_plural = _("seat allowances")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "country"], name="meetings_seat_allowance_unique"),
            models.CheckConstraint(condition=models.Q(seats__gte=1), name="meetings_seat_allowance_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.country}: {self.seats}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agenda_items"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("Leave empty for a main item; sub-items go one level deep."),
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    presenter = models.ForeignKey(
        "members.Person",
        verbose_name=_("presenter"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    presenting_organisation = models.ForeignKey(
        "members.Organisation",
        verbose_name=_("presenting organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    duration_minutes = models.PositiveIntegerField(pgettext_lazy("duration", "minutes"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=AgendaItemKind.choices, default=AgendaItemKind.DISCUSSION)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda")
        ordering = ["meeting", "position", "pk"]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        if self.parent_id:
            if self.parent.parent_id:
                raise ValidationError({"parent": _("Agenda items nest one level deep only.")})
            if self.parent.meeting_id != self.meeting_id:
                raise ValidationError({"parent": _("The main item belongs to another meeting.")})
            if self.pk and self.children.exists():
                raise ValidationError({"parent": _("An item with sub-items cannot become a sub-item.")})

    @property
    def presenter_label(self) -> str:
        if self.presenter_id:
            return str(self.presenter)
        if self.presenting_organisation_id:
            return str(self.presenting_organisation)
        return ""


def document_path(instance: Document, filename: str) -> str:
    # A name nobody can guess; the original name is kept in the row for downloads.
    return f"documents/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class Document(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="documents")
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
    )
    title = models.CharField(_("title"), max_length=250)
    file = models.FileField(_("file"), upload_to=document_path)
    original_name = models.CharField(_("file name"), max_length=255, editable=False)
    content_type = models.CharField(_("type"), max_length=120, editable=False)
    size = models.PositiveBigIntegerField(_("size"), default=0, editable=False)
    visibility = models.CharField(
        _("visible to"), max_length=20, choices=Visibility.choices, default=Visibility.INVITEES
    )
    is_archived = models.BooleanField(_("archived"), default=False, help_text=_("Hidden from the portal."))
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["meeting", "agenda_item__position", "title"]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        if self.agenda_item_id and self.agenda_item.meeting_id != self.meeting_id:
            raise ValidationError({"agenda_item": _("The agenda item belongs to another meeting.")})


class InvitationQuerySet(models.QuerySet):
    def live(self):
        """Invitations that stand (not withdrawn)."""
        return self.filter(withdrawn_at__isnull=True)

    def holding_seat(self):
        """Member invitations that occupy their country's seat: pending or accepted, not withdrawn."""
        return self.live().filter(capacity=Capacity.MEMBER, answer__in=[Answer.PENDING, Answer.ACCEPTED])


class Invitation(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="invitations"
    )
    person = models.ForeignKey(
        "members.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="invitations"
    )
    capacity = models.CharField(_("capacity"), max_length=20, choices=Capacity.choices, default=Capacity.MEMBER)
    country = models.ForeignKey(
        "members.Country",
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The seat this invitation takes; empty for EU institutions."),
    )
    answer = models.CharField(_("answer"), max_length=20, choices=Answer.choices, default=Answer.PENDING)
    mode = models.CharField(_("attends"), max_length=20, choices=AttendanceMode.choices, blank=True)
    substitute = models.ForeignKey(
        "members.Person",
        verbose_name=_("substitute"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    delegated_from = models.ForeignKey(
        "self",
        verbose_name=_("substitute for"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="substitutions",
    )
    remarks = models.TextField(_("remarks"), blank=True, help_text=_("Dietary needs, accessibility, …"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_on_behalf = models.BooleanField(_("answered by the secretariat"), default=False)
    invited_at = models.DateTimeField(_("invited"), auto_now_add=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["meeting", "country__code", "person__last_name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="meetings_invitation_unique_person"),
        ]
        indexes = [models.Index(fields=["meeting", "answer"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.meeting}"

    @property
    def answer_closed_reason(self) -> str:
        """Why this invitation's answer can no longer change: ``"withdrawn"``, ``"cancelled"`` (the meeting) or
        ``"over"`` (the meeting ended, was held or closed); ``""`` while it can. The one rule behind the portal, the
        answer links, the admin, the forms and ``services.record_answer``. Reads ``self.meeting``."""
        if self.withdrawn_at:
            return "withdrawn"
        if self.meeting.status == MeetingStatus.CANCELLED:
            return "cancelled"
        if not self.meeting.accepts_answers:
            return "over"
        return ""

    @property
    def can_change_answer(self) -> bool:
        """Whether an answer may still be recorded or changed (see ``answer_closed_reason``)."""
        return not self.answer_closed_reason

    @property
    def answer_label(self) -> str:
        if self.answer == Answer.ACCEPTED and self.mode:
            return f"{self.get_answer_display()} ({self.get_mode_display()})"
        if self.answer == Answer.DELEGATED and self.substitute_id:
            return f"{self.get_answer_display()}: {self.substitute}"
        return str(self.get_answer_display())


class AttendanceQuerySet(models.QuerySet):
    def with_organisations(self) -> AttendanceQuerySet:
        """The rows with what ``organisation`` reads (the person's, or the delegation head's, organisation and
        country) loaded in the same query."""
        return self.select_related("person__organisation__country", "delegation_of__organisation__country")


class Attendance(models.Model):
    """Who was there: one row per invitation, people of the registry who came without one, and members of an
    invitee's delegation, who are not in the registry: a ``name`` and the invitee they came with (``delegation_of``,
    whose organisation and country they count for). A row names a person or a delegation member, never both."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="attendances"
    )
    invitation = models.OneToOneField(
        Invitation,
        verbose_name=_("invitation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendance",
    )
    person = models.ForeignKey(
        "members.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendances",
    )
    # A delegation member's name as on their badge: attendance history, kept when the registration's list of
    # delegates changes or its sensitive answers are deleted (nothing here points at the logistics app's rows).
    name = models.CharField(_("delegation member"), max_length=200, blank=True, validators=[single_line])
    delegation_of = models.ForeignKey(
        "members.Person",
        verbose_name=_("delegation of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delegation_attendances",
    )
    presence = models.CharField(_("presence"), max_length=20, choices=Presence.choices, default=Presence.ABSENT)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        # By country, then name; a delegation member right after the invitee they came with.
        ordering = [
            "meeting",
            Coalesce("person__organisation__country__code", "delegation_of__organisation__country__code").asc(),
            Coalesce("person__last_name", "delegation_of__last_name").asc(),
            Coalesce("person__first_name", "delegation_of__first_name").asc(),
            "name",
        ]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="meetings_attendance_unique_person"),
            models.UniqueConstraint(
                fields=["meeting", "delegation_of", "name"],
                condition=models.Q(person=None),
                name="meetings_attendance_unique_delegate",
                violation_error_message=_("This delegation member is already in the register."),
            ),
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, name="", delegation_of=None)
                | (models.Q(person=None, delegation_of__isnull=False) & ~models.Q(name="")),
                name="meetings_attendance_person_or_delegate",
                violation_error_message=_(
                    "Choose a person of the registry, or write a delegation member's name and the invitee they "
                    "came with, not both."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.who} · {self.get_presence_display()}"

    @property
    def who(self) -> str:
        """The name the register shows: the person's, or the delegation member's as written."""
        return self.person.full_name if self.person_id else self.name

    @property
    def is_delegate(self) -> bool:
        """Whether the row is a delegation member's (no registry person)."""
        return self.person_id is None and bool(self.name)

    @property
    def organisation(self):
        """The organisation the row counts for: the person's, or for a delegation member that of the invitee they
        came with (``None`` on an unsaved row naming neither). Reads ``person``/``delegation_of`` and its
        organisation: load them with ``with_organisations()``."""
        head = self.person if self.person_id else self.delegation_of if self.delegation_of_id else None
        return head.organisation if head is not None else None

    def clean(self):
        if self.invitation_id and self.meeting_id and self.invitation.meeting_id != self.meeting_id:
            raise ValidationError({"invitation": _("The invitation is for another meeting.")})
        if self.person_id is None and not self.name:
            raise ValidationError({"person": _("Choose the person who came.")})
        if self.person_id and (self.name or self.delegation_of_id):
            raise ValidationError({"person": _("A delegation member's row names no person of the registry.")})
        if self.name and self.person_id is None and self.delegation_of_id is None:
            raise ValidationError({"delegation_of": _("Choose the invitee whose delegation they came with.")})
        if self.invitation_id and self.person_id is None:
            raise ValidationError({"invitation": _("A delegation member's row has no invitation of its own.")})
