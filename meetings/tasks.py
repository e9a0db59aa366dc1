"""Celery tasks: thin wrappers that take ids and call the delivery service."""

from __future__ import annotations

from celery import shared_task

from . import delivery

_smtp = None


def _connection():
    """One SMTP connection per worker process, reused from message to message (opened on first use)."""
    global _smtp
    if _smtp is None:
        from django.core.mail import get_connection

        _smtp = get_connection()
    return _smtp


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None, ignore_result=True)
def send_message(self, message_id: int) -> None:
    """Send one outbox row. A temporary SMTP failure is retried with backoff (the row stays queued with its next
    attempt time, so the sweeper catches it too if this retry is lost)."""
    # Run eagerly (embedded default, tests) a task uses a connection of its own, as the settings may change.
    delay = delivery.deliver(message_id, connection=None if self.request.is_eager else _connection())
    if delay is not None and not self.request.is_eager:
        raise self.retry(countdown=delay.total_seconds())


@shared_task(ignore_result=True)
def sweep_outbox() -> dict:
    return delivery.sweep()


@shared_task(ignore_result=True)
def send_due_reminders() -> int:
    from . import knowledge

    return delivery.send_due_reminders() + knowledge.send_action_reminders()


@shared_task(ignore_result=True)
def purge_outbox() -> int:
    from .management.commands.purge_outbox import purge_outbox_bodies

    return purge_outbox_bodies()
