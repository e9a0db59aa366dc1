"""Countries' positions on a meeting's conclusions: the conclusion page and the meeting report show them."""

from __future__ import annotations

import io

import pypdf
import pytest
from django.urls import reverse

from knowledge.models import Position, PositionKind
from members.services import open_account
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(db):
    be, fr = factories.country("BE"), factories.country("FR")
    director = factories.director(be)
    meeting = factories.held_meeting([director])
    conclusion = factories.conclusion(meeting, number=1, text_en="The network shares situation reports weekly.")
    Position.objects.create(conclusion=conclusion, country=be, position=PositionKind.SUPPORT)
    Position.objects.create(conclusion=conclusion, country=fr, position=PositionKind.SCRUTINY_RESERVATION)
    return meeting, director


def test_the_conclusion_page_shows_each_country_s_position(client, held):
    meeting, director = held
    client.force_login(open_account(director))

    page = client.get(reverse("portal:outcomes", args=[meeting.pk])).content.decode()

    assert "BE · Support" in page
    assert "FR · Scrutiny reservation" in page


def test_the_meeting_report_lists_the_positions_under_each_conclusion(client, held):
    meeting, director = held
    client.force_login(open_account(director))

    response = client.get(reverse("portal:report", args=[meeting.pk]), {"lang": "en"})

    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert "Positions: BE support, FR scrutiny reservation" in " ".join(text.split())
