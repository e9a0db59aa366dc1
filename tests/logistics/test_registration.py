import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from logistics import exports, registration
from logistics.enums import Diet, LogisticsField
from logistics.models import MeetingLogistics, Registration
from meetings import links
from meetings.models import SeatAllowance
from members.services import open_account
from network import privacy, tasks
from tests import factories

from .conftest import at

pytestmark = pytest.mark.django_db
ALL = list(LogisticsField.values)
BEFORE = at(9, 0, day=1)


@pytest.fixture
def asked(brussels):
    MeetingLogistics.objects.create(meeting=brussels["meeting"], fields=ALL, deadline=at(12, 0, day=20))
    return brussels


def _save(world, now=BEFORE, delegates=(), **answers):
    return registration.save_registration(world["in_person"], answers=answers, delegates=list(delegates), now=now)


def test_registration_records_the_questions_asked(asked):
    saved = _save(asked, hotel=True, nights=2, dinner=True, diets=[Diet.VEGAN, Diet.HALAL], arrival_by="train")

    assert (saved.hotel, saved.nights, saved.dinner, saved.arrival_by) == (True, 2, True, "train")
    assert saved.diets == [Diet.HALAL, Diet.VEGAN]


def test_questions_not_asked_are_not_recorded(asked):
    logistics = asked["meeting"].logistics
    logistics.fields = [LogisticsField.HOTEL]
    logistics.save()

    saved = _save(asked, hotel=True, nights=1, dinner=True, accessibility="Wheelchair")

    assert (saved.dinner, saved.accessibility) == (False, "")


def test_nights_depend_on_the_hotel(asked):
    saved = _save(asked, hotel=False, nights=3)
    assert saved.nights is None
    with pytest.raises(ValidationError) as refused:
        _save(asked, hotel=True, nights=None)
    assert refused.value.code == "nights"


def test_answers_change_until_the_deadline_only(asked):
    _save(asked, hotel=True, nights=1)
    _save(asked, hotel=True, nights=2, now=at(11, 59, day=20))

    with pytest.raises(ValidationError) as refused:
        _save(asked, hotel=False, now=at(12, 0, day=20))

    assert refused.value.code == "deadline"
    assert Registration.objects.get().nights == 2


def test_registration_is_only_for_invitees_in_person(asked):
    with pytest.raises(ValidationError) as refused:
        registration.save_registration(asked["online"], answers={"hotel": False}, delegates=[], now=BEFORE)
    assert refused.value.code == "not_asked"
    assert not Registration.objects.exists()


def test_delegation_is_limited_by_the_seat_allowance(asked):
    meeting = asked["meeting"]
    people = [{"name": "Jan Janssens", "function": "Adviser", "email": "jan@example.org"}]
    with pytest.raises(ValidationError) as refused:
        _save(asked, delegates=people)
    assert refused.value.code == "delegates"

    SeatAllowance.objects.create(meeting=meeting, country=asked["be"].organisation.country, seats=3)
    saved = _save(asked, delegates=people + [{"name": "Els Maes"}, {"name": ""}])

    assert list(saved.delegates.values_list("name", flat=True)) == ["Jan Janssens", "Els Maes"]
    assert registration.delegate_places(asked["in_person"]) == 2
    first = saved.delegates.get(name="Jan Janssens").pk
    again = _save(asked, delegates=[{"name": "Jan Janssens", "function": "Senior adviser"}])
    assert list(again.delegates.values_list("pk", "function")) == [(first, "Senior adviser")]  # kept, updated


def test_special_category_needs_are_deleted_thirty_days_after_the_meeting(asked):
    _save(asked, hotel=True, nights=1, diets=[Diet.KOSHER], diet_other="No pork", accessibility="Wheelchair")

    with time_machine.travel(at(16, 31) + datetime.timedelta(days=29, hours=23), tick=False):
        assert tasks.erase_logistics_needs() == 0
    with time_machine.travel(at(16, 31) + datetime.timedelta(days=30), tick=False):
        assert tasks.erase_logistics_needs() == 1
        assert tasks.erase_logistics_needs() == 0

    kept = Registration.objects.get()
    assert (kept.diets, kept.diet_other, kept.accessibility) == ([], "", "")
    assert (kept.hotel, kept.nights) == (True, 1)  # the rest stays
    assert kept.sensitive_erased_at is not None


def test_run_jobs_erases_due_needs_too(asked):
    _save(asked, diets=[Diet.VEGAN])
    with time_machine.travel(at(17, 0) + datetime.timedelta(days=31), tick=False):
        call_command("run_jobs", "--once")
    assert Registration.objects.get().diets == []


def test_personal_data_export_includes_the_needs_while_kept(asked):
    _save(asked, diets=[Diet.VEGAN], accessibility="Wheelchair")

    exported = privacy.export_person(asked["be"])

    assert exported["registrations"][0]["dietary_requirements"] == [Diet.VEGAN]
    assert exported["registrations"][0]["accessibility_needs"] == "Wheelchair"
    kept_until = datetime.datetime.fromisoformat(exported["registrations"][0]["needs_kept_until"])
    assert kept_until == at(16, 30) + datetime.timedelta(days=30)


def test_caterer_list_counts_needs_without_names_and_is_formula_safe(asked):
    _save(asked, dinner=True, diets=[Diet.VEGAN], diet_other="=HYPERLINK(1)")

    title, rows = exports.rows(asked["meeting"], "caterer")
    csv = exports.export(asked["meeting"], "caterer", "csv")[0].decode()

    assert rows[1:] == [["Guests at the dinner", "1"], ["Vegan", "1"], ["Other requirement", "=HYPERLINK(1)"]]
    assert "Peeters" not in csv
    assert "'=HYPERLINK(1)" in csv
    assert exports.export(asked["meeting"], "hotel", "xlsx")[0][:2] == b"PK"
    assert exports.export(asked["meeting"], "delegations", "pdf")[0][:4] == b"%PDF"


def test_hotel_list_names_who_needs_a_room(asked):
    _save(asked, hotel=True, nights=2, arrival_at=at(18, 0, day=27))

    _title, rows = exports.rows(asked["meeting"], "hotel")

    assert rows[1] == ["BE", "Anne Peeters", "2027-04-27 18:00", "", "2"]


def _portal(client, person):
    user = open_account(person)
    client.force_login(user)
    return client


def test_portal_registration_form_saves_in_the_meeting_zone(asked, client):
    url = reverse("portal:registration", args=[asked["meeting"].pk])
    with time_machine.travel(BEFORE, tick=False):
        _portal(client, asked["be"])
        page = client.get(url)
        response = client.post(
            url, {"hotel": "on", "nights": "2", "arrival_at": "2027-04-27T18:00", "diets": ["vegan"]}
        )
    assert page.status_code == 200
    assert response.status_code == 302
    saved = Registration.objects.get()
    assert saved.arrival_at == at(18, 0, day=27)
    assert (saved.nights, saved.diets) == (2, ["vegan"])


def test_portal_registration_is_not_for_others(asked, client):
    url = reverse("portal:registration", args=[asked["meeting"].pk])
    stranger = factories.director(factories.country("DE"))
    with time_machine.travel(BEFORE, tick=False):
        assert _portal(client, stranger).get(url).status_code == 404
        assert _portal(client, asked["fr"]).get(url).status_code == 302  # online: nothing to register


def test_meeting_page_offers_registration_within_query_budget(asked, client, django_assert_max_num_queries):
    url = reverse("portal:meeting", args=[asked["meeting"].pk])
    with time_machine.travel(BEFORE, tick=False):
        _portal(client, asked["be"])
        with django_assert_max_num_queries(20):
            page = client.get(url)
    assert reverse("portal:registration", args=[asked["meeting"].pk]) in page.content.decode()


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_accepting_in_person_by_the_email_link_leads_to_registration(asked, client, language):
    """The signed link's confirmation page, in the invitee's language, leads on to registering; accepting online or
    a meeting that asks nothing leads nowhere further."""
    be = asked["be"]
    be.preferred_language = language
    be.save()
    url = reverse("meetings:answer", args=[links.token_for(asked["in_person"])])
    register = reverse("portal:registration", args=[asked["meeting"].pk])

    page = client.post(url, {"choice": "accept-in-person"})

    assert page.status_code == 200
    with translation.override(language):
        label, heading = gettext("Register"), gettext("Next step")
    html = page.content.decode()
    assert f'href="{register}">{label}</a>' in html and heading in html
    assert client.get(register).status_code == 302  # the portal asks them to sign in first

    online = client.post(url, {"choice": "accept-online"})
    assert online.status_code == 200 and register not in online.content.decode()
    asked["meeting"].logistics.fields = []
    asked["meeting"].logistics.save()
    again = client.post(url, {"choice": "accept-in-person"})
    assert again.status_code == 200 and register not in again.content.decode()
