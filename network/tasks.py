"""The periodic jobs, scheduled by Celery beat (``CELERY_BEAT_SCHEDULE`` in the settings); ``run_jobs`` plays beat's
part on the embedded default. They live here because the project schedules them, and the reminders span two apps."""

from __future__ import annotations

from celery import shared_task

from alerts import services as alerts
from decisions import services as decisions
from knowledge import services as knowledge
from logistics import registration as logistics
from meetings import delivery as meetings_mail
from outbox import services as outbox
from questionnaires import services as questionnaires


def send_reminders() -> int:
    """Queue every reminder that is due: the meetings' (to answer, before the meeting), the actions' and the
    questionnaires' (to the countries that have not submitted). Returns how many messages were queued."""
    return meetings_mail.send_due_reminders() + knowledge.send_action_reminders() + questionnaires.send_due_reminders()


@shared_task(ignore_result=True)
def sweep_outbox() -> dict:
    return outbox.sweep()


def run_alerts() -> dict:
    """The alerts' job: take the escalation steps that are due, and hand over again the urgent mail left queued (the
    broker was away) or in flight (a worker died) longer than ``OUTBOX_URGENT_STALE_SECONDS``."""
    return {"steps": alerts.escalate(), **outbox.sweep()}


@shared_task(ignore_result=True)
def escalate_alerts() -> dict:
    return run_alerts()


@shared_task(ignore_result=True)
def send_due_reminders() -> int:
    return send_reminders()


def written_procedures() -> dict:
    """Close the written procedures whose deadline has passed (each once, however many schedulers run) and remind
    the countries that have not answered. Returns ``{"closed": n, "reminders": n}``."""
    return {"closed": decisions.close_due_procedures(), "reminders": decisions.send_procedure_reminders()}


@shared_task(ignore_result=True)
def run_written_procedures() -> dict:
    return written_procedures()


@shared_task(ignore_result=True)
def purge_outbox() -> int:
    return outbox.purge_bodies()


@shared_task(ignore_result=True)
def erase_logistics_needs() -> int:
    """Daily: dietary and accessibility needs deleted ``LOGISTICS_RETENTION_DAYS`` after their meeting."""
    return logistics.erase_sensitive()


# The names these jobs had before the outbox left ``meetings``: a job published under them just before a deploy still
# runs. Remove in the release after next.
shared_task(ignore_result=True, name="meetings.tasks.sweep_outbox")(outbox.sweep)
shared_task(ignore_result=True, name="meetings.tasks.send_due_reminders")(send_reminders)
shared_task(ignore_result=True, name="meetings.tasks.purge_outbox")(outbox.purge_bodies)
