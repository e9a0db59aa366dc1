"""Personal data: export, erasure that keeps the anonymised meeting history, and the outbox retention period."""

import datetime
import io
import json

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.enums import Answer
from meetings.models import Invitation
from members.models import Person
from members.services import open_account
from network.privacy import erase_person, export_person
from outbox.models import OutgoingMessage
from tests import factories

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2027, 3, 1, 12, 0, tzinfo=factories.BRUSSELS)


@pytest.fixture
def invited():
    with time_machine.travel(NOW, tick=False):
        person = factories.director(
            factories.country("FR"),
            first_name="Claire",
            last_name="Dubois",
            email="claire.dubois@example.org",
            phone="+33 1 555 00 00",
        )
        meeting = factories.meeting()
        invitation = services.invite(meeting, person)
        services.send_invitations(meeting)
        services.record_answer(invitation, answer=Answer.ACCEPTED, remarks="Wheelchair access")
        user = open_account(person)
        user.set_password("correct horse battery staple")
        user.save()
    return person


def test_export_holds_everything_about_the_person(invited):
    data = export_person(invited)
    json.dumps(data)  # serialisable
    assert data["person"]["email"] == "claire.dubois@example.org" and data["person"]["country"] == "FR"
    assert data["invitations"][0]["remarks"] == "Wheelchair access"
    assert {m["kind"] for m in data["emails"]} == {"invitation", "confirmation"}
    assert (data["proposals"], data["reservations"], data["written_procedure_answers"]) == ([], [], [])
    out = io.StringIO()
    call_command("export_person", "CLAIRE.DUBOIS@example.org", stdout=out)
    assert json.loads(out.getvalue())["person"]["last_name"] == "Dubois"


def test_erasure_keeps_the_history_anonymised(invited, client):
    invitation = Invitation.objects.get(person=invited)
    erase_person(invited)
    person = Person.objects.get(pk=invited.pk)
    assert "Dubois" not in person.full_name and person.email.endswith("@invalid.example") and not person.phone
    assert not Person.history.filter(id=person.pk).exists()  # the registry's history of the old name is gone
    invitation.refresh_from_db()
    assert invitation.answer == Answer.ACCEPTED and invitation.remarks == ""  # who came stays, not their remarks
    assert not Invitation.history.filter(person_id=person.pk).exclude(remarks="").exists()
    assert not OutgoingMessage.objects.filter(person=person).exclude(body_text="").exists()
    assert not OutgoingMessage.objects.filter(to="claire.dubois@example.org").exists()
    assert not client.login(email="claire.dubois@example.org", password="correct horse battery staple")


def test_erasure_from_the_admin_asks_for_confirmation(invited, staff_client):
    url = reverse("admin:members_person_changelist")
    response = staff_client.post(url, {"action": "erase_data", "_selected_action": [invited.pk]})
    assert response.status_code == 200 and "cannot be undone" in response.content.decode()
    assert Person.objects.get(pk=invited.pk).last_name == "Dubois"
    staff_client.post(url, {"action": "erase_data", "_selected_action": [invited.pk], "confirm": "yes"})
    assert Person.objects.get(pk=invited.pk).last_name != "Dubois"


def test_outbox_bodies_are_deleted_after_the_retention_period(invited, settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    OutgoingMessage.objects.update(status="sent")
    old = OutgoingMessage.objects.filter(kind="invitation")
    old.update(created_at=timezone.now() - datetime.timedelta(days=31))
    call_command("purge_outbox", stdout=io.StringIO())
    assert OutgoingMessage.objects.get(kind="invitation").body_text == ""
    assert OutgoingMessage.objects.get(kind="invitation").subject  # the record of what went out stays
    assert OutgoingMessage.objects.get(kind="confirmation").body_text != ""


def test_erasure_stops_messages_not_sent_yet_instead_of_sending_them_to_the_anonymised_address(invited):
    queued = OutgoingMessage.objects.filter(person=invited).order_by("pk")
    queued.update(status="queued")
    sent = queued.first()
    OutgoingMessage.objects.filter(pk=sent.pk).update(status="sent")

    erase_person(invited)

    statuses = list(OutgoingMessage.objects.filter(person=invited).order_by("pk").values_list("status", flat=True))
    assert statuses == ["sent"] + ["failed"] * (len(statuses) - 1) and len(statuses) == 2
    assert not OutgoingMessage.objects.filter(status="queued").exists()
