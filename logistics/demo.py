"""The demo's logistics of 28 April 2022 in Brussels: the date poll that chose it, the registrations of those who
came in person, a member of Belgium's delegation (not in the registry), their badges (checked in as the attendance
register says; the delegation member checked in too, so the register lists them). Runs after
``meetings.demo.load()``; creates only what is missing.

The poll's other slots, the registrations' details and the delegation member are illustrative, not from the public
record. Dietary and accessibility needs are shown as the retention rule leaves them a month after the meeting:
deleted.
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo

from meetings.enums import Answer, AttendanceMode, Capacity, Presence
from meetings.models import Attendance, Meeting, SeatAllowance

from . import badges, checkin
from . import registration as registration_rules
from .enums import LogisticsField, PollChoice, PollStatus, Travel
from .models import Badge, DatePoll, Delegate, MeetingLogistics, PollAnswer, Registration

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
MEETING_UID = uuid.uuid5(uuid.NAMESPACE_URL, "https://dg-network.example.org/demo/meetings/2022-04-28")
SLOTS = [datetime.datetime(2022, 4, d, 9, 30, tzinfo=BRUSSELS) for d in (26, 28)] + [
    datetime.datetime(2022, 5, 3, 9, 30, tzinfo=BRUSSELS)
]
# Country code → answers for the three slots; countries not listed answered (no, yes, if need be).
ANSWERS = {
    "BE": "yyy",
    "NL": "yyn",
    "LU": "myy",
    "FR": "nym",
    "DE": "yyn",
    "IE": "nmy",
    "PT": "nmy",
    "DK": "yym",
}
CHOICE = {"y": PollChoice.YES, "m": PollChoice.IF_NEED_BE, "n": PollChoice.NO}
TRAVEL = [Travel.TRAIN, Travel.PLANE, Travel.PLANE, Travel.CAR]
DELEGATION = {"country": "BE", "name": "Jan Janssens", "function": "Crisis management adviser"}


def load() -> dict[str, int]:
    created = {"date polls": 0, "registrations": 0, "badges": 0}
    meeting = Meeting.objects.filter(uid=MEETING_UID).first()
    if meeting is None:
        return created
    if not DatePoll.objects.filter(meeting=meeting).exists():
        _poll(meeting)
        created["date polls"] += 1
    logistics, _new = MeetingLogistics.objects.get_or_create(
        meeting=meeting,
        defaults={
            "fields": list(LogisticsField.values),
            "deadline": datetime.datetime(2022, 4, 21, 18, 0, tzinfo=BRUSSELS),
            "badge_language": "en",
        },
    )
    created["registrations"] += _registrations(meeting)
    _delegation(meeting)
    created["badges"] += badges.issue_badges(meeting)
    present = set(
        Attendance.objects.filter(meeting=meeting, presence=Presence.IN_PERSON).values_list("person_id", flat=True)
    )
    arrived = meeting.starts_at - datetime.timedelta(minutes=20)
    for badge in Badge.objects.filter(meeting=meeting, checked_in_at=None).select_related("invitation__person"):
        if badge.invitation.person_id not in present:
            continue
        if badge.for_delegate:  # came with their invitee: their own row in the register, as a check-in makes
            checkin.record_delegate(meeting, name=badge.name, delegation_of=badge.invitation.person)
        badge.checked_in_at = arrived
        badge.save(update_fields=["checked_in_at"])
    return created


def _delegation(meeting: Meeting) -> None:
    """Belgium, the host, had a second seat at the meeting: its director-general named one other member of the
    delegation in it."""
    registration = (
        Registration.objects.filter(
            invitation__meeting=meeting,
            invitation__capacity=Capacity.MEMBER,
            invitation__person__organisation__country__code=DELEGATION["country"],
        )
        .select_related("invitation__person__organisation__country")
        .order_by("pk")
        .first()
    )
    if registration is None or registration.delegates.exists():
        return
    country = registration.invitation.person.organisation.country
    SeatAllowance.objects.get_or_create(meeting=meeting, country=country, defaults={"seats": 2})
    if registration_rules.delegate_places(registration.invitation) < 1:
        return  # the seat went to another invitee of the country
    Delegate.objects.create(registration=registration, name=DELEGATION["name"], function=DELEGATION["function"])


def _poll(meeting: Meeting) -> None:
    countries = {
        i.person.organisation.country
        for i in meeting.invitations.select_related("person__organisation__country")
        if i.person.organisation.country_id
    }
    poll = DatePoll.objects.create(
        **{f"title_{lang}": getattr(meeting, f"title_{lang}") for lang in ("en", "fr", "nl", "de")},
        time_zone="Europe/Brussels",
        duration_minutes=390,
        meeting=meeting,
    )
    poll.countries.set(countries)
    slots = [poll.slots.create(starts_at=start) for start in SLOTS]
    for country in sorted(countries, key=lambda c: c.code):
        for slot, letter in zip(slots, ANSWERS.get(country.code, "nym"), strict=True):
            PollAnswer.objects.create(slot=slot, country=country, choice=CHOICE[letter])
    DatePoll.objects.filter(pk=poll.pk).update(
        status=PollStatus.CLOSED, chosen_slot=slots[1], closed_at=datetime.datetime(2022, 3, 10, 12, tzinfo=BRUSSELS)
    )


def _registrations(meeting: Meeting) -> int:
    made = 0
    erased = meeting.ends_at + datetime.timedelta(days=30)
    invitations = meeting.invitations.live().filter(answer=Answer.ACCEPTED, mode=AttendanceMode.IN_PERSON)
    for n, invitation in enumerate(invitations.select_related("person__organisation__country").order_by("pk")):
        if Registration.objects.filter(invitation=invitation).exists():
            continue
        travel = TRAVEL[n % len(TRAVEL)]
        from_afar = travel == Travel.PLANE
        Registration.objects.create(
            invitation=invitation,
            arrival_at=datetime.datetime(2022, 4, 27 if from_afar else 28, 19 if from_afar else 8, 0, tzinfo=BRUSSELS),
            arrival_by=travel,
            departure_at=datetime.datetime(
                2022, 4, 28 if not from_afar else 29, 18 if not from_afar else 11, 0, tzinfo=BRUSSELS
            ),
            departure_by=travel,
            hotel=from_afar,
            nights=2 if from_afar else None,
            dinner=n % 3 != 2,
            interpretation="fr" if invitation.person.preferred_language == "fr" else "",
            sensitive_erased_at=erased,  # a month after the meeting, as the retention rule does
        )
        made += 1
    return made
