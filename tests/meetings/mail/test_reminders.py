"""Reminders: to whom, when, once each."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from meetings import delivery, services
from meetings.enums import Answer, Visibility
from meetings.models import Document
from outbox.models import MessageKind, OutgoingMessage
from tests import factories
from tests.meetings.mail.messages import (
    SITE,
    at,
    received_for,
    send,
    text_of,
)

pytestmark = pytest.mark.django_db


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
