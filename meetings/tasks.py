"""Celery tasks: thin wrappers that take ids and call the delivery service."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import get_connection

from . import delivery

_backend = None


def _connection():
    """One mail backend per worker process, its SMTP connection kept open from message to message (opened on first
    use, opened again when the server closed it)."""
    global _backend
    if _backend is None:
        _backend = get_connection()
    return _backend


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None, ignore_result=True)
def send_message(self, message_id: int) -> None:
    """Send one outbox row. After a temporary failure the task is retried when the row is due again (the row stays
    queued with its next attempt time, so the sweeper catches it too if this retry is lost)."""
    if self.request.is_eager:
        # Run eagerly (embedded default, tests): a connection of its own, as the settings may change; a row due again
        # later is sent by the sweeper or the job runner (an eager retry would run at once, not later).
        delivery.deliver(message_id)
        return
    delay = delivery.deliver(message_id, connection=_connection())
    if delay is not None:
        raise self.retry(countdown=delay.total_seconds())


@shared_task(ignore_result=True)
def sweep_outbox() -> dict:
    return delivery.sweep()


@shared_task(ignore_result=True)
def send_due_reminders() -> int:
    from knowledge import services as knowledge

    return delivery.send_due_reminders() + knowledge.send_action_reminders()


@shared_task(ignore_result=True)
def purge_outbox() -> int:
    from .management.commands.purge_outbox import purge_outbox_bodies

    return purge_outbox_bodies()
