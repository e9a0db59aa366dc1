"""Before and at a meeting: the date poll, the registration of those who come in person, badges and check-in.

Thin models; the rules live in ``polls``, ``registration``, ``badges`` and ``checkin``.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from network.lib.neutralise import single_line
from network.lib.zones import validate_time_zone

from .enums import BadgeRole, PollChoice, PollStatus, Travel

# --- Date poll ----------------------------------------------------------------------------------------------------


class DatePoll(models.Model):
    """Slots proposed for the next meeting, answered once per country."""

    title = models.CharField(_("title"), max_length=200, validators=[single_line])
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Brussels",
        validators=[validate_time_zone],
        help_text=_("The slots are read in this time zone (IANA name); each reader sees them in their own."),
    )
    duration_minutes = models.PositiveIntegerField(_("length of the meeting (minutes)"), default=240)
    countries = models.ManyToManyField("members.Country", verbose_name=_("countries asked"), related_name="+")
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("draft meeting"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="date_polls",
        help_text=_("The draft the chosen slot fills; empty: choosing a slot creates one."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PollStatus.choices, default=PollStatus.OPEN, editable=False
    )
    chosen_slot = models.ForeignKey(
        "PollSlot",
        verbose_name=_("chosen slot"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("date poll")
        verbose_name_plural = _("date polls")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone or "Europe/Brussels")

    @property
    def is_open(self) -> bool:
        return self.status == PollStatus.OPEN


class PollSlot(models.Model):
    poll = models.ForeignKey(DatePoll, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"), help_text=_("Read in the poll's time zone."))

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["poll", "starts_at"]
        constraints = [models.UniqueConstraint(fields=["poll", "starts_at"], name="logistics_slot_unique")]

    def __str__(self) -> str:
        return f"{self.starts_at.astimezone(self.poll.zone):%Y-%m-%d %H:%M} ({self.poll.time_zone})"

    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.poll.duration_minutes)


class PollAnswer(models.Model):
    """One country's answer for one slot; changed in place until the poll closes."""

    slot = models.ForeignKey(PollSlot, on_delete=models.CASCADE, related_name="answers")
    country = models.ForeignKey("members.Country", verbose_name=_("country"), on_delete=models.PROTECT)
    choice = models.CharField(_("answer"), max_length=12, choices=PollChoice.choices)
    answered_by = models.ForeignKey(
        "members.Person",
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), auto_now=True)

    class Meta:
        verbose_name = _("poll answer")
        verbose_name_plural = _("poll answers")
        constraints = [models.UniqueConstraint(fields=["slot", "country"], name="logistics_poll_answer_unique")]

    def __str__(self) -> str:
        return f"{self.country} · {self.slot} · {self.get_choice_display()}"


# --- Registration -------------------------------------------------------------------------------------------------


class MeetingLogistics(models.Model):
    """What a meeting's registration asks, until when, and in which language its badges are printed."""

    meeting = models.OneToOneField("meetings.Meeting", on_delete=models.PROTECT, related_name="logistics")
    # JSON lists rather than PostgreSQL arrays: the embedded default runs on SQLite. Values: ``LogisticsField``.
    fields = models.JSONField(_("questions asked"), default=list, blank=True)
    deadline = models.DateTimeField(
        _("logistics deadline"), null=True, blank=True, help_text=_("Answers can change until then.")
    )
    badge_language = models.CharField(
        _("language of badges and name cards"), max_length=5, choices=settings.LANGUAGES, default="en"
    )

    class Meta:
        verbose_name = _("meeting logistics")
        verbose_name_plural = _("meeting logistics")

    def __str__(self) -> str:
        return str(self.meeting)

    def asks(self, field: str) -> bool:
        return field in self.fields


class Registration(models.Model):
    """The logistics answers of one invitee coming in person. Dietary and accessibility needs are special-category
    data (they may reveal health or religion): only the secretariat sees them, and ``registration.erase_sensitive``
    deletes them a set number of days after the meeting."""

    invitation = models.OneToOneField("meetings.Invitation", on_delete=models.PROTECT, related_name="registration")
    arrival_at = models.DateTimeField(_("arrival"), null=True, blank=True)
    arrival_by = models.CharField(_("arriving by"), max_length=10, choices=Travel.choices, blank=True)
    departure_at = models.DateTimeField(_("departure"), null=True, blank=True)
    departure_by = models.CharField(_("leaving by"), max_length=10, choices=Travel.choices, blank=True)
    hotel = models.BooleanField(_("hotel needed"), default=False)
    nights = models.PositiveSmallIntegerField(_("nights"), null=True, blank=True)
    dinner = models.BooleanField(_("attends the dinner"), default=False)
    diets = models.JSONField(_("dietary requirements"), default=list, blank=True)  # ``Diet`` values
    diet_other = models.CharField(_("other dietary requirements"), max_length=300, blank=True)
    accessibility = models.CharField(_("accessibility needs"), max_length=500, blank=True)
    interpretation = models.CharField(
        _("interpretation language"), max_length=5, choices=settings.LANGUAGES, blank=True
    )
    sensitive_erased_at = models.DateTimeField(_("needs deleted"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")

    def __str__(self) -> str:
        return str(self.invitation)

    @property
    def has_sensitive(self) -> bool:
        return bool(self.diets or self.diet_other or self.accessibility)


class Delegate(models.Model):
    """Another member of a delegation, named at registration (not necessarily in the registry)."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="delegates")
    name = models.CharField(_("name"), max_length=200, validators=[single_line])
    function = models.CharField(_("function"), max_length=200, blank=True, validators=[single_line])
    email = models.EmailField(_("email"), blank=True)

    class Meta:
        verbose_name = _("delegate")
        verbose_name_plural = _("delegates")
        ordering = ["registration", "pk"]

    def __str__(self) -> str:
        return self.name


# --- Badges and check-in ------------------------------------------------------------------------------------------


class Badge(models.Model):
    """One printed badge: an invitee (``invitation``) or a member of their delegation (``for_delegate``, with the
    ``delegate`` it was printed for while the registration still names them). ``code`` is typed at the door or read
    from the badge's QR code; unique within the meeting."""

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.PROTECT, related_name="badges")
    invitation = models.ForeignKey(
        "meetings.Invitation", on_delete=models.PROTECT, null=True, blank=True, related_name="badges"
    )
    delegate = models.OneToOneField(Delegate, on_delete=models.SET_NULL, null=True, blank=True, related_name="badge")
    # Kept when the delegate is dropped from the registration (``delegate`` then empties): the printed badge still
    # names a delegation member, never the invitee.
    for_delegate = models.BooleanField(_("delegation member"), default=False, editable=False)
    code = models.CharField(_("check-in code"), max_length=8)
    name = models.CharField(_("name"), max_length=200)
    function = models.CharField(_("function"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    country_code = models.CharField(_("country"), max_length=2, blank=True)
    role = models.CharField(_("role"), max_length=12, choices=BadgeRole.choices, default=BadgeRole.MEMBER)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)

    class Meta:
        verbose_name = _("badge")
        verbose_name_plural = _("badges")
        ordering = ["meeting", "country_code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "code"], name="logistics_badge_code_unique"),
            models.UniqueConstraint(
                fields=["invitation"],
                condition=models.Q(for_delegate=False),
                name="logistics_badge_one_per_invitee",
            ),
            models.CheckConstraint(
                condition=models.Q(delegate=None) | models.Q(for_delegate=True), name="logistics_badge_delegate_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.code}"
