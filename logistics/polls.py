"""The date poll for the next meeting: slots proposed by the secretariat, one answer per country and slot.

A country's director-general, or their deputy or assistant on their behalf (a current mandate of one of those roles
at an organisation of the country), answers yes, if need be or no for each slot, in the portal or through a signed
link, and may change the answer until the poll closes. Choosing a slot closes the poll, fills (or creates) the
draft meeting and sends a "save the date" with a calendar file to everyone asked.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from meetings import calendar
from meetings.enums import MeetingFormat, MeetingStatus
from meetings.mailmerge import render, when
from meetings.models import Meeting
from meetings.services import ensure_reminders, save_meeting
from members.enums import Role
from members.models import Country, Mandate, Person
from members.services import language_of
from outbox.models import MessageKind
from outbox.services import new_message, store

from .enums import PollChoice, PollStatus
from .models import DatePoll, PollAnswer, PollSlot

SALT = "logistics.poll-link"
ANSWERING_ROLES = (Role.DIRECTOR_GENERAL, Role.DEPUTY, Role.ASSISTANT)
MIN_SLOTS, MAX_SLOTS = 2, 8


# --- Who answers --------------------------------------------------------------------------------------------------


def country_answered_by(person: Person | None, poll: DatePoll, *, on: datetime.date | None = None) -> Country | None:
    """The country ``person`` answers ``poll`` for: theirs, when they hold a current director-general, deputy or
    assistant mandate at one of its organisations and it is asked; else None."""
    if person is None or not person.is_active:
        return None
    on = on or timezone.localdate()
    mandate = (
        Mandate.objects.active_on(on)
        .filter(person=person, role__in=ANSWERING_ROLES, organisation__country__in=poll.countries.all())
        .select_related("organisation__country")
        .first()
    )
    return mandate.organisation.country if mandate else None


def people_asked(poll: DatePoll, *, countries=None, on: datetime.date | None = None) -> list[Person]:
    """The directors-general (acting included) of the countries asked (or of ``countries``): who is written to."""
    on = on or timezone.localdate()
    countries = poll.countries.all() if countries is None else countries
    mandates = (
        Mandate.objects.active_on(on)
        .filter(role=Role.DIRECTOR_GENERAL, organisation__country__in=countries, person__is_active=True)
        .select_related("person__organisation__country")
        .order_by("organisation__country__code", "person__last_name")
    )
    people: dict[int, Person] = {}
    for mandate in mandates:
        people.setdefault(mandate.person_id, mandate.person)
    return list(people.values())


def polls_for(person: Person | None, *, staff: bool = False):
    """The polls a reader may open: all for staff; for a person, those asking the country they answer for."""
    if staff:
        return DatePoll.objects.all()
    if person is None:
        return DatePoll.objects.none()
    countries = (
        Mandate.objects.active_on(timezone.localdate())
        .filter(person=person, role__in=ANSWERING_ROLES)
        .values("organisation__country")
    )
    return DatePoll.objects.filter(countries__in=countries).distinct()


# --- Proposing, answering -----------------------------------------------------------------------------------------


def check_slots(poll: DatePoll) -> None:
    """Raises ``ValidationError`` unless the poll proposes 2 to 8 slots."""
    count = poll.slots.count()
    if not MIN_SLOTS <= count <= MAX_SLOTS:
        raise ValidationError(
            _("Propose between %(min)d and %(max)d slots.") % {"min": MIN_SLOTS, "max": MAX_SLOTS}, code="slots"
        )


@transaction.atomic
def answer(poll: DatePoll, *, country: Country, choices: dict[int, str], by: Person | None) -> int:
    """Record ``country``'s answer: slot id → ``PollChoice`` value; a slot left out keeps its answer. Changes in
    place (one row per country and slot). Raises ``ValidationError`` (nothing changed) when the poll is closed,
    the country is not asked, or a slot or choice is not the poll's. Returns how many slots were answered."""
    poll = DatePoll.objects.select_for_update().get(pk=poll.pk)
    if not poll.is_open:
        raise ValidationError(_("This poll is closed: its date was chosen."), code="closed")
    if not poll.countries.filter(pk=country.pk).exists():
        raise ValidationError(_("Your country is not asked in this poll."), code="not_asked")
    slots = {slot.pk: slot for slot in poll.slots.all()}
    for slot_id, choice in choices.items():
        if slot_id not in slots or choice not in PollChoice.values:
            raise ValidationError(_("Answer yes, if need be or no for the poll's slots."), code="choice")
    for slot_id, choice in choices.items():
        PollAnswer.objects.update_or_create(
            slot=slots[slot_id], country=country, defaults={"choice": choice, "answered_by": by}
        )
    return len(choices)


@dataclass
class Grid:
    """Countries × slots: ``rows`` ``[(country, [choice or "" per slot])]``, ``totals`` per slot
    ``{"yes", "if_need_be", "no"}``, and the countries that have not answered."""

    slots: list[PollSlot]
    rows: list[tuple[Country, list[str]]]
    totals: list[dict[str, int]] = field(default_factory=list)
    missing: list[Country] = field(default_factory=list)

    def answers_of(self, country: Country | None) -> dict[int, str]:
        """``country``'s answers, slot id → choice (``{}`` for None or no answer)."""
        for row_country, cells in self.rows:
            if country is not None and row_country.pk == country.pk:
                return {slot.pk: cell for slot, cell in zip(self.slots, cells, strict=True) if cell}
        return {}


def grid(poll: DatePoll, *, slots: list[PollSlot] | None = None) -> Grid:
    """The poll's grid in three queries (two with ``slots`` given), for any number of countries and slots."""
    slots = list(poll.slots.all()) if slots is None else slots
    countries = list(poll.countries.order_by("code"))
    answers = {(a.country_id, a.slot_id): a.choice for a in PollAnswer.objects.filter(slot__poll=poll)}
    rows = [(country, [answers.get((country.pk, slot.pk), "") for slot in slots]) for country in countries]
    totals = [
        {choice: sum(1 for _c, cells in rows if cells[i] == choice) for choice in PollChoice.values}
        for i in range(len(slots))
    ]
    missing = [country for country, cells in rows if not any(cells)]
    return Grid(slots=slots, rows=rows, totals=totals, missing=missing)


# --- Links --------------------------------------------------------------------------------------------------------


def token_for(poll: DatePoll, person: Person) -> str:
    return signing.dumps({"p": poll.pk, "x": person.pk}, salt=SALT, compress=False)


def link_for(poll: DatePoll, person: Person) -> str:
    return settings.SITE_URL + reverse("logistics:poll_link", args=[token_for(poll, person)])


def from_token(token: str) -> tuple[DatePoll, Person]:
    """The poll and the person a link names; raises ``ValidationError`` (code ``invalid``) for a tampered token
    or rows that are gone."""
    try:
        data = signing.loads(token, salt=SALT)
        poll = DatePoll.objects.get(pk=int(data["p"]))
        person = Person.objects.select_related("organisation__country").get(pk=int(data["x"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, DatePoll.DoesNotExist, Person.DoesNotExist) as e:
        raise ValidationError(_("This link is not valid."), code="invalid") from e
    return poll, person


# --- Mail ---------------------------------------------------------------------------------------------------------


def slot_label(slot: PollSlot, zone) -> str:
    """A slot's start in ``zone`` (a ``ZoneInfo``), in the active language: "28 April 2022, 10:00 (Europe/...)"."""
    local = slot.starts_at.astimezone(zone)
    return f"{date_format(local, 'DATE_FORMAT')}, {local:%H:%M} ({zone.key})"


def zone_of(person: Person) -> zoneinfo.ZoneInfo:
    """The zone ``person`` reads times in (their profile's; Brussels if it is not a known zone)."""
    try:
        return zoneinfo.ZoneInfo(person.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("Europe/Brussels")


def remind(poll: DatePoll, *, now: datetime.datetime | None = None) -> int:
    """Write to the directors-general of the countries that have not answered, each in their language and zone,
    with their signed link; once per person and day. Returns how many messages were queued."""
    if not poll.is_open:
        raise ValidationError(_("This poll is closed: its date was chosen."), code="closed")
    now = now or timezone.now()
    missing = grid(poll).missing
    rows = []
    for person in people_asked(poll, countries=missing):
        language = language_of(person)
        zone = zone_of(person)
        with translation.override(language):
            context = {
                "person": person,
                "poll": poll,
                "slots": [slot_label(slot, zone) for slot in poll.slots.all()],
                "link": link_for(poll, person),
                "secretariat_email": settings.SECRETARIAT_EMAIL,
                "portal_url": settings.SITE_URL + reverse("portal:dashboard"),
            }
            text, html = render("poll_reminder", context)
            subject = _("Which date suits you? %(title)s") % {"title": poll.title}
        rows.append(
            new_message(
                key=f"poll:{poll.pk}:remind:{person.pk}:{now:%Y-%m-%d}",
                kind=MessageKind.POLL_REMINDER,
                person=person,
                to=person.email,
                language=language,
                subject=subject,
                text=text,
                html=html,
            )
        )
    return len(store(rows))


@transaction.atomic
def choose(poll: DatePoll, slot: PollSlot, *, by=None) -> Meeting:
    """Choose ``slot``: the poll closes, its draft meeting gets the slot's date, time and zone (or a draft is
    created, virtual, titled as the poll), and everyone asked gets a "save the date" with a calendar file. The
    invitations then follow the usual path. Raises ``ValidationError`` when the poll is closed, the slot is not
    the poll's, or the draft is no longer a draft. Returns the meeting."""
    poll = DatePoll.objects.select_for_update().get(pk=poll.pk)
    if not poll.is_open:
        raise ValidationError(_("This poll is closed: its date was chosen."), code="closed")
    if slot.poll_id != poll.pk:
        raise ValidationError(_("This slot belongs to another poll."), code="slot")
    starts_at, ends_at = slot.starts_at, slot.starts_at + datetime.timedelta(minutes=poll.duration_minutes)
    meeting = poll.meeting
    if meeting is None:
        meeting = Meeting.objects.create(
            **{f"title_{code}": getattr(poll, f"title_{code}") for code, _name in settings.LANGUAGES},
            format=MeetingFormat.VIRTUAL,
            starts_at=starts_at,
            ends_at=ends_at,
            time_zone=poll.time_zone,
        )
        ensure_reminders(meeting)
        poll.meeting = meeting
    else:
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.status != MeetingStatus.DRAFT:
            raise ValidationError(_("The poll's meeting is no longer a draft."), code="not_draft")
        meeting.starts_at, meeting.ends_at, meeting.time_zone = starts_at, ends_at, poll.time_zone
        save_meeting(meeting, by=by)
    poll.status = PollStatus.CLOSED
    poll.chosen_slot = slot
    poll.closed_at = timezone.now()
    poll.save(update_fields=["status", "chosen_slot", "closed_at", "meeting"])
    _save_the_date(poll, meeting)
    return meeting


def _save_the_date(poll: DatePoll, meeting: Meeting) -> int:
    ics_in: dict[str, str] = {}  # the calendar file in each reader's language (its organiser and description)
    rows = []
    for person in people_asked(poll):
        language = language_of(person)
        with translation.override(language), timezone.override(meeting.zone):
            if language not in ics_in:
                event = calendar.meeting_event(meeting)
                ics_in[language] = calendar.calendar([event], method="PUBLISH").decode("utf-8")
            ics = ics_in[language]
            context = {
                "person": person,
                "poll": poll,
                "meeting": meeting,
                "when": when(meeting),
                "secretariat_email": settings.SECRETARIAT_EMAIL,
                "portal_url": settings.SITE_URL + reverse("portal:dashboard"),
            }
            text, html = render("save_the_date", context)
            subject = _("Save the date: %(title)s, %(date)s") % {
                "title": meeting.title,
                "date": date_format(meeting.local_start, "DATE_FORMAT"),
            }
        rows.append(
            new_message(
                key=f"poll:{poll.pk}:save-the-date:{person.pk}",
                kind=MessageKind.SAVE_THE_DATE,
                person=person,
                meeting=meeting,
                to=person.email,
                language=language,
                subject=subject,
                text=text,
                html=html,
                attachments=[
                    {
                        "filename": "save-the-date.ics",
                        "content_type": "text/calendar",
                        "method": "PUBLISH",
                        "content": ics,
                    }
                ],
            )
        )
    return len(store(rows))
