"""Shared setting of the decisions tests: three member countries with their seat holders, a standing draft and a
meeting's draft, the clock frozen before the deadline."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from decisions import services
from decisions.models import Draft
from members.enums import Language, Role
from tests import factories
from tests.factories import BRUSSELS

T0 = datetime.datetime(2027, 5, 3, 9, 0, tzinfo=BRUSSELS)  # Monday morning, Brussels
DEADLINE = datetime.datetime(2027, 5, 7, 17, 0, tzinfo=BRUSSELS)  # Friday 17:00, Brussels
SITE = "https://dg.example.org"


@pytest.fixture
def clock():
    """The frozen clock, to move."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def network(people):
    """``people`` with the clock frozen on ``T0``."""
    return people


@pytest.fixture(autouse=True)
def _frozen(request):
    """Every test but the integration ones (whose worker reads the real clock) runs on ``T0``."""
    if request.node.get_closest_marker("integration"):
        yield
        return
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def people(db, settings):
    """BE (director, English), FR (director in French and a deputy in German), NL (director in Dutch, in
    Helsinki's zone), and an observer country's director who holds no seat."""
    settings.SITE_URL = SITE
    be, fr, nl = factories.country("BE"), factories.country("FR"), factories.country("NL")
    people = {
        "be": factories.director(be, email="dg@be.example", preferred_language=Language.EN),
        "fr": factories.director(fr, email="dg@fr.example", preferred_language=Language.FR),
        "nl": factories.director(
            nl, email="dg@nl.example", preferred_language=Language.NL, time_zone="Europe/Helsinki"
        ),
    }
    deputy = factories.person(people["fr"].organisation, email="deputy@fr.example", preferred_language=Language.DE)
    factories.mandate(deputy, Role.DEPUTY)
    people["fr_deputy"] = deputy
    observer_country = factories.country("NO", participation="observer")
    people["no"] = factories.director(observer_country, email="dg@no.example")
    return {"countries": {"be": be, "fr": fr, "nl": nl}, "people": people}


PARAGRAPHS_1 = [
    {"en": "The network meets twice a year.", "fr": "Le réseau se réunit deux fois par an."},
    {"en": "The chair is Belgium.", "fr": "La présidence est assurée par la Belgique."},
]
PARAGRAPHS_2 = [
    {"en": "The network meets three times a year.", "fr": "Le réseau se réunit trois fois par an."},
    {"en": "The chair is Belgium.", "fr": "La présidence est assurée par la Belgique."},
    {"en": "The secretariat is the Benelux Union's.", "fr": "Le secrétariat est celui de l'Union Benelux."},
]


@pytest.fixture
def draft(network):
    """Standing terms of reference open for comments, REV 1 and REV 2 published."""
    text = Draft.objects.create(title_en="Terms of reference", title_fr="Mandat", kind="terms")
    services.publish_revision(text, PARAGRAPHS_1)
    services.open_for_comments(text)
    services.publish_revision(text, PARAGRAPHS_2, note="Frequency and secretariat.")
    return text
