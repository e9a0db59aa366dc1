"""The periodic jobs, scheduled by Celery beat (``CELERY_BEAT_SCHEDULE`` in the settings); ``run_jobs`` plays beat's
part on the embedded default. They live here because the project schedules them, and the reminders span two apps."""

from __future__ import annotations

from celery import shared_task

from knowledge import services as knowledge
from logistics import registration as logistics
from meetings import delivery as meetings_mail
from outbox import services as outbox


def send_reminders() -> int:
    """Queue every reminder that is due: the meetings' (to answer, before the meeting) and the actions'. Returns how
    many messages were queued."""
    return meetings_mail.send_due_reminders() + knowledge.send_action_reminders()


@shared_task(ignore_result=True)
def sweep_outbox() -> dict:
    return outbox.sweep()


@shared_task(ignore_result=True)
def send_due_reminders() -> int:
    return send_reminders()


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
