"""The one-click links of a written procedure: a GET confirms, only the POST counts, and a link that cannot be used
says why and changes nothing."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import signing
from django.urls import reverse

from decisions import links, services
from decisions.models import ProcedureAnswer, ProcedureCountry
from members.models import Mandate
from tests.decisions.conftest import DEADLINE, SITE, T0

pytestmark = pytest.mark.django_db


@pytest.fixture
def procedure(draft):
    return services.open_procedure(draft.revisions.get(number=2), deadline=DEADLINE)


def path_of(url: str) -> str:
    return url.removeprefix(SITE)


def test_opening_a_link_shows_the_text_and_the_chosen_answer_and_changes_nothing(client, procedure, network):
    urls = links.urls_for(procedure, network["countries"]["fr"], network["people"]["fr"])

    response = client.get(path_of(urls["break_silence"]))

    assert response.status_code == 200
    assert response.headers["Content-Language"] == "fr"
    body = response.content.decode()
    assert re.search(r'value="objection"[^>]*checked', body)
    assert not re.search(r'value="no_objection"[^>]*checked', body)
    assert "Le réseau se réunit trois fois par an." in body  # the French director reads the French text
    assert not ProcedureAnswer.objects.exists()


def test_only_the_post_records_the_answer_for_the_link_s_country_and_person(client, procedure, network):
    urls = links.urls_for(procedure, network["countries"]["fr"], network["people"]["fr_deputy"])

    response = client.post(path_of(urls["page"]), {"answer": "objection", "text": "Paragraph 3 is premature."})

    assert response.status_code == 200
    entry = ProcedureCountry.objects.get(procedure=procedure, country__code="FR")
    assert (entry.answer, entry.text, entry.answered_by) == (
        "objection",
        "Paragraph 3 is premature.",
        network["people"]["fr_deputy"],
    )
    assert ProcedureAnswer.objects.get().channel == "link"


def test_breaking_silence_through_a_link_without_a_reason_is_refused(client, procedure, network):
    urls = links.urls_for(procedure, network["countries"]["be"], network["people"]["be"])

    response = client.post(path_of(urls["page"]), {"answer": "objection", "text": ""})

    assert response.status_code == 400
    assert "Breaking silence needs a reason." in response.content.decode()
    assert not ProcedureAnswer.objects.exists()


def test_a_link_after_the_deadline_even_by_a_second_says_so_and_changes_nothing(client, procedure, network, clock):
    urls = links.urls_for(procedure, network["countries"]["be"], network["people"]["be"])
    clock.move_to(DEADLINE)

    assert client.get(path_of(urls["page"])).status_code == 410
    response = client.post(path_of(urls["page"]), {"answer": "no_objection"})

    assert response.status_code == 410
    assert "no longer takes answers" in response.content.decode()
    assert not ProcedureAnswer.objects.exists()


def test_a_link_of_another_procedure_is_refused(client, procedure, network, draft):
    services.withdraw_procedure(procedure)
    other = services.open_procedure(draft.revisions.get(number=2), deadline=DEADLINE)
    token = links.token_for(procedure, network["countries"]["be"], network["people"]["be"])

    response = client.post(reverse("decisions:answer", args=[other.pk, token]), {"answer": "no_objection"})

    assert response.status_code == 400
    assert "another written procedure" in response.content.decode()
    assert not ProcedureAnswer.objects.exists()


def test_a_link_naming_a_country_the_procedure_does_not_concern_is_refused(client, draft, network):
    procedure = services.open_procedure(
        draft.revisions.get(number=2), deadline=DEADLINE, countries=[network["countries"]["be"]]
    )
    token = links.token_for(procedure, network["countries"]["nl"], network["people"]["nl"])

    response = client.post(reverse("decisions:answer", args=[procedure.pk, token]), {"answer": "no_objection"})

    assert response.status_code == 400
    assert not ProcedureAnswer.objects.exists()


def test_a_link_of_a_person_who_no_longer_holds_the_seat_is_refused(client, procedure, network):
    urls = links.urls_for(procedure, network["countries"]["be"], network["people"]["be"])
    Mandate.objects.filter(person=network["people"]["be"]).update(end_date=T0.date() - datetime.timedelta(days=1))

    response = client.post(path_of(urls["page"]), {"answer": "no_objection"})

    assert response.status_code == 403
    assert "no longer hold your country's seat" in response.content.decode()
    assert not ProcedureAnswer.objects.exists()


def test_a_tampered_link_is_refused(client, procedure, network):
    token = links.token_for(procedure, network["countries"]["be"], network["people"]["be"])
    forged = signing.dumps({"w": procedure.pk, "c": network["countries"]["fr"].pk, "p": 1}, salt="another-salt")

    for bad in (token[:-2] + "xx", forged):
        response = client.post(reverse("decisions:answer", args=[procedure.pk, bad]), {"answer": "no_objection"})
        assert response.status_code == 400
    assert not ProcedureAnswer.objects.exists()
