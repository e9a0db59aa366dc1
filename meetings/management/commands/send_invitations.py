from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from meetings import services
from meetings.models import Meeting


class Command(BaseCommand):
    help = "Send a meeting's invitations that have not gone out yet (what the admin's “Send the invitations” does)."

    def add_arguments(self, parser):
        parser.add_argument("meeting_id", type=int)

    def handle(self, *args, meeting_id, **options):
        meeting = Meeting.objects.filter(pk=meeting_id).first()
        if meeting is None:
            raise CommandError(f"There is no meeting {meeting_id}.")
        try:
            sent = services.send_invitations(meeting)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(f"{sent} invitations queued for “{meeting}”."))
