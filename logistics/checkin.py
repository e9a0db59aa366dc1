"""Check-in at the door and roll-call: they fill the meeting's attendance register (``meetings.Attendance``).

Check-in is open from an hour before the meeting starts until it ends (``window``). A badge checks in once: a
repeated scan, a badge of another meeting or a code outside the window is refused with a clear message, and the
register is not changed. Roll-call and walk-ins are the secretariat's, any time from the window's opening.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.enums import Answer, AttendanceMode, Capacity, Presence
from meetings.models import Attendance, Invitation, Meeting
from members.models import Country, Person

from . import badges
from .models import Badge

OPENS_BEFORE = datetime.timedelta(hours=1)


def window(meeting: Meeting) -> tuple[datetime.datetime, datetime.datetime]:
    """(opens, closes): check-in is open from an hour before the start to the end of ``meeting``."""
    return meeting.starts_at - OPENS_BEFORE, meeting.ends_at


def is_open(meeting: Meeting, *, now: datetime.datetime | None = None) -> bool:
    opens, closes = window(meeting)
    return opens <= (now or timezone.now()) <= closes


def _check_window(meeting: Meeting, now: datetime.datetime) -> None:
    opens, closes = window(meeting)
    if now < opens:
        local = timezone.localtime(opens, meeting.zone)
        raise ValidationError(
            _("Check-in opens at %(time)s (%(zone)s), an hour before the meeting.")
            % {"time": f"{local:%Y-%m-%d %H:%M}", "zone": meeting.time_zone},
            code="not_yet",
        )
    if now > closes:
        raise ValidationError(_("The meeting is over: check-in is closed."), code="over")


@dataclass
class CheckedIn:
    badge: Badge
    attendance: Attendance  # the register row: the invitee's, or the delegation member's (no registry person)


def normalise(code: str) -> str:
    """A typed code as stored: upper case, without spaces or dashes (``"abcd-2345"`` → ``"ABCD2345"``)."""
    return re.sub(r"[\s\-]", "", code or "").upper()


def _badge_for(meeting: Meeting, scanned: str) -> Badge:
    scanned = (scanned or "").strip()
    if ":" in scanned:  # a QR token (a typed code has no colon)
        try:
            meeting_id, code = badges.read_token(scanned)
        except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
            raise ValidationError(_("This is not a badge of the network."), code="unknown") from error
    else:
        meeting_id, code = meeting.pk, normalise(scanned)
    badge = Badge.objects.select_for_update().filter(meeting_id=meeting_id, code=code).order_by().first()
    if badge is None:
        elsewhere = Badge.objects.filter(code=code).exclude(meeting=meeting).select_related("meeting").first()
        if elsewhere is None:
            raise ValidationError(_("No badge of this meeting has the code %(code)s.") % {"code": code}, code="unknown")
        badge = elsewhere
    if badge.meeting_id != meeting.pk:
        raise ValidationError(
            _("This badge is for another meeting: %(meeting)s.") % {"meeting": badge.meeting}, code="other_meeting"
        )
    return badge


@transaction.atomic
def check_in(meeting: Meeting, scanned: str, *, now: datetime.datetime | None = None) -> CheckedIn:
    """Check in the badge ``scanned`` names (its QR token, or its 8-character code as typed) at ``meeting``: the
    badge is stamped and its holder is recorded present in person in the attendance register — the invitee, or for
    a delegation member's badge a row of their own (``record_delegate``), also when the registration no longer
    names them (the printed badge still does).

    Raises ``ValidationError`` (nothing changed) with code ``unknown`` (no such badge), ``other_meeting``,
    ``not_yet``/``over`` (outside ``window``) or ``already`` (the badge checked in before)."""
    now = now or timezone.now()
    badge = _badge_for(meeting, scanned)
    _check_window(meeting, now)
    if badge.checked_in_at is not None:
        raise ValidationError(
            _("%(name)s already checked in at %(time)s.")
            % {"name": badge.name, "time": f"{timezone.localtime(badge.checked_in_at, meeting.zone):%H:%M}"},
            code="already",
        )
    badge.checked_in_at = now
    badge.save(update_fields=["checked_in_at"])
    invitation = badge.invitation
    if badge.for_delegate:
        attendance = record_delegate(meeting, name=badge.name, delegation_of=invitation.person)
    else:
        attendance = _record(meeting, invitation.person, Presence.IN_PERSON, invitation=invitation)
    return CheckedIn(badge, attendance)


def record_delegate(
    meeting: Meeting, *, name: str, delegation_of: Person, presence: str = Presence.IN_PERSON
) -> Attendance:
    """A member of ``delegation_of``'s delegation, not in the registry, recorded as ``presence`` at ``meeting``:
    their register row (one per meeting, invitee and name) is made or updated. The row copies the name and points
    at no logistics row, so it stays as attendance history whatever becomes of the registration."""
    attendance = (
        Attendance.objects.select_for_update()
        .filter(meeting=meeting, person=None, delegation_of=delegation_of, name=name)
        .order_by()
        .first()
    )
    if attendance is None:
        attendance = Attendance(meeting=meeting, name=name, delegation_of=delegation_of)
    attendance.presence = presence
    attendance.save()
    return attendance


def _record(
    meeting: Meeting, person: Person, presence: str, *, invitation: Invitation | None = None, note: str = ""
) -> Attendance:
    attendance = Attendance.objects.select_for_update().filter(meeting=meeting, person=person).order_by().first()
    if attendance is None:
        attendance = Attendance(meeting=meeting, person=person, invitation=invitation)
    attendance.presence = presence
    if note:
        attendance.note = note
    attendance.save()
    return attendance


def may_check_in_online(invitation: Invitation, *, now: datetime.datetime | None = None) -> bool:
    """Whether the portal offers ``invitation``'s invitee the one-click online check-in: accepted online, window
    open, not recorded present yet. Reads ``invitation.meeting``."""
    return (
        invitation.withdrawn_at is None
        and invitation.answer == Answer.ACCEPTED
        and invitation.mode == AttendanceMode.ONLINE
        and is_open(invitation.meeting, now=now)
    )


@transaction.atomic
def check_in_online(invitation: Invitation, *, now: datetime.datetime | None = None) -> Attendance:
    """The invitee of ``invitation`` (accepted online) says they are there: present online in the register.
    Raises ``ValidationError`` (nothing changed): ``not_online``, ``not_yet``/``over``, ``already``."""
    now = now or timezone.now()
    meeting = invitation.meeting
    if (
        invitation.withdrawn_at is not None
        or invitation.answer != Answer.ACCEPTED
        or invitation.mode != AttendanceMode.ONLINE
    ):
        raise ValidationError(_("Only invitees who accepted to attend online check in here."), code="not_online")
    _check_window(meeting, now)
    existing = Attendance.objects.filter(meeting=meeting, person=invitation.person_id).first()
    if existing is not None and existing.presence != Presence.ABSENT:
        raise ValidationError(_("You are already checked in."), code="already")
    return _record(meeting, invitation.person, Presence.ONLINE, invitation=invitation)


def roll_call_rows(meeting: Meeting) -> list[dict]:
    """One row per country with a member invitation standing: ``{"country", "invitations", "presence"}``, where
    ``presence`` is the country's recorded presence when all its invitees share one, else ``""``."""
    invitations = (
        Invitation.objects.live()
        .filter(meeting=meeting, capacity=Capacity.MEMBER)
        .exclude(answer=Answer.DELEGATED)
        .exclude(person__organisation__country=None)
        .select_related("person__organisation__country")
        .order_by("person__organisation__country__code")
    )
    recorded = dict(
        Attendance.objects.filter(meeting=meeting).exclude(person=None).values_list("person_id", "presence")
    )
    rows: dict[int, dict] = {}
    for invitation in invitations:
        country = invitation.person.organisation.country
        row = rows.setdefault(country.pk, {"country": country, "invitations": [], "presences": set()})
        row["invitations"].append(invitation)
        row["presences"].add(recorded.get(invitation.person_id, ""))
    for row in rows.values():
        presences = row.pop("presences")
        row["presence"] = presences.pop() if len(presences) == 1 else ""
    return list(rows.values())


@transaction.atomic
def roll_call(meeting: Meeting, country: Country, presence: str, *, now: datetime.datetime | None = None) -> int:
    """Record ``country`` as ``presence`` (``Presence``) at ``meeting``: every standing member invitation of the
    country (not delegated) gets that presence in the register. From the check-in window's opening on. Returns how
    many rows were recorded; raises ``ValidationError`` before the window."""
    now = now or timezone.now()
    if now < window(meeting)[0]:
        _check_window(meeting, now)
    if presence not in Presence.values:
        raise ValidationError(_("Choose present in person, present online or absent."), code="presence")
    invitations = (
        Invitation.objects.live()
        .filter(meeting=meeting, capacity=Capacity.MEMBER, person__organisation__country=country)
        .exclude(answer=Answer.DELEGATED)
        .select_related("person")
    )
    count = 0
    for invitation in invitations:
        _record(meeting, invitation.person, presence, invitation=invitation)
        count += 1
    return count


@transaction.atomic
def add_walk_in(meeting: Meeting, person: Person, *, presence: str = Presence.IN_PERSON, note: str = "") -> Attendance:
    """Someone who came without an invitation: a register row of their own. Raises ``ValidationError`` if the
    register already has them (an invitee is checked in, not added)."""
    if (
        Attendance.objects.filter(meeting=meeting, person=person).exists()
        or meeting.invitations.live().filter(person=person).exists()
    ):
        raise ValidationError(
            _("%(name)s is already in the register or invited: check them in instead.") % {"name": person.full_name},
            code="already",
        )
    return Attendance.objects.create(meeting=meeting, person=person, presence=presence, note=note or _("walk-in"))
