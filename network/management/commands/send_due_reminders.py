from django.core.management.base import BaseCommand

from knowledge import services as knowledge
from meetings import delivery


class Command(BaseCommand):
    help = "Queue the reminders that are due now (what Celery beat runs every few minutes)."

    def handle(self, *args, **options):
        queued = delivery.send_due_reminders()
        actions = knowledge.send_action_reminders()
        self.stdout.write(f"{queued} meeting reminders and {actions} action reminders queued.")
