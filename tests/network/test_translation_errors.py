"""The admin names each translated field's error with its field and language at the top of the form (its language
tab may be hidden): ``network/templatetags/translation_errors.py``."""

import html

import pytest
from django.urls import reverse

from meetings.models import AgendaItem, Meeting
from tests.helpers import form_data

pytestmark = pytest.mark.django_db
REQUIRED = "is required: it is what readers see when their own language is left empty."


def _post_new_meeting(client, **fields):
    add = reverse("admin:meetings_meeting_add")
    data = form_data(client.get(add).content, "meeting_form")
    data.update(
        {
            "format": "in_person",
            "starts_at_0": "2030-04-28",
            "starts_at_1": "09:30",
            "ends_at_0": "2030-04-28",
            "ends_at_1": "16:30",
            "time_zone": "Europe/Brussels",
            "venue_name": "Centre de crise",
            "venue_city": "Bruxelles",
            **fields,
        }
    )
    return client.post(add, data)


def _summary(response) -> list[str]:
    page = response.content.decode()
    if 'id="translation-errors"' not in page:
        return []
    block = page.split('id="translation-errors"', 1)[1].split("</div>", 1)[0]
    return [html.unescape(part.split(">", 1)[1].split("</a>", 1)[0]) for part in block.split("<li>")[1:]]


def test_missing_english_titles_are_named_with_field_language_and_row(staff_client):
    response = _post_new_meeting(
        staff_client,
        title_fr="Réunion de printemps",
        **{
            "agenda_items-TOTAL_FORMS": "2",
            "agenda_items-0-position": "10",
            "agenda_items-0-title_en": "Welcome",
            "agenda_items-0-kind": "information",
            "agenda_items-0-duration_minutes": "15",
            "agenda_items-1-position": "20",
            "agenda_items-1-title_fr": "Tour de table",
            "agenda_items-1-kind": "discussion",
            "agenda_items-1-duration_minutes": "30",
        },
    )
    assert response.status_code == 200
    assert _summary(response) == [f"Title (English) {REQUIRED}", f"Agenda item 2: Title (English) {REQUIRED}"]
    page = response.content.decode()
    assert 'href="#id_title_en"' in page and 'href="#id_agenda_items-1-title_en"' in page
    assert not Meeting.objects.exists() and not AgendaItem.objects.exists()


def test_other_errors_of_a_translation_name_its_language(staff_client):
    response = _post_new_meeting(staff_client, title_en="Spring meeting", title_de="Frühjahrstreffen\nzweite Zeile")
    assert response.status_code == 200
    [line] = _summary(response)
    assert line.startswith("Title (German): ")
    assert not Meeting.objects.exists()


def test_a_form_without_translation_errors_has_no_list(staff_client):
    response = _post_new_meeting(staff_client, title_en="Spring meeting", venue_city="")
    assert response.status_code == 200  # an in-person meeting needs its city
    assert 'class="errornote"' in response.content.decode()
    assert _summary(response) == []
