"""Calendar files (iCalendar, RFC 5545): one stable UID per meeting, SEQUENCE = the meeting's revision, the
meeting's time zone as a VTIMEZONE, the secretariat as ORGANIZER, the invitee as ATTENDEE."""

from __future__ import annotations

import datetime

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

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
    meeting: Meeting,
    *,
    invitation: Invitation | None = None,
    for_invitees: bool = False,
    description: str = "",
    cancelled: bool = False,
) -> icalendar.Event:
    """The meeting as an event; with ``invitation``, that invitee is its attendee. Invitees' events (with an
    invitation or ``for_invitees``) carry the video-conference link in the location."""
    event = icalendar.Event()
    event.add("uid", event_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    event.add("dtstart", meeting.starts_at.astimezone(meeting.zone))
    event.add("dtend", meeting.ends_at.astimezone(meeting.zone))
    event.add("summary", str(meeting.title))
    event.add("status", "CANCELLED" if cancelled or meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")
    location = _location(meeting, invitee=invitation is not None or for_invitees)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    event.add("url", settings.SITE_URL + reverse("portal:meeting", args=[meeting.pk]))
    organizer = icalendar.vCalAddress(f"mailto:{settings.SECRETARIAT_EMAIL}")
    organizer.params["cn"] = icalendar.vText(gettext("The secretariat of the DG Network"))  # the reader's words
    event.add("organizer", organizer)
    if invitation is not None:
        event.add("attendee", attendee(invitation))
    return event


def attendee(invitation: Invitation) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{invitation.person.email}")
    address.params["cn"] = icalendar.vText(invitation.person.full_name)
    address.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    address.params["partstat"] = icalendar.vText(PARTSTAT.get(invitation.answer, "NEEDS-ACTION"))
    # Answers go through the signed links, not calendar replies to the no-reply sender.
    address.params["rsvp"] = icalendar.vText("FALSE")
    return address


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
    return InvitationCalendar(invitation.meeting, description=description, cancel=cancel).fill(invitation)


# --- One file for many invitees ---------------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """A TEXT value as RFC 5545 writes it (section 3.3.11), by icalendar itself: backslash, semicolon and comma
    escaped, every line break (CR LF, LF or a lone CR) written as ``\\n``, so a value can never start a new
    property."""
    return icalendar.vText(value).to_ical().decode("utf-8")


def fold(line: str) -> str:
    """Fold a content line into lines of at most 75 octets (RFC 5545, section 3.1), never inside a UTF-8 sequence
    and never between a backslash and the character it escapes (some clients mishandle that)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: step back to the character's first byte
            end -= 1
        backslashes = 0
        while end - 1 - backslashes > start and data[end - 1 - backslashes] == 0x5C:
            backslashes += 1
        if backslashes % 2:
            end -= 1
        parts.append(data[start:end])
        start, limit = end, 74  # a continuation line starts with a space
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8")


class InvitationCalendar:
    """One meeting's invitation (or cancellation) file, built once for a batch of invitees and filled in for each.

    Building the file is the costly part of an invitation (the time zone's rules, the event, folding); for a batch it
    is done once with stand-in words (``fill`` replaces them in the description) and a stand-in attendee, and each
    invitee's file is that one with their attendee line and their words.

    The stand-in words are plain letters and digits, which TEXT escaping leaves alone; their values are escaped
    when they are put in."""

    _ATTENDEE = "mailto:attendee@dg-network.invalid"

    def __init__(self, meeting: Meeting, *, description: str = "", cancel: bool = False):
        event = meeting_event(meeting, for_invitees=True, description=description, cancelled=cancel)
        event.add("attendee", icalendar.vCalAddress(self._ATTENDEE))
        ics = calendar([event], method="CANCEL" if cancel else "REQUEST").decode("utf-8")
        self.lines = ics.replace("\r\n ", "").split("\r\n")  # unfolded: one content line each
        self.attendee_at = next(i for i, line in enumerate(self.lines) if line.startswith("ATTENDEE"))
        self.description_at = next((i for i, line in enumerate(self.lines) if line.startswith("DESCRIPTION")), None)
        self.folded = [fold(line) for line in self.lines]

    def fill(self, invitation: Invitation, words: dict[str, str] | None = None) -> bytes:
        lines = list(self.folded)
        # icalendar writes the content line; folding it is left to ``fold`` (icalendar's own folds character by
        # character, and this line is the one every invitee's file has of its own).
        lines[self.attendee_at] = fold(icalendar.Event().content_line("ATTENDEE", attendee(invitation)))
        if self.description_at is not None and words:
            line = self.lines[self.description_at]
            for stand_in, value in words.items():
                line = line.replace(stand_in, escape_text(value))
            lines[self.description_at] = fold(line)
        return "\r\n".join(lines).encode("utf-8")
