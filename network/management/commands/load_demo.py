"""``manage.py load_demo``: the demo network of spring 2022, created where missing (running it twice changes
nothing), ending with how to log in."""

import os
import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from alerts import demo as alerts_demo
from alerts.models import Alert
from decisions import demo as decisions_demo
from decisions.models import Draft
from knowledge import demo as knowledge_demo
from knowledge.models import Action, Conclusion, LessonLearned, NewsItem
from logistics import demo as logistics_demo
from meetings import demo as meetings_demo
from meetings.models import Invitation, Meeting
from members import demo as members_demo
from members.models import Country, Mandate, Organisation, Person, Presidency
from members.services import open_account
from questionnaires import demo as questionnaires_demo
from questionnaires.models import Questionnaire


class Command(BaseCommand):
    help = "Load the demo network (the public record of spring 2022). Only creates what is missing."

    def handle(self, *args, **options):
        with transaction.atomic():
            created = members_demo.load()
            created.update(meetings_demo.load())
            created.update(knowledge_demo.load())
            created.update(decisions_demo.load())
            created.update(logistics_demo.load())
            logins = self._accounts()
            role_logins = self._role_accounts()
            created.update(alerts_demo.load())
            created.update(questionnaires_demo.load())  # after the accounts: an alert is sent by the secretariat's

        totals = {
            "countries": Country.objects.count(),
            "organisations": Organisation.objects.count(),
            "people": Person.objects.count(),
            "mandates": Mandate.objects.count(),
            "presidencies": Presidency.objects.count(),
            "meetings": Meeting.objects.count(),
            "invitations": Invitation.objects.count(),
            "lessons": LessonLearned.objects.count(),
            "conclusions": Conclusion.objects.count(),
            "actions": Action.objects.count(),
            "news": NewsItem.objects.count(),
            "alerts": Alert.objects.count(),
            "questionnaires": Questionnaire.objects.count(),
            "drafts": Draft.objects.count(),
        }
        self.stdout.write("Demo network:")
        for name, total in totals.items():
            self.stdout.write(f"  {name:<15} {total:>6}   ({created.get(name, 0)} new)")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Log in at /admin/ (secretariat) or /accounts/login/ (portal):"))
        for label, email, password in logins:
            shown = password or "unchanged since the demo was first loaded (set DEMO_PASSWORD and rerun to choose one)"
            self.stdout.write(f"  {label:<12} {email}   password: {shown}")
        self._print_role_accounts(role_logins)

    def _accounts(self, wanted_logins=None):
        wanted = os.environ.get("DEMO_PASSWORD", "")
        logins = []
        for label, email, staff in wanted_logins or (
            ("secretariat", members_demo.SECRETARIAT_LOGIN, True),
            ("director", members_demo.DIRECTOR_LOGIN, False),
        ):
            person = Person.objects.get(email__iexact=email)
            had_password = bool(person.user_id and person.user.has_usable_password())
            user = open_account(person, staff=staff)
            password = None
            if wanted and not user.check_password(wanted):
                password = wanted
            elif not had_password:
                password = wanted or secrets.token_urlsafe(12)
            if password:
                user.set_password(password)
                user.save(update_fields=["password"])
            logins.append((label, email, password))
        return logins

    # --- One account per role (members.demo.ROLE_LOGINS) ---

    def _role_accounts(self):
        """The accounts of ``members_demo.ROLE_LOGINS``, opened like the two above (same password rule)."""
        return self._accounts(members_demo.ROLE_LOGINS)

    def _print_role_accounts(self, logins):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("One account per role (the README says what each sees):"))
        for label, email, password in logins:
            shown = password or "unchanged since the demo was first loaded"
            self.stdout.write(f"  {label:<28} {email}   password: {shown}")
