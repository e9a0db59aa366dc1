"""The outbox's task and the project's periodic jobs, under their names and the names they had before the outbox
left the meetings app (kept for one release, so that tasks published before a deploy still run)."""

from __future__ import annotations

import pytest
from celery import current_app
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from network.apps import ensure_periodic_tasks
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


def test_the_schedule_of_an_older_release_is_renamed_and_keeps_its_interval():
    PeriodicTask.objects.all().delete()
    every_two = IntervalSchedule.objects.create(every=2, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(name="Sweep the outbox", task="meetings.tasks.sweep_outbox", interval=every_two)
    PeriodicTask.objects.create(
        name="Forget expired portal pages", task="members.tasks.forget_kept_pages", interval=every_two
    )

    ensure_periodic_tasks(sender=None)

    jobs = {job.name: (job.task, job.interval.every) for job in PeriodicTask.objects.select_related("interval")}
    assert jobs == {
        "Sweep the outbox": ("network.tasks.sweep_outbox", 2),
        "Send due reminders": ("network.tasks.send_due_reminders", 5),
        "Delete old outbox bodies": ("network.tasks.purge_outbox", 24 * 60),
    }
