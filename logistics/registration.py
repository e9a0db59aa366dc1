"""Registration for meetings in person: the logistics an invitee answers after accepting to come in person.

The questions are a fixed set (``LogisticsField``) chosen per meeting (``MeetingLogistics``); answers change until
the logistics deadline (or the meeting's start). Dietary and accessibility needs are special-category data under
the GDPR (art. 9: they may reveal health or religion): only the secretariat sees them, they are exported only in the
caterer's and the venue's lists, and ``erase_sensitive`` deletes them ``LOGISTICS_RETENTION_DAYS`` (default 30)
days after the meeting.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.enums import Answer, AttendanceMode
from meetings.models import Invitation, Meeting
from meetings.services import seat_tally

from .enums import Diet, LogisticsField
from .models import Delegate, MeetingLogistics, Registration

SENSITIVE_FIELDS = ("diets", "diet_other", "accessibility")


def logistics_of(meeting: Meeting) -> MeetingLogistics | None:
    return MeetingLogistics.objects.filter(meeting=meeting).first()


def deadline(meeting: Meeting, logistics: MeetingLogistics | None) -> datetime.datetime:
    """Until when answers may change: the logistics deadline, and never after the meeting's start."""
    if logistics is not None and logistics.deadline is not None:
        return min(logistics.deadline, meeting.starts_at)
    return meeting.starts_at


_READ = object()  # "logistics not read yet", as opposed to "read: the meeting has none" (None)


def asks_registration(invitation: Invitation, logistics: MeetingLogistics | None = _READ) -> bool:
    """Whether ``invitation`` has a registration to fill: standing, accepted in person, at a meeting whose
    logistics ask at least one question. Reads ``invitation.meeting``, and its logistics unless ``logistics`` gives
    them (``None``: the meeting has none)."""
    logistics = logistics_of(invitation.meeting) if logistics is _READ else logistics
    return (
        logistics is not None
        and bool(logistics.fields)
        and invitation.withdrawn_at is None
        and invitation.answer == Answer.ACCEPTED
        and invitation.mode == AttendanceMode.IN_PERSON
    )


def can_change(invitation: Invitation, logistics: MeetingLogistics | None, *, now=None) -> bool:
    return asks_registration(invitation, logistics) and (now or timezone.now()) < deadline(
        invitation.meeting, logistics
    )


def delegate_places(invitation: Invitation) -> int:
    """How many other members the invitee's delegation may name: the country's seat allowance less the seats its
    standing invitations hold (at least 0; 0 for invitees without a country)."""
    country_id = invitation.country_id or invitation.person.organisation.country_id
    if country_id is None:
        return 0
    tally = seat_tally(invitation.meeting)
    return max(tally.seats(country_id) - tally.used.get(country_id, 0), 0)


@transaction.atomic
def save_registration(
    invitation: Invitation, *, answers: dict, delegates: list[dict], now: datetime.datetime | None = None
) -> Registration:
    """Record ``invitation``'s logistics. ``answers``: model field → value, only for the questions the meeting
    asks (others are left empty); ``delegates``: ``[{"name", "function", "email"}]``, replacing those named before.
    A field that depends on another is cleared with it (no nights without a hotel). Raises ``ValidationError``
    (nothing changed) when the registration is not asked, the deadline passed, or more delegates than places."""
    logistics = logistics_of(invitation.meeting)
    if not asks_registration(invitation, logistics):
        raise ValidationError(_("Registration is for invitees who accepted to come in person."), code="not_asked")
    if (now or timezone.now()) >= deadline(invitation.meeting, logistics):
        raise ValidationError(_("The logistics deadline has passed: write to the secretariat."), code="deadline")
    registration, _created = Registration.objects.select_for_update().get_or_create(invitation=invitation)
    fields_by_question = {
        LogisticsField.ARRIVAL: ("arrival_at", "arrival_by"),
        LogisticsField.DEPARTURE: ("departure_at", "departure_by"),
        LogisticsField.HOTEL: ("hotel", "nights"),
        LogisticsField.DINNER: ("dinner",),
        LogisticsField.DIETARY: ("diets", "diet_other"),
        LogisticsField.ACCESSIBILITY: ("accessibility",),
        LogisticsField.INTERPRETATION: ("interpretation",),
    }
    for question, names in fields_by_question.items():
        if logistics.asks(question):
            for name in names:
                if name in answers:
                    setattr(registration, name, answers[name])
    if not registration.hotel:
        registration.nights = None
    elif not registration.nights:
        raise ValidationError(_("Say for how many nights you need a hotel."), code="nights")
    if registration.arrival_at and registration.departure_at and registration.departure_at < registration.arrival_at:
        raise ValidationError(_("The departure comes after the arrival."), code="order")
    registration.diets = sorted(set(registration.diets or []))
    if not set(registration.diets) <= set(Diet.values):
        raise ValidationError(_("Choose dietary requirements from the list; write others in words."), code="diets")
    registration.full_clean(exclude=["invitation"])
    registration.save()
    if logistics.asks(LogisticsField.DELEGATION):
        named = [d for d in delegates if (d.get("name") or "").strip()]
        places = delegate_places(invitation)
        if len(named) > places:
            raise ValidationError(
                _("Your delegation may name %(places)d other members.") % {"places": places}, code="delegates"
            )
        # Updated in place, in the order written, so a delegate keeps their badge when their details change.
        existing = list(registration.delegates.order_by("pk"))
        for index, entry in enumerate(named):
            delegate = existing[index] if index < len(existing) else Delegate(registration=registration)
            delegate.name = entry["name"].strip()
            delegate.function = (entry.get("function") or "").strip()
            delegate.email = (entry.get("email") or "").strip()
            delegate.full_clean(exclude=["registration"])
            delegate.save()
        for dropped in existing[len(named) :]:
            dropped.delete()  # the invitee's own list as they write it; a printed badge stays, unlinked
    return registration


def erase_sensitive(*, now: datetime.datetime | None = None, days: int | None = None) -> int:
    """Delete the dietary and accessibility answers of meetings that ended more than ``days`` days ago (default
    ``settings.LOGISTICS_RETENTION_DAYS``, 30): GDPR art. 5(1)(e), kept no longer than needed. The registration
    stays (arrival, hotel...) and records when its needs were deleted. Returns how many were erased."""
    now = now or timezone.now()
    days = settings.LOGISTICS_RETENTION_DAYS if days is None else days
    due = Registration.objects.filter(
        invitation__meeting__ends_at__lt=now - datetime.timedelta(days=days), sensitive_erased_at=None
    )
    return due.update(diets=[], diet_other="", accessibility="", sensitive_erased_at=now)


def registration_export(registration: Registration) -> dict:
    """One registration as the personal-data export gives it (``network.privacy``); needs included while kept."""
    return {
        "meeting": str(registration.invitation.meeting.title),
        "arrival": registration.arrival_at.isoformat() if registration.arrival_at else None,
        "arriving_by": registration.arrival_by,
        "departure": registration.departure_at.isoformat() if registration.departure_at else None,
        "leaving_by": registration.departure_by,
        "hotel": registration.hotel,
        "nights": registration.nights,
        "dinner": registration.dinner,
        "dietary_requirements": list(registration.diets),
        "other_dietary_requirements": registration.diet_other,
        "accessibility_needs": registration.accessibility,
        "needs_deleted_at": registration.sensitive_erased_at.isoformat() if registration.sensitive_erased_at else None,
        # The rule, said where the data is shown: needs are deleted this long after the meeting.
        "needs_kept_until": (
            registration.invitation.meeting.ends_at + datetime.timedelta(days=settings.LOGISTICS_RETENTION_DAYS)
        ).isoformat(),
        "interpretation": registration.interpretation,
        "delegates": [{"name": d.name, "function": d.function, "email": d.email} for d in registration.delegates.all()],
    }
