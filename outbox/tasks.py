"""The outbox's Celery task: one per message, it takes the row's id and calls the worker.

The periodic jobs (sweeping, retention, reminders) are scheduled by the project: ``network/tasks.py``."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import get_connection

from . import worker

_backend = None


def _connection():
    """One mail backend per worker process, its SMTP connection kept open from message to message (opened on first
    use, opened again when the server closed it)."""
    global _backend
    if _backend is None:
        _backend = get_connection()
    return _backend


def _send_message(task, message_id: int) -> None:
    if task.request.is_eager:
        # Run eagerly (embedded default, tests): a connection of its own, as the settings may change; a row due again
        # later is sent by the sweeper or the job runner (an eager retry would run at once, not later).
        worker.deliver(message_id)
        return
    delay = worker.deliver(message_id, connection=_connection())
    if delay is not None:
        raise task.retry(countdown=delay.total_seconds())


TASK_OPTIONS = {"bind": True, "acks_late": True, "reject_on_worker_lost": True, "max_retries": None}


@shared_task(**TASK_OPTIONS, ignore_result=True)
def send_message(self, message_id: int) -> None:
    """Send one outbox row. After a temporary failure the task is retried when the row is due again (the row stays
    queued with its next attempt time, so the sweeper catches it too if this retry is lost)."""
    _send_message(self, message_id)


@shared_task(**TASK_OPTIONS, ignore_result=True, name="meetings.tasks.send_message")
def send_message_by_old_name(self, message_id: int) -> None:
    """The task's name before the outbox left ``meetings``: tasks published under it before a deploy still run.
    Remove in the release after next."""
    _send_message(self, message_id)
