from django.core.management.base import BaseCommand, CommandError

from members.models import Person
from network.privacy import erase_person


class Command(BaseCommand):
    help = "Erase a person's personal data, keeping the meeting history anonymised. Needs --yes."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")

    def handle(self, *args, email, yes, **options):
        person = Person.objects.filter(email__iexact=email).first()
        if person is None:
            raise CommandError(f"Nobody in the registry has the email address {email}.")
        if not yes:
            raise CommandError("Erasure cannot be undone: run again with --yes to confirm.")
        erase_person(person)
        self.stdout.write(self.style.SUCCESS(f"Erased person #{person.pk}; their meeting history stays anonymised."))
