import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from meetings.models import MessageStatus, OutgoingMessage


def purge_outbox_bodies(days: int | None = None) -> int:
    """Delete the bodies and attachments of messages sent or failed more than ``days`` ago (the record of what
    went out, to whom and when stays)."""
    days = settings.OUTBOX_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - datetime.timedelta(days=days)
    return OutgoingMessage.objects.filter(
        status__in=[MessageStatus.SENT, MessageStatus.FAILED], created_at__lt=cutoff, bodies_purged_at__isnull=True
    ).update(body_text="", body_html="", attachments=[], bodies_purged_at=timezone.now())


class Command(BaseCommand):
    help = "Delete outbox bodies older than OUTBOX_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int)

    def handle(self, *args, days=None, **options):
        purged = purge_outbox_bodies(days)
        self.stdout.write(f"{purged} message bodies deleted.")
