"""Sending a meeting's invitations: once each, in batches, after an interruption; the command."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from meetings import delivery, mailmerge, services
from meetings.enums import MeetingStatus
from meetings.models import Invitation, Meeting
from outbox import services as outbox
from outbox.models import MessageKind, MessageStatus, OutgoingMessage
from tests import factories
from tests.meetings.mail.messages import (
    send,
)

pytestmark = pytest.mark.django_db


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


# --- A message that cannot be composed ----------------------------------------------------------------------------


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
        outbox.resend(failed)
    failed.refresh_from_db()
    assert (failed.status, failed.last_error) == (
        MessageStatus.FAILED,
        "ValueError: The message has no text: it could not be composed.",
    )
    assert sink.count == 2
