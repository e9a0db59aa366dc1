"""A true calendar for everyone (issue 18, section 4): a person who sends a substitute (or declines) has their calendar
copy cancelled and hears of no later change, so after the meeting moves their calendar shows no old time; the
substitute's calendar follows the meeting; a change of mind brings the copy back with the current time."""

from __future__ import annotations

import datetime

import icalendar
import pytest
import vobject
from django.urls import reverse

from meetings import services
from meetings.enums import Answer
from members.services import open_account
from outbox.models import MessageKind, OutgoingMessage
from tests import factories
from tests.meetings.mail.messages import UTC, at, html_of, in_language, received_for, send, text_of

pytestmark = pytest.mark.django_db

OLD_START = datetime.datetime(2027, 4, 28, 7, 30, tzinfo=UTC)  # 09:30 in Brussels
NEW_START = datetime.datetime(2027, 4, 29, 12, 0, tzinfo=UTC)  # 14:00 in Brussels
DECLINE_SAYS = "The calendar file attached takes the meeting out of your calendar; if you accept again, it comes back."


class MailCalendar:
    """A mail client's calendar: it applies the calendar parts of the messages one person received, in the order
    they were sent. A REQUEST sets the event, a CANCEL removes it; a message older than the one applied (a lower
    SEQUENCE) is ignored (RFC 5546, 2.1.5)."""

    def __init__(self, sink, address: str):
        rows = {r.message_id: r.pk for r in OutgoingMessage.objects.filter(to=address)}
        received = sorted((rows[r.message_id], r.message) for r in sink.messages if r.message_id in rows)
        self.events: dict[str, icalendar.Event] = {}
        self.sequences: dict[str, int] = {}
        self.methods: list[str] = []
        for _pk, message in received:
            for part in message.walk():
                if part.get_content_type() == "text/calendar":
                    self._apply(icalendar.Calendar.from_ical(part.get_content()))

    def _apply(self, cal: icalendar.Calendar) -> None:
        method = str(cal["METHOD"])
        self.methods.append(method)
        for event in cal.walk("VEVENT"):
            uid, sequence = str(event["UID"]), int(event.get("SEQUENCE", 0))
            if sequence < self.sequences.get(uid, -1):
                continue
            self.sequences[uid] = sequence
            if method == "CANCEL":
                self.events.pop(uid, None)
            else:
                self.events[uid] = event

    def start_of(self, meeting) -> datetime.datetime | None:
        event = self.events.get(f"{meeting.uid}@dg-network")
        return event.decoded("DTSTART").astimezone(UTC) if event else None


def feed_starts(client, person, meeting) -> list[datetime.datetime]:
    person.ensure_calendar_token()
    response = client.get(reverse("portal:calendar_feed", args=[person.calendar_token]))
    assert response.status_code == 200
    cal = icalendar.Calendar.from_ical(response.content)
    vobject.readOne(response.content.decode(), validate=True)
    return [
        e.decoded("DTSTART").astimezone(UTC) for e in cal.walk("VEVENT") if str(e["UID"]) == f"{meeting.uid}@dg-network"
    ]


def move(meeting, capture) -> None:
    meeting.starts_at = at(2027, 4, 29, 14, 0)
    meeting.ends_at = at(2027, 4, 29, 18, 0)
    with capture(execute=True):
        assert services.save_meeting(meeting) is not None


@pytest.fixture
def delegated(sink, django_capture_on_commit_callbacks):
    meeting = factories.meeting()
    director = factories.director(email="dg@crisis.example")
    substitute = factories.person(director.organisation, email="substitute@crisis.example")
    invitation = factories.invitation(meeting, director)
    send(meeting, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_answer(invitation, answer=Answer.DELEGATED, substitute=substitute)
    return meeting, director, substitute, invitation


def test_sending_a_substitute_cancels_ones_own_calendar_copy(delegated, sink):
    meeting, director, _substitute, _invitation = delegated
    calendar = MailCalendar(sink, director.email)
    assert calendar.methods == ["REQUEST", "CANCEL"]
    assert calendar.start_of(meeting) is None
    assert MailCalendar(sink, "substitute@crisis.example").start_of(meeting) == OLD_START
    said = in_language("en", DECLINE_SAYS)
    assert said in " ".join(text_of(received_for(sink, MessageKind.CONFIRMATION)[director.email]).split())


def test_after_a_move_the_delegators_calendar_shows_no_old_time_and_the_substitutes_the_new(
    delegated, sink, client, django_capture_on_commit_callbacks
):
    meeting, director, substitute, _invitation = delegated
    move(meeting, django_capture_on_commit_callbacks)

    mine = MailCalendar(sink, director.email)
    assert mine.methods == ["REQUEST", "CANCEL"]  # no update reaches the person who sent a substitute
    assert mine.start_of(meeting) is None
    assert feed_starts(client, director, meeting) == []

    theirs = MailCalendar(sink, substitute.email)
    assert theirs.methods == ["REQUEST", "REQUEST"]
    assert theirs.start_of(meeting) == NEW_START
    assert feed_starts(client, substitute, meeting) == [NEW_START]


def test_the_delegators_download_is_the_cancellation(delegated, client):
    meeting, director, _substitute, _invitation = delegated
    client.force_login(open_account(director))
    response = client.get(reverse("portal:meeting_ics", args=[meeting.pk]))
    cal = icalendar.Calendar.from_ical(response.content)
    vobject.readOne(response.content.decode(), validate=True)  # strictly valid for a second parser too
    assert str(cal["METHOD"]) == "CANCEL"
    (event,) = cal.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["ATTENDEE"].params["PARTSTAT"] == "DELEGATED"


def test_coming_after_all_brings_the_copy_back_with_the_current_time(
    delegated, sink, client, django_capture_on_commit_callbacks
):
    meeting, director, _substitute, invitation = delegated
    move(meeting, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_answer(invitation, answer=Answer.ACCEPTED)

    mine = MailCalendar(sink, director.email)
    assert mine.methods == ["REQUEST", "CANCEL", "REQUEST"]
    assert mine.start_of(meeting) == NEW_START
    assert feed_starts(client, director, meeting) == [NEW_START]
    # the substitute's invitation is withdrawn: their copy is cancelled
    assert MailCalendar(sink, "substitute@crisis.example").start_of(meeting) is None


def test_declining_cancels_the_copy_too(sink, client, django_capture_on_commit_callbacks):
    meeting = factories.meeting()
    director = factories.director(email="dg@crisis.example", preferred_language="de")
    invitation = factories.invitation(meeting, director)
    send(meeting, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_answer(invitation, answer=Answer.DECLINED)
    move(meeting, django_capture_on_commit_callbacks)

    mine = MailCalendar(sink, director.email)
    assert mine.methods == ["REQUEST", "CANCEL"]
    assert mine.start_of(meeting) is None
    assert feed_starts(client, director, meeting) == []
    # The confirmation says so in words, in the reader's language, in its text and its HTML.
    said = in_language("de", DECLINE_SAYS)
    confirmation = received_for(sink, MessageKind.CONFIRMATION)[director.email]
    assert said in " ".join(text_of(confirmation).split())
    assert said in " ".join(html_of(confirmation).split())
