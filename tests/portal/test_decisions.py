"""The portal's draft and written-procedure pages: who sees which draft (``decisions.visibility``), who may propose,
reserve and answer for a country, and what the board and the comparison show; each page in a bounded number of
queries."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from decisions import services
from decisions.models import Draft, ProcedureAnswer, Proposal, Reservation
from members.enums import Role
from members.services import open_account
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 3, 1, 10, 0, tzinfo=factories.BRUSSELS)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(db):
    be, fr = factories.country("BE"), factories.country("FR")
    invited = factories.director(be, email="dg@be.example")
    uninvited = factories.director(fr, email="dg@fr.example")
    assistant = factories.person(invited.organisation, email="assistant@be.example")
    factories.mandate(assistant, Role.ASSISTANT)
    meeting = factories.meeting(status="invited")
    factories.sent_invitation(meeting, invited)
    of_meeting = Draft.objects.create(title_en="Draft conclusions of the spring meeting", meeting=meeting)
    services.publish_revision(of_meeting, [{"en": "The network meets twice a year."}])
    services.open_for_comments(of_meeting)
    services.publish_revision(of_meeting, [{"en": "The network meets three times a year."}, {"en": "New."}])
    standing = Draft.objects.create(title_en="Terms of reference", kind="terms")
    services.publish_revision(standing, [{"en": "The chair is Belgium."}])
    services.open_for_comments(standing)
    restricted = Draft.objects.create(title_en="Restricted statement", kind="statement")
    services.publish_revision(restricted, [{"en": "Confidential."}])
    services.open_for_comments(restricted)
    restricted.readers.set([uninvited])
    hidden = Draft.objects.create(title_en="Still being drafted")
    services.publish_revision(hidden, [{"en": "Secret."}])
    return {
        "people": {"invited": invited, "uninvited": uninvited, "assistant": assistant},
        "drafts": {"meeting": of_meeting, "standing": standing, "restricted": restricted, "hidden": hidden},
    }


def signed_in(client, person):
    client.force_login(open_account(person))
    return client


def listed(client) -> list[str]:
    response = client.get(reverse("portal:drafts"))
    assert response.status_code == 200
    return sorted(str(d.title) for d in response.context["drafts"])


def test_a_meeting_s_draft_is_for_its_invitees_a_standing_one_for_members_in_office_or_the_named_readers(client, world):
    people, drafts = world["people"], world["drafts"]

    assert listed(signed_in(client, people["invited"])) == [
        "Draft conclusions of the spring meeting",
        "Terms of reference",
    ]
    assert client.get(reverse("portal:draft", args=[drafts["restricted"].pk])).status_code == 404
    assert client.get(reverse("portal:draft", args=[drafts["hidden"].pk])).status_code == 404
    assert listed(signed_in(client, people["uninvited"])) == ["Restricted statement", "Terms of reference"]
    for page in ("portal:draft", "portal:compare"):
        assert client.get(reverse(page, args=[drafts["meeting"].pk])).status_code == 404


def test_the_secretariat_sees_every_draft(staff_client, world):
    assert len(listed(staff_client)) == 4


def test_a_seat_holder_proposes_and_reserves_for_their_country_and_everyone_invited_sees_it_by_country(client, world):
    people, draft = world["people"], world["drafts"]["meeting"]
    signed_in(client, people["invited"])
    url = reverse("portal:draft", args=[draft.pk])

    response = client.post(url, {"propose": "1", "p-paragraph_number": "2", "p-text": "Next year.", "p-reason": ""})
    assert response.status_code == 302
    response = client.post(
        url, {"reserve": "1", "r-kind": "scrutiny", "r-paragraph_number": "", "r-reason": "Capital."}
    )
    assert response.status_code == 302

    proposal = Proposal.objects.get()
    assert (proposal.country.code, proposal.paragraph_number, proposal.revision.number) == ("BE", 2, 2)
    assert Reservation.objects.get().kind == "scrutiny"
    page = client.get(url).content.decode()
    assert "Next year." in page and "Capital." in page


def test_someone_who_does_not_hold_the_seat_cannot_propose(client, world):
    people, draft = world["people"], world["drafts"]["standing"]
    signed_in(client, people["assistant"])

    response = client.post(
        reverse("portal:draft", args=[draft.pk]), {"propose": "1", "p-paragraph_number": "1", "p-text": "x"}
    )

    assert response.status_code == 403
    assert not Proposal.objects.exists()


def test_the_comparison_marks_what_changed_between_two_revisions(client, world):
    signed_in(client, world["people"]["invited"])

    response = client.get(reverse("portal:compare", args=[world["drafts"]["meeting"].pk]), {"from": 1, "to": 2})

    page = response.content.decode()
    assert "The network meets <del>twice</del><ins>three times</ins> a year." in page
    assert "<ins>New.</ins>" in page


def test_a_seat_holder_answers_in_the_portal_and_the_board_shows_it(client, world):
    people, draft = world["people"], world["drafts"]["standing"]
    procedure = services.open_procedure(draft.revisions.get(), deadline=NOW + datetime.timedelta(days=5))
    signed_in(client, people["uninvited"])
    url = reverse("portal:procedure", args=[procedure.pk])

    refused = client.post(url, {"answer": "objection", "text": ""})
    assert refused.status_code == 400
    assert not ProcedureAnswer.objects.exists()
    assert client.post(url, {"answer": "objection", "text": "Not yet."}).status_code == 302

    board = {row.country.code: row.answer for row in client.get(url).context["board"]}
    assert board == {"BE": "", "FR": "objection"}
    assert ProcedureAnswer.objects.get().channel == "portal"


def test_the_pages_take_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    people, draft = world["people"], world["drafts"]["meeting"]
    procedure = services.open_procedure(
        world["drafts"]["standing"].revisions.get(), deadline=NOW + datetime.timedelta(days=5)
    )
    for n in range(5):
        person = factories.director(email=f"dg{n}@more.example")
        factories.sent_invitation(draft.meeting, person)
        services.propose(draft.revisions.get(number=2), person=person, paragraph_number=1, text=f"Wording {n}")
    signed_in(client, people["invited"])
    for url in (
        reverse("portal:drafts"),
        reverse("portal:draft", args=[draft.pk]),
        reverse("portal:compare", args=[draft.pk]),
        reverse("portal:revision", args=[draft.pk, 1]),
        reverse("portal:procedure", args=[procedure.pk]),
    ):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


def test_a_meeting_s_draft_under_written_procedure_is_read_by_the_countries_it_asks(client, world):
    people, draft = world["people"], world["drafts"]["meeting"]
    signed_in(client, people["uninvited"])
    assert client.get(reverse("portal:draft", args=[draft.pk])).status_code == 404

    procedure = services.open_procedure(draft.revisions.get(number=2), deadline=NOW + datetime.timedelta(days=5))

    assert client.get(reverse("portal:draft", args=[draft.pk])).status_code == 200
    assert client.get(reverse("portal:procedure", args=[procedure.pk])).status_code == 200
