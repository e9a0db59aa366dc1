"""A meeting's reminder schedule (the reminders themselves are outbox rows, see ``delivery.send_due_reminders``)."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderKind(models.TextChoices):
    PENDING = "pending", _("To those who have not answered, before the answer deadline")
    ACCEPTED = "accepted", _("To those who accepted, before the meeting")


class ReminderRule(models.Model):
    """When a meeting's reminders go out, as days before the answer deadline or before the meeting. The time is
    computed from the meeting when the job runs, so reminders follow a meeting that moves."""

    meeting = models.ForeignKey(
        "meetings.Meeting", verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="reminder_rules"
    )
    kind = models.CharField(_("reminder"), max_length=20, choices=ReminderKind.choices)
    days_before = models.PositiveSmallIntegerField(_("days before"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["meeting", "kind", "-days_before"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "kind", "days_before"], name="meetings_reminder_rule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.days_before}"

    def due_at(self) -> datetime.datetime | None:
        """09:00 in the meeting's time zone, ``days_before`` the answer deadline; or the meeting's start time,
        ``days_before`` the meeting."""
        meeting = self.meeting
        if self.kind == ReminderKind.PENDING:
            if meeting.answer_deadline is None:
                return None
            day = meeting.answer_deadline - datetime.timedelta(days=self.days_before)
            return datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=meeting.zone)
        return meeting.starts_at - datetime.timedelta(days=self.days_before)

    def ends_at(self) -> datetime.datetime | None:
        """After this moment the reminder has no point any more (the deadline passed, the meeting began)."""
        meeting = self.meeting
        if self.kind == ReminderKind.PENDING:
            if meeting.answer_deadline is None:
                return None
            return datetime.datetime.combine(
                meeting.answer_deadline + datetime.timedelta(days=1), datetime.time(0, 0), tzinfo=meeting.zone
            )
        return meeting.starts_at


DEFAULT_REMINDERS = ((ReminderKind.PENDING, 14), (ReminderKind.PENDING, 7), (ReminderKind.ACCEPTED, 2))
