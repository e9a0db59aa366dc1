"""Pages that load only the columns they show still show every label in the reader's language, falling back to
English where a translation is missing, without a query per row; the lessons' filters keep the reader's choice."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from meetings.enums import Answer, AttendanceMode, MeetingStatus
from meetings.models import Crisis
from members.enums import OrganisationKind
from members.services import open_account
from tests import factories

pytestmark = pytest.mark.django_db


def _options(html: str, name: str) -> list[tuple[str, bool, str]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [
        (value, bool(selected), label)
        for value, selected, label in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)
    ]


def test_the_lessons_filters_list_their_choices_in_the_readers_language_and_keep_the_chosen_one(client):
    country = factories.country("BE", name_en="Belgium", name_fr="Belgique")
    director = factories.director(country, preferred_language="fr")
    factories.crisis(name_en="Floods", name_fr="Inondations")
    chosen = factories.theme(label_en="Cyber security")  # no French label: English instead
    factories.lesson(director, title_en="Keep the hand-over short", themes=[chosen])
    client.force_login(open_account(director))

    html = client.get(reverse("portal:lessons"), {"theme": chosen.pk}).content.decode()

    with translation.override("fr"):  # Django's own empty choice ("---------" before Django 6.1)
        empty = str(forms.ModelChoiceField(queryset=Crisis.objects.none()).empty_label)
    assert ("", True, empty) in _options(html, "crisis")  # no crisis chosen
    assert ("BE", False, "Belgique") in _options(html, "country")
    assert any(label == "Inondations" for _value, _selected, label in _options(html, "crisis"))
    assert (str(chosen.pk), True, "Cyber security") in _options(html, "theme")
    assert ("response", False, "Réaction") in _options(html, "phase")
    assert "Keep the hand-over short" in html


def test_the_meeting_pages_answers_show_country_name_and_answer_without_a_query_per_row(
    client, django_assert_max_num_queries
):
    meeting = factories.meeting(status=MeetingStatus.INVITED)
    belgium = factories.country("BE", name_en="Belgium", name_fr="Belgique")
    reader = factories.director(belgium, first_name="Claire", last_name="Dubois", preferred_language="fr")
    factories.sent_invitation(meeting, reader, answer=Answer.ACCEPTED, mode=AttendanceMode.ONLINE)
    for n in range(6):  # countries without a French name: the English one instead
        person = factories.director(factories.country(f"X{n}", name_en=f"Country {n}"), first_name="Alex")
        factories.sent_invitation(meeting, person)
    council = factories.organisation(None, kind=OrganisationKind.EU_BODY, name_en="Council", acronym_en="GSC")
    factories.sent_invitation(meeting, factories.person(council, first_name="Ana", last_name="Costa"))
    client.force_login(open_account(reader))

    with django_assert_max_num_queries(12):  # the same count as with one invitee: no query per row
        html = client.get(reverse("portal:meeting", args=[meeting.pk])).content.decode()

    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td><span[^>]*>([^<]*)</span>", html)
    assert len(rows) == 8
    assert rows[0] == ("Belgique", "Claire Dubois", "Acceptée (En ligne)")
    assert [country for country, _name, _answer in rows[1:7]] == [f"Country {n}" for n in range(6)]
    assert {answer for _country, _name, answer in rows[1:7]} == {"En attente"}
    assert rows[7] == ("GSC", "Ana Costa", "En attente")  # no country: the organisation's acronym
