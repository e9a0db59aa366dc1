"""The embedded default's scheduler: without Redis there is no Celery worker or beat, so this loop sends due
reminders and delivers queued mail (retrying temporary failures) in its own process."""

import time

from django.core.management.base import BaseCommand

from logistics.registration import erase_sensitive
from network.tasks import send_reminders
from outbox.worker import deliver_due


class Command(BaseCommand):
    help = "Without Redis: every INTERVAL seconds, queue due reminders and deliver queued mail. --once runs one round."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=60)
        parser.add_argument("--once", action="store_true")

    def handle(self, *args, interval, once, **options):
        while True:
            reminders = send_reminders()
            sent = deliver_due()
            erase_sensitive()  # cheap when nothing is due; the daily job's part
            if reminders or sent or once:
                self.stdout.write(f"{reminders} reminders queued, {sent} messages delivered.")
            if once:
                return
            time.sleep(interval)
