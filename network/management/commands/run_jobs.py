"""The embedded default's scheduler: without Redis there is no Celery worker or beat, so this loop closes written
procedures at their deadline, escalates unacknowledged alerts, sends due reminders, erases registrations' dietary
and accessibility needs when their time is up and delivers queued mail (retrying temporary failures) in its own
process."""

import time

from django.core.management.base import BaseCommand

from alerts.services import escalate
from logistics.registration import erase_sensitive
from network.tasks import send_reminders, written_procedures
from outbox.worker import deliver_due


class Command(BaseCommand):
    help = "Without Redis: every INTERVAL seconds, queue due reminders and deliver queued mail. --once runs one round."

    def add_arguments(self, parser):
        # Alerts escalate with a resolution of a minute or better: the loop runs every 30 s by default.
        parser.add_argument("--interval", type=int, default=30)
        parser.add_argument("--once", action="store_true")

    def handle(self, *args, interval, once, **options):
        while True:
            escalate()
            procedures = written_procedures()
            reminders = send_reminders() + procedures["reminders"]
            sent = deliver_due()
            erase_sensitive()  # cheap when nothing is due; the daily job's part
            if reminders or sent or once:
                self.stdout.write(
                    f"{procedures['closed']} written procedures closed, {reminders} reminders queued, "
                    f"{sent} messages delivered."
                )
            if once:
                return
            time.sleep(interval)
