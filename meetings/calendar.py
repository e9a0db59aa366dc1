"""Calendar files (iCalendar, RFC 5545): one stable UID per meeting, SEQUENCE = the meeting's revision, the
meeting's time zone as a VTIMEZONE, the secretariat as ORGANIZER, the invitee as ATTENDEE."""

from __future__ import annotations

import datetime

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from .enums import Answer, MeetingStatus
from .models import Invitation, Meeting

PRODID = "-//DG Network//Meetings//EN"
PARTSTAT = {
    Answer.PENDING: "NEEDS-ACTION",
    Answer.ACCEPTED: "ACCEPTED",
    Answer.DECLINED: "DECLINED",
    Answer.DELEGATED: "DELEGATED",
}


def event_uid(meeting: Meeting) -> str:
    return f"{meeting.uid}@dg-network"


def _location(meeting: Meeting, *, invitee: bool) -> str:
    parts = [p for p in (meeting.venue_name, meeting.venue_address, meeting.venue_city) if p]
    if meeting.has_connection and invitee and meeting.video_link:
        parts.append(meeting.video_link)
    return ", ".join(parts)


def meeting_event(
    meeting: Meeting, *, invitation: Invitation | None = None, description: str = "", cancelled: bool = False
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", event_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    event.add("dtstart", meeting.starts_at.astimezone(meeting.zone))
    event.add("dtend", meeting.ends_at.astimezone(meeting.zone))
    event.add("summary", str(meeting.title))
    event.add("status", "CANCELLED" if cancelled or meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")
    location = _location(meeting, invitee=invitation is not None)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    event.add("url", settings.SITE_URL + reverse("portal:meeting", args=[meeting.pk]))
    organizer = icalendar.vCalAddress(f"mailto:{settings.SECRETARIAT_EMAIL}")
    organizer.params["cn"] = icalendar.vText("DG Network secretariat")
    event.add("organizer", organizer)
    if invitation is not None:
        attendee = icalendar.vCalAddress(f"mailto:{invitation.person.email}")
        attendee.params["cn"] = icalendar.vText(invitation.person.full_name)
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = icalendar.vText(PARTSTAT.get(invitation.answer, "NEEDS-ACTION"))
        # Answers go through the signed links, not calendar replies to the no-reply sender.
        attendee.params["rsvp"] = icalendar.vText("FALSE")
        event.add("attendee", attendee)
    return event


def calendar(events: list[icalendar.Event], *, method: str | None = None, name: str = "") -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    years = [event.decoded("dtstart").year for event in events] or [timezone.now().year]
    for event in events:
        cal.add_component(event)
    # The zone's rules around the events only: the whole 1970-2038 history would make every file ~10 times larger.
    cal.add_missing_timezones(
        first_date=datetime.date(min(years) - 1, 1, 1), last_date=datetime.date(max(years) + 2, 1, 1)
    )
    return cal.to_ical()


def invitation_ics(invitation: Invitation, *, description: str = "", cancel: bool = False) -> bytes:
    """METHOD:REQUEST for an invitation or update, METHOD:CANCEL for a cancellation."""
    event = meeting_event(invitation.meeting, invitation=invitation, description=description, cancelled=cancel)
    return calendar([event], method="CANCEL" if cancel else "REQUEST")
