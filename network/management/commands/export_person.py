import json

from django.core.management.base import BaseCommand, CommandError

from members.models import Person
from network.privacy import export_person


class Command(BaseCommand):
    help = "Print everything held on one person as JSON (a data subject's access request)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        person = Person.objects.filter(email__iexact=email).select_related("organisation__country", "user").first()
        if person is None:
            raise CommandError(f"Nobody in the registry has the email address {email}.")
        self.stdout.write(json.dumps(export_person(person), indent=2, ensure_ascii=False))
