"""The outbox's task and the project's periodic jobs, under their names and the names they had before the outbox
left the meetings app (kept for one release, so that tasks published before a deploy still run), and beat's
schedule."""

from __future__ import annotations

import pytest
from celery import current_app
from django.conf import settings

from outbox.models import MessageStatus
from tests.meetings.mail.messages import outbox_rows

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["outbox.tasks.send_message", "meetings.tasks.send_message"])
def test_a_message_task_sends_its_row_under_its_name_and_its_old_name(sink, name):
    (row,) = outbox_rows(1)

    current_app.tasks[name].apply_async((row.pk,))

    row.refresh_from_db()
    assert (row.status, row.attempts) == (MessageStatus.SENT, 1)
    assert sink.message_ids() == {row.message_id: 1}


def test_the_periodic_jobs_are_registered_under_their_names_and_their_old_names():
    current_app.loader.import_default_modules()  # what a worker does at start: the apps' tasks modules
    names = {
        "network.tasks.sweep_outbox",
        "network.tasks.send_due_reminders",
        "network.tasks.purge_outbox",
        "meetings.tasks.sweep_outbox",
        "meetings.tasks.send_due_reminders",
        "meetings.tasks.purge_outbox",
    }
    assert names <= set(current_app.tasks)


def test_beat_schedules_each_periodic_job_by_a_task_a_worker_knows():
    current_app.loader.import_default_modules()
    schedule = {name: (job["task"], job["schedule"]) for name, job in settings.CELERY_BEAT_SCHEDULE.items()}

    assert schedule == {
        "sweep-outbox": ("network.tasks.sweep_outbox", 60),
        "escalate-alerts": ("network.tasks.escalate_alerts", 30),
        "send-due-reminders": ("network.tasks.send_due_reminders", 300),
        "purge-outbox": ("network.tasks.purge_outbox", 86400),
        "written-procedures": ("network.tasks.run_written_procedures", 60),
        "erase-logistics-needs": ("network.tasks.erase_logistics_needs", 86400),
    }
    assert {task for task, _every in schedule.values()} <= set(current_app.tasks)


class _Retried(Exception):
    pass


class _Task:
    """What ``_send_messages`` reads of a bound task run by a worker (not eagerly), its retry recorded."""

    class request:  # noqa: N801 - Celery's attribute name
        is_eager = False

    def retry(self, *, args, countdown):
        self.retried = (args, countdown)
        return _Retried()


@pytest.mark.parametrize(
    ("one", "expected_args"),
    [(False, ([12, 14],)), (True, (12,))],
    ids=["a task of several rows", "a task of one row (the earlier releases' task)"],
)
def test_a_task_is_retried_with_only_its_rows_that_failed_for_a_moment_once_the_last_is_due(
    monkeypatch, one, expected_args
):
    import datetime

    from outbox import tasks, worker

    delays = {14: datetime.timedelta(seconds=60), 12: datetime.timedelta(seconds=30)}
    if one:
        delays = {12: datetime.timedelta(seconds=30)}
    monkeypatch.setattr(worker, "deliver_many", lambda ids, connection: delays)
    monkeypatch.setattr(tasks, "_connection", lambda: None)
    task = _Task()

    with pytest.raises(_Retried):
        tasks._send_messages(task, [12] if one else [11, 12, 13, 14], one=one)

    assert task.retried == (expected_args, 30.0 if one else 60.0)
