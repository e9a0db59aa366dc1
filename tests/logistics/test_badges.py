import io

import pypdf
import pytest
from django.urls import reverse

from logistics import badges
from logistics.enums import BadgeRole, LogisticsField
from logistics.models import Badge, Delegate, MeetingLogistics, Registration
from meetings.enums import Capacity
from members.enums import OrganisationKind
from tests import factories

pytestmark = pytest.mark.django_db


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_badges_go_to_invitees_in_person_and_their_delegates(brussels):
    registration = Registration.objects.create(invitation=brussels["in_person"])
    Delegate.objects.create(registration=registration, name="Jan Janssens", function="Adviser")

    made = badges.issue_badges(brussels["meeting"])

    assert made == 2
    assert sorted(Badge.objects.values_list("name", "function", "country_code", "role")) == [
        ("Anne Peeters", "Director-General", "BE", BadgeRole.MEMBER),
        ("Jan Janssens", "Adviser", "BE", BadgeRole.MEMBER),
    ]  # France's director attends online: no badge


def test_codes_are_eight_unambiguous_characters_unique_and_kept_on_reissue(brussels):
    badges.issue_badges(brussels["meeting"])
    code = Badge.objects.get().code

    again = badges.issue_badges(brussels["meeting"])

    assert again == 0
    assert Badge.objects.get().code == code
    assert len(code) == 8 and set(code) <= set(badges.ALPHABET)
    assert not set("01IOL") & set(badges.ALPHABET)


def test_roles_follow_capacity_and_secretariat(brussels):
    meeting = brussels["meeting"]
    observer = factories.person(factories.organisation(None, kind=OrganisationKind.EU_BODY), last_name="Observer")
    secretary = factories.person(factories.organisation(None, kind=OrganisationKind.SECRETARIAT), last_name="Secretary")
    factories.sent_invitation(meeting, observer, capacity=Capacity.OBSERVER, answer="accepted", mode="in_person")
    factories.sent_invitation(meeting, secretary, capacity=Capacity.OBSERVER, answer="accepted", mode="in_person")

    badges.issue_badges(meeting)

    roles = dict(Badge.objects.values_list("name", "role"))
    assert roles[observer.full_name] == BadgeRole.OBSERVER
    assert roles[secretary.full_name] == BadgeRole.SECRETARIAT


def test_qr_token_names_the_meeting_and_the_code(brussels):
    badges.issue_badges(brussels["meeting"])
    badge = Badge.objects.get()

    assert badges.read_token(badges.token_for(badge)) == (brussels["meeting"].pk, badge.code)


def test_badge_sheet_prints_names_codes_and_roles_in_the_meeting_language(brussels):
    MeetingLogistics.objects.create(meeting=brussels["meeting"], badge_language="fr")
    brussels["be"].last_name = "Peeters <b>&"
    brussels["be"].save()
    badges.issue_badges(brussels["meeting"])
    code = Badge.objects.get().code

    text = _text(badges.badges_pdf(brussels["meeting"]))

    assert "Anne Peeters <b>&" in text
    assert f"{code[:4]} {code[4:]}" in text
    assert "MEMBRE" in text  # the role in French
    assert "BE" in text


def test_name_cards_have_one_page_per_invitee(brussels):
    registration = Registration.objects.create(invitation=brussels["in_person"])
    Delegate.objects.create(registration=registration, name="Jan Janssens")
    badges.issue_badges(brussels["meeting"])

    reader = pypdf.PdfReader(io.BytesIO(badges.name_cards_pdf(brussels["meeting"])))

    assert len(reader.pages) == 1
    assert "Anne Peeters" in reader.pages[0].extract_text()


def test_badge_sheet_is_the_secretariat_s(brussels, staff_client):
    from django.test import Client

    logistics = MeetingLogistics.objects.create(meeting=brussels["meeting"], fields=[LogisticsField.HOTEL])
    url = reverse("admin:logistics_meetinglogistics_badges", args=[logistics.pk])

    response = staff_client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert Client().get(url).status_code == 302  # anonymous: to the login
