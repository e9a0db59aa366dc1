"""Delivering an outbox row: the claim, the send and the record; SMTP failures and retries; the sweeper; messages
that cannot be built."""

from __future__ import annotations

import datetime
import smtplib
import threading
from email.utils import parseaddr

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import DatabaseError, connection
from django.urls import reverse

from meetings.models import Meeting
from outbox import services as outbox
from outbox import tasks, worker
from outbox.models import MessageStatus, OutgoingMessage
from tests import factories
from tests.meetings.mail.messages import (
    at,
    other_session,
    outbox_rows,
    send,
)

pytestmark = pytest.mark.django_db


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
        assert worker.deliver(row.pk) is None  # not due yet: nothing happens
        assert worker.deliver_due() == 0
    row.refresh_from_db()
    assert (row.status, row.attempts) == (MessageStatus.QUEUED, 1)
    with time_machine.travel(now + datetime.timedelta(seconds=30), tick=False):
        assert worker.deliver_due() == 1
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
            delay = worker.deliver(row.pk)
        row.refresh_from_db()
        waits.append((row.status, row.attempts, delay))
        if delay is not None:
            now = row.next_attempt_at
    assert waits == [
        (MessageStatus.QUEUED, 1, datetime.timedelta(seconds=30)),
        (MessageStatus.QUEUED, 2, datetime.timedelta(seconds=60)),
        (MessageStatus.FAILED, 3, None),
    ]
    # The envelope sender as the backend gives it: Django 5.2 passes the header form, Django 6.1 the bare address.
    sender = django_settings.DEFAULT_FROM_EMAIL
    assert row.last_error in {
        f"SMTPSenderRefused: (451, b'Try again later', '{sender}')",
        f"SMTPSenderRefused: (451, b'Try again later', '{parseaddr(sender)[1]}')",
    }
    assert sink.count == 0


def test_the_sweeper_hands_over_a_due_message_whose_task_was_lost(sink):
    """A retry or a hand-over that never reached a worker (the broker lost it): the row stays queued, and once it
    has been due for OUTBOX_STALE_SECONDS the sweeper hands it over again."""
    now = at(2027, 3, 1, 12, 0)
    with time_machine.travel(now, tick=False):
        (row,) = outbox_rows(1)
    OutgoingMessage.objects.filter(pk=row.pk).update(attempts=1, next_attempt_at=now + datetime.timedelta(seconds=30))

    with time_machine.travel(now + datetime.timedelta(seconds=329), tick=False):
        assert outbox.sweep() == {"stuck": 0, "handed": 0, "waiting": 0}  # due for less than 300 s
    assert sink.count == 0
    with time_machine.travel(now + datetime.timedelta(seconds=331), tick=False):
        assert outbox.sweep() == {"stuck": 0, "handed": 1, "waiting": 0}
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == (MessageStatus.SENT, 2, None)
    assert sink.message_ids() == {row.message_id: 1}


def test_the_sweeper_requeues_a_message_left_in_flight_and_it_is_sent(sink):
    now = at(2027, 3, 1, 12, 0)
    (row,) = outbox_rows(1)
    OutgoingMessage.objects.filter(pk=row.pk).update(status=MessageStatus.SENDING, attempts=1, sending_at=now)

    with time_machine.travel(now + datetime.timedelta(seconds=299), tick=False):
        assert outbox.sweep() == {"stuck": 0, "handed": 0, "waiting": 0}
    with time_machine.travel(now + datetime.timedelta(seconds=301), tick=False):
        assert outbox.sweep() == {"stuck": 1, "handed": 1, "waiting": 0}
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
            reverse("admin:outbox_outgoingmessage_changelist"),
            {"action": "send_again", "_selected_action": [row.pk]},
        )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempts) == (MessageStatus.SENT, 1)
    assert sink.message_ids() == {row.message_id: 1}
    assert sink.messages[0].rcpt_tos == ("dg@crisis.example",)


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
        assert worker.deliver(row.pk) is None
        release.join()
    finally:
        other.close()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (MessageStatus.SENT, 1)
    assert sink.message_ids() == {row.message_id: 1}


def test_a_message_is_claimed_loaded_and_recorded_with_three_orm_statements(sink, django_assert_num_queries):
    (row,) = outbox_rows(1)
    with django_assert_num_queries(3) as captured:
        assert worker.deliver(row.pk) is None
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
    assert worker.deliver(first.pk) is None
    OutgoingMessage.objects.filter(pk=second.pk).update(status=MessageStatus.SENDING, attempts=1)

    with django_assert_num_queries(1):
        assert worker.deliver(first.pk) is None  # a duplicate task: its claim changes nothing
    with django_assert_num_queries(1):
        assert worker.deliver(second.pk) is None
    assert sink.message_ids() == {first.message_id: 1}
    assert list(OutgoingMessage.objects.order_by("pk").values_list("status", "attempts")) == [
        (MessageStatus.SENT, 1),
        (MessageStatus.SENDING, 1),
    ]


# --- Messages that cannot be built ------------------------------------------------------------------------------


def test_a_title_with_a_line_break_goes_out_as_a_one_line_subject_and_adds_no_header(
    sink, django_capture_on_commit_callbacks
):
    """A line break in a subject would let the text add headers (a copy to anyone). The English title carries one
    (written before titles were checked to be one line: the model refuses it now, so the row is written directly);
    the outbox makes every subject one line (``header_text``), so every reader's message goes, with no extra header."""
    meeting = factories.meeting(title_en="Plan B", title_fr="Plan B")
    injected = "Plan B\nBcc: attacker@example.org"
    Meeting.objects.filter(pk=meeting.pk).update(title=injected, title_en=injected)
    meeting.refresh_from_db()
    for email, language in (("en1@crisis.example", "en"), ("fr@crisis.example", "fr"), ("en2@crisis.example", "en")):
        factories.invitation(meeting, factories.director(email=email, preferred_language=language))

    assert send(meeting, django_capture_on_commit_callbacks) == 3

    rows = {m.to: m for m in OutgoingMessage.objects.all()}
    assert {to: m.status for to, m in rows.items()} == dict.fromkeys(rows, MessageStatus.SENT)
    assert "Plan B Bcc: attacker@example.org" in rows["en1@crisis.example"].subject
    assert sorted(r.rcpt_tos for r in sink.messages) == [
        ("en1@crisis.example",),
        ("en2@crisis.example",),
        ("fr@crisis.example",),
    ]
    assert all(r.message["Bcc"] is None for r in sink.messages)


def test_a_row_whose_subject_cannot_be_a_header_fails_with_the_reason_and_the_others_go(sink):
    """A row written past the outbox's own service (by hand, or by an older release) with a line break in its subject:
    Django refuses to build the message; it fails with the reason, the other rows of the task still go."""
    first, second, third = outbox_rows(3)
    OutgoingMessage.objects.filter(pk=second.pk).update(subject="Plan B\nBcc: attacker@example.org")

    worker.deliver_many([first.pk, second.pk, third.pk])

    rows = {m.pk: m for m in OutgoingMessage.objects.all()}
    assert [rows[m.pk].status for m in (first, second, third)] == [
        MessageStatus.SENT,
        MessageStatus.FAILED,
        MessageStatus.SENT,
    ]
    reason = rows[second.pk].last_error
    assert reason.startswith("BadHeaderError: Header values can't contain newlines") or reason.startswith(
        "ValueError: Header values may not contain linefeed"  # Django 6
    )
    assert sorted(r.rcpt_tos for r in sink.messages) == [(first.to,), (third.to,)]
    assert all(r.message["Bcc"] is None for r in sink.messages)


# --- A few rows a task ------------------------------------------------------------------------------------------


def test_a_row_is_recorded_in_the_same_transaction_as_the_next_rows_claim(sink, django_assert_num_queries):
    first, second, third = outbox_rows(3)
    with django_assert_num_queries(13) as captured:
        assert worker.deliver_many([first.pk, second.pk, third.pk]) == {}
    kinds = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if sql.startswith("SAVEPOINT"):
            kinds.append("begin")
        elif sql.startswith("RELEASE SAVEPOINT"):
            kinds.append("commit")
        elif sql.startswith("SELECT"):
            kinds.append("load")
        else:
            kinds.append("claim" if "'sending'" in sql else "record" if "'sent'" in sql else sql)
    # Inside the test's transaction an atomic block is a savepoint; in the worker it is a transaction of its own.
    assert kinds == [
        "claim", "load",
        "begin", "record", "claim", "load", "commit",
        "begin", "record", "claim", "load", "commit",
        "record",
    ]  # fmt: skip
    assert sink.message_ids() == {first.message_id: 1, second.message_id: 1, third.message_id: 1}
    assert set(OutgoingMessage.objects.values_list("status", "attempts")) == {(MessageStatus.SENT, 1)}


def test_a_failure_between_a_send_and_its_record_leaves_that_one_row_in_flight_and_the_next_queued(sink, monkeypatch):
    """The record of a sent row commits with the next row's claim: when that transaction fails (the database went
    away, the process died), the sent row is left in flight, never recorded sent, and the next row is still queued;
    the sweeper sends the first again (at least once) and the next one once."""
    first, second, third = outbox_rows(3)
    claim = worker.claim
    calls = []

    def claim_failing_the_second_time(message_id):
        calls.append(message_id)
        if len(calls) == 2:
            raise DatabaseError("connection lost")
        return claim(message_id)

    now = at(2027, 3, 1, 12, 0)
    with time_machine.travel(now, tick=False):
        monkeypatch.setattr(worker, "claim", claim_failing_the_second_time)
        with pytest.raises(DatabaseError):
            worker.deliver_many([first.pk, second.pk, third.pk])
        monkeypatch.setattr(worker, "claim", claim)

    statuses = dict(OutgoingMessage.objects.values_list("pk", "status"))
    queued = MessageStatus.QUEUED
    assert statuses == {first.pk: MessageStatus.SENDING, second.pk: queued, third.pk: queued}
    assert sink.message_ids() == {first.message_id: 1}

    with time_machine.travel(now + datetime.timedelta(seconds=301), tick=False):
        assert outbox.sweep() == {"stuck": 1, "handed": 3, "waiting": 0}
    assert set(OutgoingMessage.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert sink.message_ids() == {first.message_id: 2, second.message_id: 1, third.message_id: 1}


def test_in_a_batch_a_temporary_failure_delays_only_its_own_row(sink, monkeypatch):
    first, second, third = outbox_rows(3)
    send = worker._send

    def refusing_the_second(email, connection):
        if email.to == [second.to]:
            raise smtplib.SMTPResponseException(451, b"Try again later")
        return send(email, connection)

    monkeypatch.setattr(worker, "_send", refusing_the_second)
    now = at(2027, 3, 1, 12, 0)
    with time_machine.travel(now, tick=False):
        assert worker.deliver_many([first.pk, second.pk, third.pk]) == {second.pk: datetime.timedelta(seconds=30)}
    rows = {m.pk: (m.status, m.attempts, m.next_attempt_at) for m in OutgoingMessage.objects.all()}
    assert rows == {
        first.pk: (MessageStatus.SENT, 1, None),
        second.pk: (MessageStatus.QUEUED, 1, now + datetime.timedelta(seconds=30)),
        third.pk: (MessageStatus.SENT, 1, None),
    }
    assert sink.message_ids() == {first.message_id: 1, third.message_id: 1}


def test_enqueue_hands_over_runs_of_at_most_ten_rows_in_order_through_one_producer(monkeypatch):
    published = []
    producers = set()

    def apply_async(args, *, retry, producer):
        published.append(args[0])
        producers.add(id(producer))

    monkeypatch.setattr(tasks.send_messages, "apply_async", apply_async)
    ids = list(range(1, 24))
    assert outbox.enqueue(ids) == 23
    assert [len(run) for run in published] == [7, 8, 8]
    assert [i for run in published for i in run] == ids
    assert len(producers) == 1
