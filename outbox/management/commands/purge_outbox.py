from django.core.management.base import BaseCommand

from outbox.services import purge_bodies


class Command(BaseCommand):
    help = "Delete outbox bodies older than OUTBOX_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int)

    def handle(self, *args, days=None, **options):
        purged = purge_bodies(days)
        self.stdout.write(f"{purged} message bodies deleted.")
