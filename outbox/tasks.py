"""The outbox's Celery tasks: ``send_messages`` takes the ids of a few rows of a sending (at most
``MESSAGES_PER_TASK``) and has the worker send them one after the other over the process's SMTP connection;
``send_message`` takes one id (the task of earlier releases: tasks published before a deploy still run).

The periodic jobs (sweeping, retention, reminders) are scheduled by the project: ``network/tasks.py``."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import get_connection

from . import worker

# Rows a task sends: enough that the task's own cost (the broker's round trips, the hand-over to a worker process) is
# shared by several messages; few enough that the workers' processes share a sending between them and that a
# retried task is small.
MESSAGES_PER_TASK = 10

_backend = None


def _connection():
    """One mail backend per worker process, its SMTP connection kept open from message to message (opened on first
    use, opened again when the server closed it)."""
    global _backend
    if _backend is None:
        _backend = get_connection()
    return _backend


def _send_messages(task, message_ids: list[int], *, one: bool = False) -> None:
    """Run by the tasks below; ``one``: the task takes a single id (its retry too)."""
    if task.request.is_eager:
        # Run eagerly (embedded default, tests): a connection per message, as the settings may change; a row due again
        # later is sent by the sweeper or the job runner (an eager retry would run at once, not later).
        worker.deliver_many(message_ids)
        return
    delays = worker.deliver_many(message_ids, connection=_connection())
    if delays:
        # Only the rows that failed for a moment, once the last of them is due again (the rows stay queued with their
        # next attempt time, so the sweeper catches them too if this retry is lost).
        failed = sorted(delays)
        countdown = max(delay.total_seconds() for delay in delays.values())
        raise task.retry(args=(failed[0],) if one else (failed,), countdown=countdown)


TASK_OPTIONS = {"bind": True, "acks_late": True, "reject_on_worker_lost": True, "max_retries": None}


@shared_task(**TASK_OPTIONS, ignore_result=True)
def send_messages(self, message_ids: list[int]) -> None:
    """Send a few outbox rows (see ``worker.deliver_many``). After a temporary failure the task is retried for the
    rows that failed, when they are due again."""
    _send_messages(self, message_ids)


@shared_task(**TASK_OPTIONS, ignore_result=True)
def send_message(self, message_id: int) -> None:
    """Send one outbox row: the task of releases before ``send_messages``; tasks published under it before a deploy
    still run. Remove in the release after next."""
    _send_messages(self, [message_id], one=True)


@shared_task(**TASK_OPTIONS, ignore_result=True, name="meetings.tasks.send_message")
def send_message_by_old_name(self, message_id: int) -> None:
    """The task's name before the outbox left ``meetings``: tasks published under it before a deploy still run.
    Remove in the release after next."""
    _send_messages(self, [message_id], one=True)
