"""What each invitee reads: their language, their own name and links in a message rendered once for many,
the calendar file, updates and cancellations."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils.html import escape

from meetings import links, services
from meetings.enums import Answer
from meetings.models import Invitation, SeatAllowance
from members.enums import Role
from outbox.models import MessageKind, OutgoingMessage
from tests import factories
from tests.meetings.mail.messages import (
    SITE,
    UTC,
    at,
    calendar_of,
    event_of,
    html_of,
    in_language,
    received_for,
    send,
    text_of,
)

pytestmark = pytest.mark.django_db


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
    assistant = factories.person(
        people["fr"].organisation, first_name="Chloé", email="assistant@crisis.fr", preferred_language="fr"
    )
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
        # A subject that is one long encoded word is folded onto the header's next line (Django's compat32 MIME):
        # the parser keeps the fold's space, which readers drop.
        assert message["Subject"].lstrip() == subject
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
        # One signed link, the invitation's own (a signature carries the second it was made in: compared by token).
        (token,) = set(re.findall(r"/answer/([^/\s\"]+)/", text + html))
        assert links.invitation_from(token).pk == invitations[language].pk
        for choice in ("accept", "decline", "substitute"):
            assert links.urls_for_token(token)[choice] in text
            assert links.urls_for_token(token)[choice] in html
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
