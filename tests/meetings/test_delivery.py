"""Outgoing mail, end to end in one process: the outbox rows, the messages a real SMTP server receives, the
calendar files in them, the answer links, reminders, SMTP failures and the commands.

Celery runs eagerly here (the test settings); the hand-over after commit is run with
``django_capture_on_commit_callbacks(execute=True)``. The real worker is exercised in
``test_delivery_integration.py``.
"""

from __future__ import annotations

import datetime
import io
import re
import threading
from email.message import EmailMessage

import icalendar
import psycopg2
import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from meetings import delivery, links, mailmerge, services
from meetings.enums import Answer, MeetingStatus, Visibility
from meetings.models import (
    Document,
    Invitation,
    Meeting,
    MessageKind,
    MessageStatus,
    OutgoingMessage,
    SeatAllowance,
)
from members.enums import Role
from tests import factories, smtp
from tests.factories import BRUSSELS
from tests.helpers import form_data

pytestmark = pytest.mark.django_db

smtp_sink = smtp.smtp_sink  # the fixture, made visible to this module

SITE = "https://dg.example.org"
UTC = datetime.UTC
T0 = datetime.datetime(2027, 3, 1, 10, 0, tzinfo=BRUSSELS)  # "now" when the invitations go out


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BRUSSELS)


@pytest.fixture(autouse=True)
def before_the_meeting():
    """Every test starts on 1 March 2027, before the meetings it makes (spring 2027)."""
    with time_machine.travel(T0, tick=True):
        yield


@pytest.fixture
def sink(smtp_sink, settings):
    smtp_sink.configure(settings)
    settings.SITE_URL = SITE
    settings.MAIL_RETRY_SECONDS = 30
    settings.OUTBOX_STALE_SECONDS = 300
    return smtp_sink


def send(meeting, capture) -> int:
    with capture(execute=True):
        return services.send_invitations(meeting)


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # lines end in CRLF on the wire


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content().replace("\r\n", "\n")


def calendar_of(message: EmailMessage) -> tuple[icalendar.Calendar, EmailMessage]:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return icalendar.Calendar.from_ical(parts[0].get_content()), parts[0]


def event_of(cal: icalendar.Calendar) -> icalendar.Event:
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def received_for(sink, kind: str) -> dict[str, EmailMessage]:
    """The messages of one kind that reached the server, by recipient (checked against the outbox rows)."""
    rows = {m.message_id: m for m in OutgoingMessage.objects.filter(kind=kind)}
    out = {}
    for r in sink.messages:
        if r.message_id in rows:
            assert r.message["To"] == rows[r.message_id].to
            assert r.message["To"] not in out, f"{kind} reached {r.message['To']} twice"
            out[str(r.message["To"])] = r.message
    return out


def in_language(language: str, msgid: str, **params) -> str:
    with translation.override(language):
        return gettext(msgid) % params if params else gettext(msgid)


# --- Sending invitations ----------------------------------------------------------------------------------------


def test_sending_a_meetings_invitations_twice_sends_each_person_one_invitation(
    sink, django_capture_on_commit_callbacks
):
    meeting = factories.meeting()
    people = [factories.director() for _ in range(3)]
    invitations = [factories.invitation(meeting, p) for p in people]

    assert send(meeting, django_capture_on_commit_callbacks) == 3
    assert send(meeting, django_capture_on_commit_callbacks) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.queue_invitations(invitations) == []  # the same message is never made twice

    rows = OutgoingMessage.objects.filter(kind=MessageKind.INVITATION)
    assert sorted(rows.values_list("to", "status", "attempts")) == sorted(
        (p.email, MessageStatus.SENT, 1) for p in people
    )
    assert sorted(r.rcpt_tos for r in sink.messages) == sorted((p.email,) for p in people)
    assert sink.message_ids() == {m.message_id: 1 for m in rows}
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.INVITED


def test_a_meetings_invitations_go_out_a_batch_to_a_transaction_and_a_second_send_finishes_an_interrupted_one(
    sink, django_capture_on_commit_callbacks, monkeypatch
):
    """Each batch marks its invitations sent and writes their messages together; if the send stops part-way, what
    was done stays done, the rest stays unsent, and sending again sends the rest: one invitation each."""
    monkeypatch.setattr(services, "INVITATIONS_PER_TRANSACTION", 3)
    meeting = factories.meeting()
    people = [factories.director() for _ in range(8)]
    for person in people:
        factories.invitation(meeting, person)
    queue_invitations, calls = delivery.queue_invitations, []

    def failing_on_the_second_batch(invitations, **kwargs):
        calls.append(len(invitations))
        if len(calls) == 2:
            raise RuntimeError("the process stops here")
        return queue_invitations(invitations, **kwargs)

    monkeypatch.setattr(delivery, "queue_invitations", failing_on_the_second_batch)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True) as handed_over:
        services.send_invitations(meeting)
    assert calls == [3, 3]
    assert len(handed_over) == 1  # the first batch went to the workers when it committed
    sent = Invitation.objects.filter(meeting=meeting, sent_at__isnull=False)
    assert sent.count() == 3
    rows = OutgoingMessage.objects.filter(kind=MessageKind.INVITATION)
    assert set(rows.values_list("invitation_id", flat=True)) == set(sent.values_list("pk", flat=True))
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.INVITED

    monkeypatch.setattr(delivery, "queue_invitations", queue_invitations)
    assert send(meeting, django_capture_on_commit_callbacks) == 5
    assert sorted(rows.values_list("to", flat=True)) == sorted(p.email for p in people)
    assert sorted(r.rcpt_tos for r in sink.messages) == sorted((p.email,) for p in people)


def test_the_first_batches_are_small_and_each_next_as_large_as_all_before_it_up_to_the_limit(
    sink, django_capture_on_commit_callbacks, monkeypatch
):
    """So that the workers start at once instead of waiting for a full batch to be written."""
    monkeypatch.setattr(services, "FIRST_INVITATIONS_PER_TRANSACTION", 2)
    monkeypatch.setattr(services, "INVITATIONS_PER_TRANSACTION", 5)
    meeting = factories.meeting()
    for _ in range(16):
        factories.invitation(meeting, factories.director())
    queue_invitations, sizes = delivery.queue_invitations, []

    def counting(invitations, **kwargs):
        sizes.append(len(invitations))
        return queue_invitations(invitations, **kwargs)

    monkeypatch.setattr(delivery, "queue_invitations", counting)
    assert send(meeting, django_capture_on_commit_callbacks) == 16
    assert sizes == [2, 2, 4, 5, 3]
    assert sink.count == 16


def test_batches_share_their_wording_until_the_meeting_changes_between_two(
    sink, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "INVITATIONS_PER_TRANSACTION", 2)
    meeting = factories.meeting(title_en="Directors-general meeting")
    for _ in range(6):
        factories.invitation(meeting, factories.director(preferred_language="en"))
    queue_invitations, batches = delivery.queue_invitations, []

    def renamed_after_the_second_batch(invitations, shared):
        batches.append(shared)
        ids = queue_invitations(invitations, shared=shared)
        if len(batches) == 2:
            later = timezone.now() + datetime.timedelta(seconds=1)
            Meeting.objects.filter(pk=meeting.pk).update(title_en="Renamed meeting", updated_at=later)
        return ids

    monkeypatch.setattr(delivery, "queue_invitations", renamed_after_the_second_batch)
    assert send(meeting, django_capture_on_commit_callbacks) == 6
    assert batches[0] is batches[1] is not batches[2]  # rendered once, then again for the changed meeting
    subjects = list(OutgoingMessage.objects.order_by("invitation_id").values_list("subject", flat=True))
    assert [s.split(":")[1].split(",")[0].strip() for s in subjects] == ["Directors-general meeting"] * 4 + [
        "Renamed meeting"
    ] * 2


def test_a_meeting_cancelled_while_its_invitations_go_out_stops_the_batches(
    sink, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "INVITATIONS_PER_TRANSACTION", 2)
    meeting = factories.meeting()
    for _ in range(5):
        factories.invitation(meeting, factories.director())
    queue_invitations = delivery.queue_invitations

    def cancelled_after_the_first_batch(invitations, **kwargs):
        ids = queue_invitations(invitations, **kwargs)
        Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.CANCELLED)
        return ids

    monkeypatch.setattr(delivery, "queue_invitations", cancelled_after_the_first_batch)
    assert send(meeting, django_capture_on_commit_callbacks) == 2
    assert OutgoingMessage.objects.filter(kind=MessageKind.INVITATION).count() == 2


def test_each_invitee_reads_the_invitation_in_their_language_with_assistants_in_copy(
    sink, django_capture_on_commit_callbacks
):
    meeting = factories.meeting(
        title_en="Spring meeting",
        title_fr="Réunion de printemps",
        title_de="Frühjahrstreffen",
        title_nl="Voorjaarsvergadering",
        answer_deadline=datetime.date(2027, 4, 14),
    )
    people = {
        "fr": factories.director(factories.country("FR"), first_name="Anne", preferred_language="fr"),
        "de": factories.director(factories.country("DE"), first_name="Bernd", preferred_language="de"),
        "nl": factories.director(factories.country("NL"), first_name="Cees", preferred_language="nl"),
        "en": factories.director(factories.country("IE"), first_name="Dara"),  # no preference: English
    }
    assistant = factories.person(people["fr"].organisation, first_name="Chloé", email="assistant@crisis.fr")
    factories.mandate(assistant, role=Role.ASSISTANT)
    invitations = {lang: factories.invitation(meeting, p) for lang, p in people.items()}

    send(meeting, django_capture_on_commit_callbacks)

    received = received_for(sink, MessageKind.INVITATION)
    assert set(received) == {p.email for p in people.values()}
    # The day in each language's own format (Django's catalogues), the rest in ours.
    days = {"fr": "28 avril 2027", "de": "28. April 2027", "nl": "28 april 2027", "en": "April 28, 2027"}
    titles = {"fr": "Réunion de printemps", "de": "Frühjahrstreffen", "nl": "Voorjaarsvergadering"}
    for language, person in people.items():
        message = received[person.email]
        title = titles.get(language, "Spring meeting")
        subject = in_language(language, "Invitation: %(title)s, %(date)s", title=title, date=days[language])
        greeting = in_language(language, "Dear %(name)s,", name=person.full_name)
        if language != "en":
            assert subject != f"Invitation: {title}, {days[language]}", f"{language}: the subject is not translated"
            assert greeting != f"Dear {person.full_name},", f"{language}: the body is not translated"
        assert message["Subject"] == subject
        assert message["Content-Language"] == language
        assert OutgoingMessage.objects.get(to=person.email).language == language
        text, html = text_of(message), html_of(message)
        assert text.startswith(greeting + "\n")
        assert f'<html lang="{language}">' in html
        assert greeting in html
        assert days[language] in text

        assert message["From"] == django_settings.DEFAULT_FROM_EMAIL
        assert message["Reply-To"] == django_settings.SECRETARIAT_EMAIL
        assert message["Auto-Submitted"] == "auto-generated"
        assert message.get_content_type() == "multipart/mixed"
        assert [p.get_content_type() for p in message.walk() if not p.is_multipart()] == [
            "text/plain",
            "text/html",
            "text/calendar",
        ]
        # Every link is absolute, on the site; the answer links are the invitation's own.
        urls = re.findall(r"https?://[^\s\"<>]+", text) + re.findall(r'href="([^"]+)"', html)
        assert urls and all(u.startswith(SITE + "/") for u in urls), urls
        invitation = invitations[language]
        for choice in ("accept", "decline", "substitute"):
            assert links.answer_url(invitation, choice) in text
            assert links.answer_url(invitation, choice) in html
        assert SITE + reverse("portal:meeting", args=[meeting.pk]) in text

    fr = received[people["fr"].email]
    assert fr["Cc"] == "assistant@crisis.fr"
    assert sink.to("assistant@crisis.fr")[0].rcpt_tos == (people["fr"].email, "assistant@crisis.fr")
    assert all(received[people[lang].email]["Cc"] is None for lang in ("de", "nl", "en"))


def test_a_batch_rendered_once_gives_each_invitee_their_own_name_links_and_calendar_entry(
    sink, django_capture_on_commit_callbacks
):
    """A meeting's messages are rendered once per language and shape, then filled in for each invitee: every
    message must still carry only its own person's name (escaped for HTML and iCalendar), links and attendee."""
    meeting = factories.meeting()
    country = factories.country("FR")
    SeatAllowance.objects.create(meeting=meeting, country=country, seats=5)
    names = [("Zoë", "O'Brien-Ünal, Jr; <b>née</b> \\ Smith"), ("Éric", "Dupont & Fils"), ("Ana", "Ruiz")]
    people = [
        factories.director(country, first_name=first, last_name=last, preferred_language="fr", email=f"p{i}@x.fr")
        for i, (first, last) in enumerate(names)
    ]
    invitations = [factories.invitation(meeting, p) for p in people]
    send(meeting, django_capture_on_commit_callbacks)
    # The first director sends a colleague: the substitute's invitation names the director it stands in for.
    colleague = factories.person(people[0].organisation, first_name="Paul", last_name="Lefèvre", email="pl@x.fr")
    with django_capture_on_commit_callbacks(execute=True):
        services.record_answer(invitations[0], answer=Answer.DELEGATED, substitute=colleague)
    invitations.append(Invitation.objects.get(meeting=meeting, person=colleague))
    people.append(colleague)

    received = received_for(sink, MessageKind.INVITATION)
    assert set(received) == {p.email for p in people}
    for invitation, person in zip(invitations, people, strict=True):
        message = received[person.email]
        text, html = text_of(message), html_of(message)
        # Nobody else's name, but the director the substitute stands in for.
        others = [p for p in people if p != person and not (person == colleague and p == people[0])]
        assert person.full_name in text
        assert escape(person.full_name) in html
        assert all(o.full_name not in text and escape(o.full_name) not in html for o in others)
        assert "DGNstandin" not in text + html
        tokens = set(re.findall(r"/answer/([^/\s\"]+)/", text + html))
        assert len(tokens) == 1
        assert links.invitation_from(tokens.pop()).pk == invitation.pk
        cal, part = calendar_of(message)
        raw = part.get_payload(decode=True)
        assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "a calendar line is longer than 75 octets"
        event = event_of(cal)
        (attendee,) = [event["attendee"]]
        assert str(attendee) == f"mailto:{person.email}"
        assert attendee.params["cn"] == person.full_name
        description = str(event["description"])
        assert person.full_name in description
        # The same signed link as in the text (a signature carries the second it was made in).
        assert re.findall(r"/answer/([^/\s\"]+)/\?choice=decline", description) == re.findall(
            r"/answer/([^/\s\"]+)/\?choice=decline", text
        )
        assert all(o.full_name not in description for o in others)
    director = people[0].full_name
    substitute_text = text_of(received[colleague.email])
    assert director in substitute_text
    assert all(director not in text_of(received[p.email]) for p in people[1:3])


# --- Calendar files ---------------------------------------------------------------------------------------------


def test_invitation_and_update_carry_one_event_whose_sequence_rises_when_the_time_changes(
    sink, django_capture_on_commit_callbacks
):
    meeting = factories.meeting(starts_at=at(2027, 4, 28, 9, 30))
    person = factories.director(email="dg@crisis.example")
    factories.invitation(meeting, person)
    send(meeting, django_capture_on_commit_callbacks)
    meeting.starts_at = at(2027, 4, 28, 11, 0)
    meeting.ends_at = at(2027, 4, 28, 17, 0)
    with django_capture_on_commit_callbacks(execute=True):
        change = services.save_meeting(meeting)
    assert change is not None

    invitation = received_for(sink, MessageKind.INVITATION)["dg@crisis.example"]
    update = received_for(sink, MessageKind.UPDATE)["dg@crisis.example"]
    events = []
    for message, sequence, start in (
        (invitation, 0, datetime.datetime(2027, 4, 28, 7, 30, tzinfo=UTC)),
        (update, 1, datetime.datetime(2027, 4, 28, 9, 0, tzinfo=UTC)),
    ):
        cal, part = calendar_of(message)
        assert part.get_param("method") == "REQUEST"
        assert part.get_filename() == "meeting.ics"
        assert str(cal["METHOD"]) == "REQUEST"
        assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Brussels"]
        event = event_of(cal)
        assert event["SEQUENCE"] == sequence
        assert event.decoded("DTSTART").astimezone(UTC) == start
        assert event.decoded("DTEND").astimezone(UTC) == start + (
            datetime.timedelta(hours=7) if sequence == 0 else datetime.timedelta(hours=6)
        )
        assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
        assert str(event["ORGANIZER"]) == f"mailto:{django_settings.SECRETARIAT_EMAIL}"
        assert str(event["ATTENDEE"]) == "mailto:dg@crisis.example"
        assert str(event["STATUS"]) == "CONFIRMED"
        events.append(event)
    assert str(events[0]["UID"]) == str(events[1]["UID"]) == f"{meeting.uid}@dg-network"


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        # Summer time began on Sunday 28 March 2027 and ends on Sunday 31 October 2027.
        (at(2027, 3, 29, 9, 30), datetime.datetime(2027, 3, 29, 7, 30, tzinfo=UTC)),
        (at(2027, 10, 29, 9, 30), datetime.datetime(2027, 10, 29, 7, 30, tzinfo=UTC)),
        (at(2027, 11, 2, 9, 30), datetime.datetime(2027, 11, 2, 8, 30, tzinfo=UTC)),
    ],
)
def test_calendar_start_is_the_right_instant_on_either_side_of_a_clock_change(
    sink, django_capture_on_commit_callbacks, local, utc
):
    meeting = factories.meeting(starts_at=local)
    person = factories.director()
    factories.invitation(meeting, person)
    send(meeting, django_capture_on_commit_callbacks)

    (received,) = sink.messages
    cal, _part = calendar_of(received.message)
    event = event_of(cal)
    assert event.decoded("DTSTART").astimezone(UTC) == utc
    # A calendar without the IANA database reads the time through the file's own VTIMEZONE.
    (vtimezone,) = cal.walk("VTIMEZONE")
    own_zone = vtimezone.to_tz(lookup_tzid=False)
    naive = event.decoded("DTSTART").replace(tzinfo=None)
    assert naive == local.replace(tzinfo=None)
    assert naive.replace(tzinfo=own_zone).astimezone(UTC) == utc


# --- Updates and cancellations ----------------------------------------------------------------------------------


@pytest.fixture
def answered(sink, django_capture_on_commit_callbacks):
    """A meeting whose invitations went out and were answered in every way."""
    meeting = factories.meeting()
    people = {name: factories.director(email=f"{name}@crisis.example") for name in ("pending", "yes", "no", "sends")}
    substitute = factories.person(people["sends"].organisation, email="substitute@crisis.example")
    invitations = {name: factories.invitation(meeting, p) for name, p in people.items()}
    send(meeting, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_answer(invitations["yes"], answer=Answer.ACCEPTED)
        services.record_answer(invitations["no"], answer=Answer.DECLINED)
        services.record_answer(invitations["sends"], answer=Answer.DELEGATED, substitute=substitute)
    return meeting


def test_update_goes_to_everyone_who_has_not_declined_or_delegated(answered, sink, django_capture_on_commit_callbacks):
    answered.venue_name = "Egmont Palace"
    with django_capture_on_commit_callbacks(execute=True):
        services.save_meeting(answered)

    updates = received_for(sink, MessageKind.UPDATE)
    assert sorted(updates) == ["pending@crisis.example", "substitute@crisis.example", "yes@crisis.example"]
    assert OutgoingMessage.objects.filter(kind=MessageKind.UPDATE).count() == 3
    for message in updates.values():
        assert message["Subject"] == "Changed: Spring meeting, April 28, 2027"
        assert "Changed: venue." in text_of(message)
        assert "Where: Egmont Palace, Brussels" in text_of(message)
        assert event_of(calendar_of(message)[0])["SEQUENCE"] == 1


def test_cancellation_tells_every_standing_invitee_with_a_cancel_calendar_file(
    answered, sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_meeting(answered, reason="The crisis demands everyone at home.")

    cancellations = received_for(sink, MessageKind.CANCELLATION)
    assert sorted(cancellations) == [
        "no@crisis.example",
        "pending@crisis.example",
        "sends@crisis.example",
        "substitute@crisis.example",
        "yes@crisis.example",
    ]
    for message in cancellations.values():
        assert message["Subject"] == "Cancelled: Spring meeting"
        assert "Reason: The crisis demands everyone at home." in text_of(message)
        cal, part = calendar_of(message)
        assert part.get_param("method") == "CANCEL"
        assert str(cal["METHOD"]) == "CANCEL"
        event = event_of(cal)
        assert str(event["STATUS"]) == "CANCELLED"
        assert event["SEQUENCE"] == 1
        assert str(event["UID"]) == f"{answered.uid}@dg-network"


# --- Answer links ------------------------------------------------------------------------------------------------


@pytest.fixture
def invited(sink, django_capture_on_commit_callbacks):
    meeting = factories.meeting()
    invitation = factories.invitation(meeting, factories.director(email="dg@crisis.example"))
    send(meeting, django_capture_on_commit_callbacks)
    invitation.refresh_from_db()
    return invitation


def path_of(url: str) -> str:
    assert url.startswith(SITE)
    return url[len(SITE) :]


def answer_form(page: str | bytes) -> dict:
    """What a browser posts from the answer form (the page's first form is the language switch)."""
    page = page.decode() if isinstance(page, bytes) else page
    return form_data(page[page.index('<form method="post" novalidate>') :])


def unchanged(invitation: Invitation, rows_before: int) -> bool:
    """No answer recorded and no message queued since ``rows_before`` outbox rows."""
    invitation.refresh_from_db()
    return (
        invitation.answer == Answer.PENDING
        and invitation.answered_at is None
        and OutgoingMessage.objects.count() == rows_before
        and not OutgoingMessage.objects.filter(kind=MessageKind.CONFIRMATION).exists()
    )


def test_opening_an_answer_link_shows_the_choice_and_changes_nothing(invited, client):
    rows = OutgoingMessage.objects.count()
    response = client.get(path_of(links.answer_url(invited, "decline")))

    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'<input type="radio" name="choice" value="decline"[^>]*checked', page)
    assert "Confirm my answer" in page
    assert answer_form(page)["choice"] == "decline"
    assert unchanged(invited, rows)


def test_posting_the_answer_form_records_the_answer_and_sends_a_confirmation(
    invited, client, sink, django_capture_on_commit_callbacks
):
    url = path_of(links.answer_url(invited, "decline"))
    data = answer_form(client.get(url).content)
    data["remarks"] = "On mission abroad."

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)

    assert response.status_code == 200
    assert "Thank you: your answer is registered" in response.content.decode()
    invited.refresh_from_db()
    assert (invited.answer, invited.remarks) == (Answer.DECLINED, "On mission abroad.")
    (row,) = OutgoingMessage.objects.filter(kind=MessageKind.CONFIRMATION)
    assert (row.to, row.status) == ("dg@crisis.example", MessageStatus.SENT)
    (confirmation,) = received_for(sink, MessageKind.CONFIRMATION).values()
    assert confirmation["Subject"] == "Your answer: Spring meeting"
    assert "): Declined." in text_of(confirmation)
    assert "Your remarks: On mission abroad." in text_of(confirmation)


def test_a_tampered_answer_link_is_refused_with_a_clear_page(invited, client):
    rows = OutgoingMessage.objects.count()
    url = path_of(links.answer_url(invited, "decline"))
    token = url.split("/")[2]
    tampered = url.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))

    for response in (client.get(tampered), client.post(tampered, {"choice": "decline"})):
        assert response.status_code == 400
        assert "The link is incomplete or has been altered." in response.content.decode()
        assert "Nothing has been changed." in response.content.decode()
    assert unchanged(invited, rows)


def test_an_answer_link_has_expired_once_the_meeting_is_over(invited, client):
    rows = OutgoingMessage.objects.count()
    url = path_of(links.answer_url(invited, "decline"))
    with time_machine.travel(invited.meeting.ends_at + datetime.timedelta(minutes=1)):
        for response in (client.get(url), client.post(url, {"choice": "decline"})):
            assert response.status_code == 410
            assert "The meeting is over, so its answer links have expired." in response.content.decode()
    assert unchanged(invited, rows)


def test_an_answer_link_to_a_cancelled_meeting_says_so_and_changes_nothing(
    invited, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_meeting(invited.meeting, reason="Postponed to the autumn.")
    rows = OutgoingMessage.objects.count()
    url = path_of(links.answer_url(invited, "decline"))
    for response in (client.get(url), client.post(url, {"choice": "decline"})):
        assert response.status_code == 410
        page = response.content.decode()
        assert "The meeting “Spring meeting” was cancelled; answers can no longer change." in page
        assert "Reason: Postponed to the autumn." in page
    assert unchanged(invited, rows)


def test_an_answer_link_of_a_withdrawn_invitation_is_refused(invited, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_invitation(invited)
    rows = OutgoingMessage.objects.count()
    url = path_of(links.answer_url(invited, "decline"))
    for response in (client.get(url), client.post(url, {"choice": "decline"})):
        assert response.status_code == 410
        assert "This invitation was withdrawn." in response.content.decode()
    assert unchanged(invited, rows)


def test_answer_form_needs_its_csrf_token(invited, django_capture_on_commit_callbacks):
    browser = Client(enforce_csrf_checks=True)
    rows = OutgoingMessage.objects.count()
    url = path_of(links.answer_url(invited, "decline"))

    refused = browser.post(url, {"choice": "decline"})
    assert refused.status_code == 403
    assert unchanged(invited, rows)

    data = answer_form(browser.get(url).content)  # sets the CSRF cookie; the form carries the token
    assert data["csrfmiddlewaretoken"]
    with django_capture_on_commit_callbacks(execute=True):
        accepted = browser.post(url, data)
    assert accepted.status_code == 200
    invited.refresh_from_db()
    assert invited.answer == Answer.DECLINED


# --- Reminders ---------------------------------------------------------------------------------------------------


def reminders(capture, *, command: bool = False) -> int | str:
    with capture(execute=True):
        if command:
            out = io.StringIO()
            call_command("send_due_reminders", stdout=out)
            return out.getvalue()
        return delivery.send_due_reminders()


def sent_to(kind: str) -> list[str]:
    return sorted(OutgoingMessage.objects.filter(kind=kind).values_list("to", flat=True))


def test_reminders_reach_pending_then_accepted_invitees_once_each_at_the_right_time(
    sink, django_capture_on_commit_callbacks
):
    c = django_capture_on_commit_callbacks
    meeting = factories.meeting(answer_deadline=datetime.date(2027, 4, 14))  # 28 April 2027, 09:30 Brussels
    services.ensure_reminders(meeting)
    names = ("anna", "bert", "carl", "dora", "emil", "eva")
    people = {name: factories.director(email=f"{name}@crisis.example") for name in names}
    for name in ("dora", "emil"):
        people[name].wants_reminders = False
        people[name].save()
    invitations = {name: factories.invitation(meeting, people[name]) for name in names if name != "eva"}
    agenda_doc = Document.objects.create(meeting=meeting, title="Draft agenda", file="documents/a.pdf")
    members_note = Document.objects.create(
        meeting=meeting, title="Members' note", file="documents/b.pdf", visibility=Visibility.MEMBERS
    )
    Document.objects.create(meeting=meeting, title="Old draft", file="documents/c.pdf", is_archived=True)
    send(meeting, c)
    with c(execute=True):
        services.record_answer(invitations["carl"], answer=Answer.ACCEPTED)
        services.record_answer(invitations["emil"], answer=Answer.ACCEPTED)

    # 14 days before the deadline, at 09:00 in the meeting's time zone: pending invitees who want reminders.
    with time_machine.travel(at(2027, 3, 31, 8, 59), tick=False):
        assert reminders(c) == 0
    with time_machine.travel(at(2027, 3, 31, 9, 0), tick=False):
        assert reminders(c) == 2
        assert reminders(c) == 0
    assert sent_to(MessageKind.ANSWER_REMINDER) == ["anna@crisis.example", "bert@crisis.example"]

    with time_machine.travel(at(2027, 4, 1, 10, 0), tick=False), c(execute=True):
        services.invite(meeting, people["eva"])  # after the first reminder was due: gets only the second

    with time_machine.travel(at(2027, 4, 7, 9, 0), tick=False):
        assert reminders(c) == 3
        assert reminders(c) == 0
    assert sent_to(MessageKind.ANSWER_REMINDER) == [
        "anna@crisis.example",
        "anna@crisis.example",
        "bert@crisis.example",
        "bert@crisis.example",
        "eva@crisis.example",
    ]

    with time_machine.travel(at(2027, 4, 8, 12, 0), tick=False), c(execute=True):
        services.record_answer(invitations["bert"], answer=Answer.ACCEPTED)

    # Two days before the meeting, to those who accepted.
    with time_machine.travel(at(2027, 4, 26, 9, 29), tick=False):
        assert reminders(c) == 0
    with time_machine.travel(at(2027, 4, 26, 9, 30), tick=False):
        assert reminders(c) == 2
        assert reminders(c) == 0
    assert sent_to(MessageKind.MEETING_REMINDER) == ["bert@crisis.example", "carl@crisis.example"]

    reminded = received_for(sink, MessageKind.MEETING_REMINDER)
    assert sorted(reminded) == ["bert@crisis.example", "carl@crisis.example"]
    for message in reminded.values():
        assert message["Subject"] == "Reminder: Spring meeting, April 28, 2027"
        text = text_of(message)
        documents = text[text.index("Documents:") :].split("\n\n")[0]
        assert documents.splitlines() == [
            "Documents:",
            f"  - Draft agenda: {SITE}{reverse('meetings:document', args=[agenda_doc.uid])}",
            f"  - Members' note: {SITE}{reverse('meetings:document', args=[members_note.uid])}",
        ]
        assert "Old draft" not in text
    answer_reminders = [r for r in sink.messages if r.message["Subject"].startswith("Reminder: please answer")]
    assert len(answer_reminders) == 5
    assert answer_reminders[0].message["Subject"] == "Reminder: please answer the invitation to Spring meeting"
    # Those who asked for no reminders got their invitation (and confirmation) only.
    assert sorted(OutgoingMessage.objects.filter(to="dora@crisis.example").values_list("kind", flat=True)) == [
        MessageKind.INVITATION
    ]
    assert sorted(OutgoingMessage.objects.filter(to="emil@crisis.example").values_list("kind", flat=True)) == [
        MessageKind.CONFIRMATION,
        MessageKind.INVITATION,
    ]


def test_meeting_reminder_follows_a_meeting_that_moves(sink, django_capture_on_commit_callbacks):
    c = django_capture_on_commit_callbacks
    meeting = factories.meeting()  # 28 April 2027, 09:30 Brussels
    services.ensure_reminders(meeting)
    invitation = factories.invitation(meeting, factories.director(email="dg@crisis.example"))
    send(meeting, c)
    with c(execute=True):
        services.record_answer(invitation, answer=Answer.ACCEPTED)

    with time_machine.travel(at(2027, 4, 20, 12, 0), tick=False), c(execute=True):
        meeting.starts_at = at(2027, 5, 5, 9, 30)
        meeting.ends_at = at(2027, 5, 5, 16, 30)
        services.save_meeting(meeting)

    with time_machine.travel(at(2027, 4, 26, 9, 30), tick=False):
        assert reminders(c) == 0
    with time_machine.travel(at(2027, 5, 3, 9, 29), tick=False):
        assert reminders(c) == 0
    with time_machine.travel(at(2027, 5, 3, 9, 30), tick=False):
        assert reminders(c) == 1
    (message,) = received_for(sink, MessageKind.MEETING_REMINDER).values()
    assert message["Subject"] == "Reminder: Spring meeting, May 5, 2027"
    assert "When: May 5, 2027, 09:30–16:30 (Europe/Brussels)" in text_of(message)


def test_send_due_reminders_command_queues_the_due_reminders_once(sink, django_capture_on_commit_callbacks):
    c = django_capture_on_commit_callbacks
    meeting = factories.meeting(answer_deadline=datetime.date(2027, 4, 14))
    services.ensure_reminders(meeting)
    factories.invitation(meeting, factories.director(email="dg@crisis.example"))
    send(meeting, c)

    with time_machine.travel(at(2027, 3, 31, 9, 0), tick=False):
        assert reminders(c, command=True) == "1 meeting reminders and 0 action reminders queued.\n"
        assert reminders(c, command=True) == "0 meeting reminders and 0 action reminders queued.\n"
    assert sent_to(MessageKind.ANSWER_REMINDER) == ["dg@crisis.example"]
    assert len(received_for(sink, MessageKind.ANSWER_REMINDER)) == 1


# --- SMTP failures -----------------------------------------------------------------------------------------------


def test_temporary_smtp_failure_leaves_the_message_queued_for_a_later_attempt(sink, django_capture_on_commit_callbacks):
    meeting = factories.meeting()
    factories.invitation(meeting, factories.director(email="dg@crisis.example"))
    sink.refuse(421, "Service not available")
    now = at(2027, 3, 1, 12, 0)
    with time_machine.travel(now, tick=False):
        send(meeting, django_capture_on_commit_callbacks)

    row = OutgoingMessage.objects.get()
    assert (row.status, row.attempts, row.sent_at, row.sending_at) == (MessageStatus.QUEUED, 1, None, None)
    assert row.last_error.startswith("SMTPSenderRefused: (421, b'Service not available'")
    assert row.next_attempt_at == now + datetime.timedelta(seconds=30)
    assert sink.count == 0
    assert sink.refused == 1

    sink.accept()
    with time_machine.travel(now + datetime.timedelta(seconds=29), tick=False):
        assert delivery.deliver(row.pk) is None  # not due yet: nothing happens
        assert delivery.deliver_due() == 0
    row.refresh_from_db()
    assert (row.status, row.attempts) == (MessageStatus.QUEUED, 1)
    with time_machine.travel(now + datetime.timedelta(seconds=30), tick=False):
        assert delivery.deliver_due() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == (MessageStatus.SENT, 2, None)
    assert sink.message_ids() == {row.message_id: 1}


def test_the_retries_wait_longer_each_time_and_the_last_attempt_marks_the_message_failed(sink, settings):
    settings.MAIL_MAX_ATTEMPTS = 3
    (row,) = outbox_rows(1)
    sink.refuse(451, "Try again later")
    now = at(2027, 3, 1, 12, 0)
    waits = []
    for _attempt in range(3):
        with time_machine.travel(now, tick=False):
            delay = delivery.deliver(row.pk)
        row.refresh_from_db()
        waits.append((row.status, row.attempts, delay))
        if delay is not None:
            now = row.next_attempt_at
    assert waits == [
        (MessageStatus.QUEUED, 1, datetime.timedelta(seconds=30)),
        (MessageStatus.QUEUED, 2, datetime.timedelta(seconds=60)),
        (MessageStatus.FAILED, 3, None),
    ]
    sender = django_settings.DEFAULT_FROM_EMAIL
    assert row.last_error == f"SMTPSenderRefused: (451, b'Try again later', '{sender}')"
    assert sink.count == 0


def test_the_sweeper_hands_over_a_due_message_whose_task_was_lost(sink):
    """A retry or a hand-over that never reached a worker (the broker lost it): the row stays queued, and once it
    has been due for OUTBOX_STALE_SECONDS the sweeper hands it over again."""
    now = at(2027, 3, 1, 12, 0)
    with time_machine.travel(now, tick=False):
        (row,) = outbox_rows(1)
    OutgoingMessage.objects.filter(pk=row.pk).update(attempts=1, next_attempt_at=now + datetime.timedelta(seconds=30))

    with time_machine.travel(now + datetime.timedelta(seconds=329), tick=False):
        assert delivery.sweep() == {"stuck": 0, "handed": 0, "waiting": 0}  # due for less than 300 s
    assert sink.count == 0
    with time_machine.travel(now + datetime.timedelta(seconds=331), tick=False):
        assert delivery.sweep() == {"stuck": 0, "handed": 1, "waiting": 0}
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == (MessageStatus.SENT, 2, None)
    assert sink.message_ids() == {row.message_id: 1}


def test_the_sweeper_requeues_a_message_left_in_flight_and_it_is_sent(sink):
    now = at(2027, 3, 1, 12, 0)
    (row,) = outbox_rows(1)
    OutgoingMessage.objects.filter(pk=row.pk).update(status=MessageStatus.SENDING, attempts=1, sending_at=now)

    with time_machine.travel(now + datetime.timedelta(seconds=299), tick=False):
        assert delivery.sweep() == {"stuck": 0, "handed": 0, "waiting": 0}
    with time_machine.travel(now + datetime.timedelta(seconds=301), tick=False):
        assert delivery.sweep() == {"stuck": 1, "handed": 1, "waiting": 0}
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (
        MessageStatus.SENT,
        2,
        "Left in flight (worker stopped?); re-queued.",
    )
    assert sink.message_ids() == {row.message_id: 1}


def test_permanent_smtp_failure_marks_the_message_failed_and_the_admin_sends_it_again(
    sink, staff_client, django_capture_on_commit_callbacks
):
    meeting = factories.meeting()
    factories.invitation(meeting, factories.director(email="dg@crisis.example"))
    sink.refuse(550, "5.1.1 Mailbox unavailable")
    send(meeting, django_capture_on_commit_callbacks)

    row = OutgoingMessage.objects.get()
    assert (row.status, row.attempts, row.next_attempt_at) == (MessageStatus.FAILED, 1, None)
    assert row.last_error.startswith("SMTPSenderRefused: (550, b'5.1.1 Mailbox unavailable'")
    assert sink.count == 0

    sink.accept()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:meetings_outgoingmessage_changelist"),
            {"action": "send_again", "_selected_action": [row.pk]},
        )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempts) == (MessageStatus.SENT, 1)
    assert sink.message_ids() == {row.message_id: 1}
    assert sink.messages[0].rcpt_tos == ("dg@crisis.example",)


def outbox_rows(count: int) -> list[OutgoingMessage]:
    """``count`` invitations of one meeting, their messages written to the outbox and not handed to a worker."""
    meeting = factories.meeting()
    rows = []
    for n in range(count):
        invitation = factories.invitation(meeting, factories.director(email=f"dg{n}@crisis.example"))
        composed = mailmerge.compose(MessageKind.INVITATION, invitation)
        rows.append(delivery._row(MessageKind.INVITATION, f"test:{n}", invitation, composed))
        rows[-1].save()
    return rows


def other_session():
    """A second PostgreSQL session on the test database, as another process would hold (to lock rows)."""
    db = connection.settings_dict
    return psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )


@pytest.mark.django_db(transaction=True)
def test_a_message_briefly_locked_by_another_process_is_still_sent(sink):
    """Another process (the sweeper, an admin's action) can hold a row's lock for a moment when a worker comes to
    claim it; the worker must wait for the lock rather than drop the message until the sweeper's next pass."""
    (row,) = outbox_rows(1)
    other = other_session()
    try:
        with other.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {OutgoingMessage._meta.db_table} WHERE id = %s FOR UPDATE", [row.pk])  # noqa: S608
        release = threading.Timer(0.5, other.commit)
        release.start()
        assert delivery.deliver(row.pk) is None
        release.join()
    finally:
        other.close()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (MessageStatus.SENT, 1)
    assert sink.message_ids() == {row.message_id: 1}


def test_a_message_is_claimed_loaded_and_recorded_with_three_orm_statements(sink, django_assert_num_queries):
    (row,) = outbox_rows(1)
    with django_assert_num_queries(3) as captured:
        assert delivery.deliver(row.pk) is None
    claim, load, record = (q["sql"] for q in captured.captured_queries)
    assert claim.startswith('UPDATE "meetings_outgoingmessage" SET "status" = \'sending\'')
    assert load.startswith("SELECT ")
    assert record.startswith('UPDATE "meetings_outgoingmessage" SET "status" = \'sent\'')
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone() == (0,)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (MessageStatus.SENT, 1)


def test_a_message_already_sent_or_claimed_is_not_sent_again(sink, django_assert_num_queries):
    first, second = outbox_rows(2)
    assert delivery.deliver(first.pk) is None
    OutgoingMessage.objects.filter(pk=second.pk).update(status=MessageStatus.SENDING, attempts=1)

    with django_assert_num_queries(1):
        assert delivery.deliver(first.pk) is None  # a duplicate task: its claim changes nothing
    with django_assert_num_queries(1):
        assert delivery.deliver(second.pk) is None
    assert sink.message_ids() == {first.message_id: 1}
    assert list(OutgoingMessage.objects.order_by("pk").values_list("status", "attempts")) == [
        (MessageStatus.SENT, 1),
        (MessageStatus.SENDING, 1),
    ]


# --- Messages that cannot be built ------------------------------------------------------------------------------


def test_a_subject_that_cannot_be_a_header_fails_its_messages_with_the_reason_and_the_others_go(
    sink, django_capture_on_commit_callbacks
):
    """A line break in a subject would let the text add headers (a copy to anyone): Django refuses to build such a
    message. The English title carries one; the French readers' messages still go."""
    meeting = factories.meeting(title_en="Plan B\nBcc: attacker@example.org", title_fr="Plan B")
    people = [
        factories.director(email="en1@crisis.example"),
        factories.director(email="fr@crisis.example", preferred_language="fr"),
        factories.director(email="en2@crisis.example"),
    ]
    for person in people:
        factories.invitation(meeting, person)

    assert send(meeting, django_capture_on_commit_callbacks) == 3

    rows = {m.to: m for m in OutgoingMessage.objects.all()}
    assert {to: (m.status, m.attempts) for to, m in rows.items()} == {
        "en1@crisis.example": (MessageStatus.FAILED, 1),
        "fr@crisis.example": (MessageStatus.SENT, 1),
        "en2@crisis.example": (MessageStatus.FAILED, 1),
    }
    reason = rows["en1@crisis.example"].last_error
    assert reason.startswith("BadHeaderError: Header values can't contain newlines") or reason.startswith(
        "ValueError: Header values may not contain linefeed"  # Django 6
    )
    assert [r.rcpt_tos for r in sink.messages] == [("fr@crisis.example",)]
    assert sink.messages[0].message["Bcc"] is None


def test_a_message_that_cannot_be_composed_is_stored_failed_with_the_reason_and_the_others_go(
    sink, django_capture_on_commit_callbacks, monkeypatch
):
    meeting = factories.meeting()
    people = [factories.director(email=f"dg{n}@crisis.example") for n in range(3)]
    for person in people:
        factories.invitation(meeting, person)
    compose = mailmerge.compose

    def failing_for_the_second(kind, invitation, **kwargs):
        if invitation.person.email == "dg1@crisis.example":
            raise KeyError("agenda")  # a template or data fault that only this message meets
        return compose(kind, invitation, **kwargs)

    monkeypatch.setattr(delivery, "compose", failing_for_the_second)
    assert send(meeting, django_capture_on_commit_callbacks) == 3

    rows = OutgoingMessage.objects.order_by("to")
    assert list(rows.values_list("to", "status", "attempts", "last_error")) == [
        ("dg0@crisis.example", MessageStatus.SENT, 1, ""),
        ("dg1@crisis.example", MessageStatus.FAILED, 0, "Could not be composed: KeyError: 'agenda'"),
        ("dg2@crisis.example", MessageStatus.SENT, 1, ""),
    ]
    assert sorted(r.rcpt_tos for r in sink.messages) == [("dg0@crisis.example",), ("dg2@crisis.example",)]
    # Sent again from the admin, it fails again with the reason rather than going out empty.
    failed = rows.get(to="dg1@crisis.example")
    with django_capture_on_commit_callbacks(execute=True):
        delivery.resend(failed)
    failed.refresh_from_db()
    assert (failed.status, failed.last_error) == (
        MessageStatus.FAILED,
        "ValueError: The message has no text: it could not be composed.",
    )
    assert sink.count == 2


# --- Commands ----------------------------------------------------------------------------------------------------


def test_send_invitations_command_queues_the_invitations(sink, django_capture_on_commit_callbacks):
    meeting = factories.meeting()
    for _ in range(2):
        factories.invitation(meeting, factories.director())
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_invitations", str(meeting.pk), stdout=out)

    assert out.getvalue() == "2 invitations queued for “Spring meeting (2027-04-28)”.\n"
    assert OutgoingMessage.objects.filter(kind=MessageKind.INVITATION, status=MessageStatus.SENT).count() == 2
    assert sink.count == 2


def test_send_invitations_command_explains_a_bad_meeting_id():
    with pytest.raises(CommandError) as missing:
        call_command("send_invitations", "999999")
    assert str(missing.value) == "There is no meeting 999999."

    with pytest.raises(CommandError) as not_a_number:
        call_command("send_invitations", "spring")
    assert str(not_a_number.value) == "Error: argument meeting_id: invalid int value: 'spring'"

    draft = factories.meeting()
    with pytest.raises(CommandError) as nobody:
        call_command("send_invitations", str(draft.pk))
    assert str(nobody.value) == "Nobody is invited yet: invite the network first."
    assert not OutgoingMessage.objects.exists()
