"""Calendar files (iCalendar, RFC 5545): one stable UID per meeting, SEQUENCE = the meeting's revision, the
meeting's time zone as a VTIMEZONE with yearly repeat rules (``network.lib.vtimezone``), the secretariat as
ORGANIZER, the invitee as ATTENDEE."""

from __future__ import annotations

import datetime

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from network.lib.vtimezone import vtimezone

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
    # Each zone with yearly repeat rules (what every client reads), exact around the events; the rule of the last
    # of those years is left open for later years.
    first_year, last_year = min(years) - 1, max(years) + 1
    for n, tzid in enumerate(sorted(cal.get_missing_tzids())):
        cal.subcomponents.insert(n, vtimezone(tzid, first_year, last_year))
    return cal.to_ical()


def invitation_ics(invitation: Invitation, *, description: str = "", cancel: bool = False) -> bytes:
    """METHOD:REQUEST for an invitation or update, METHOD:CANCEL for a cancellation."""
    return InvitationCalendar(invitation.meeting, description=description, cancel=cancel).fill(invitation)


# Answers that give the place up: the invitee's calendar copy is cancelled (same UID, the meeting's SEQUENCE, a later
# DTSTAMP) and they hear of no later change (``delivery.update_recipients``); a substitute gets an invitation of
# their own. Their SEQUENCE stays the meeting's, so that a REQUEST after a change of mind is not older than the
# CANCEL (RFC 5546, 2.1.5: SEQUENCE, then DTSTAMP, orders the messages of one event).
GIVES_UP_PLACE = frozenset({Answer.DECLINED, Answer.DELEGATED})


def keeps_copy(invitation: Invitation) -> bool:
    """Whether the invitee's calendar holds the meeting: the invitation stands and its answer does not give the
    place up (``GIVES_UP_PLACE``). A cancelled meeting is kept, marked cancelled."""
    return invitation.withdrawn_at is None and invitation.answer not in GIVES_UP_PLACE


def copy_ics(invitation: Invitation) -> tuple[str, bytes]:
    """The invitee's own calendar copy as it stands, and its METHOD: ``("REQUEST", ...)`` with the current time,
    place and their answer while they keep it (``keeps_copy``), ``("CANCEL", ...)`` once they declined, sent a
    substitute or were withdrawn, or the meeting was cancelled."""
    if keeps_copy(invitation) and invitation.meeting.status != MeetingStatus.CANCELLED:
        return "REQUEST", invitation_ics(invitation)
    return "CANCEL", invitation_ics(invitation, cancel=True)


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
