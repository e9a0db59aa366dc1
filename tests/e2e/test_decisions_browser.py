"""A French director answers a written procedure in headless Chromium: first through the link mailed to them
(confirmation page, only the POST counts), then changes the answer in the portal; the board shows the last one and
the history keeps both."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from decisions import services
from decisions.models import Draft, ProcedureAnswer, ProcedureCountry
from members.services import open_account
from outbox.models import MessageKind, OutgoingMessage
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def world(live_server, settings):
    settings.SITE_URL = live_server.url
    france = factories.country("FR")
    factories.director(factories.country("BE"))
    director = factories.director(
        france, first_name="Claire", last_name="Dubois", email="claire@fr.example", preferred_language="fr"
    )
    user = open_account(director)
    user.set_password(PASSWORD)
    user.save()
    text = Draft.objects.create(title_en="Terms of reference", title_fr="Mandat du réseau", kind="terms")
    services.publish_revision(
        text, [{"en": "The network meets twice a year.", "fr": "Le réseau se réunit deux fois par an."}]
    )
    procedure = services.open_procedure(text.revisions.get(), deadline=timezone.now() + datetime.timedelta(days=3))
    return {"procedure": procedure, "director": director}


def mailed_link(person, choice: str) -> str:
    row = OutgoingMessage.objects.get(kind=MessageKind.PROCEDURE, person=person)
    assert row.language == "fr"
    return re.search(rf"(http\S+/answer/\S+\?choice={choice})", row.body_text)[1]


def test_a_french_director_answers_through_the_mailed_link_then_changes_the_answer_in_the_portal(
    live_server, page, world
):
    base, procedure = live_server.url, world["procedure"]

    # The mailed link: a confirmation page in French with the chosen answer ticked; nothing counts before the POST.
    page.goto(mailed_link(world["director"], "comment"))
    assert page.get_attribute("html", "lang") == "fr"
    assert "Le réseau se réunit deux fois par an." in page.inner_text("main")
    assert page.is_checked("input[name=answer][value=comment]")
    assert not ProcedureAnswer.objects.exists()
    page.fill("textarea[name=text]", "Nous saluons ce texte.")
    page.click("main button[type=submit]")
    page.wait_for_selector("[role=status]")
    assert "Nous saluons ce texte." in page.inner_text("[role=status]")

    # The portal: sign in, break silence without a reason (refused), then with one.
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", "claire@fr.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/")
    page.goto(f"{base}/written-procedures/{procedure.pk}/")
    assert page.get_attribute("html", "lang") == "fr"
    page.check("input[name=answer][value=objection]")
    page.click("main form.card button[type=submit]")
    assert page.locator(".errorlist").count() >= 1
    assert ProcedureAnswer.objects.count() == 1
    page.check("input[name=answer][value=objection]")
    page.fill("textarea[name=text]", "Le paragraphe 1 doit mentionner les crises.")
    page.click("main form.card button[type=submit]")
    page.wait_for_url(f"{base}/written-procedures/{procedure.pk}/")

    board = page.inner_text("table.board")
    assert "Le paragraphe 1 doit mentionner les crises." in board
    entry = ProcedureCountry.objects.get(procedure=procedure, country__code="FR")
    assert entry.answer == "objection"
    assert list(ProcedureAnswer.objects.order_by("at").values_list("answer", "channel")) == [
        ("comment", "link"),
        ("objection", "portal"),
    ]
