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
def send_messages(self, message_ids: list[int]) -> None:
    """Send a batch of outbox rows. Those that fail for now are retried together with backoff (each row stays
    queued with its next attempt time, so the sweeper catches them too if this retry is lost)."""
    if self.request.is_eager:
        # Run eagerly (embedded default, tests), a task uses a connection of its own: the settings may change.
        from django.core.mail import get_connection

        connection = get_connection()  # opened by the first send, so that a refusal is the message's error
        try:
            delivery.deliver_many(message_ids, connection)
        finally:
            connection.close()
        return
    outcome = delivery.deliver_many(message_ids, _connection())
    if outcome is not None:
        retry, delay = outcome
        raise self.retry(args=(retry,), countdown=delay.total_seconds())


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
