"""The portal's alert pages: who sees which rows of the board, acknowledging in the portal, sending from the
portal with bad input, the calls, the test report's exports, and the pages' query counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts import services
from alerts.enums import AlertStatus, Step
from alerts.models import Alert, AlertCountry
from members.enums import Role
from members.models import Person, User
from tests import factories

pytestmark = pytest.mark.django_db


def account(person: Person) -> User:
    person.user = User.objects.create_user(email=person.email, password="correct horse battery staple")
    person.save(update_fields=["user"])
    return person.user


@pytest.fixture
def sent_alert(centres, staff, django_capture_on_commit_callbacks):
    alert = factories.alert(staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_alert(alert)
    return alert


def test_the_secretariat_sees_every_country_on_a_board_that_refreshes_itself(staff_client, sent_alert):
    response = staff_client.get(reverse("portal:alert", args=[sent_alert.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="20">' in html
    assert [code for code in ("BE", "DE", "FR") if f'data-country="{code}"' in html] == ["BE", "DE", "FR"]
    assert 'id="acknowledge-form"' not in html


def test_a_contact_point_sees_and_acknowledges_only_their_country(client, sent_alert):
    contact_point = Person.objects.get(email="cp@de.example")
    client.force_login(account(contact_point))

    page = client.get(reverse("portal:alert", args=[sent_alert.pk])).content.decode()
    assert 'data-country="DE"' in page and 'data-country="FR"' not in page
    assert 'id="acknowledge-form"' in page

    client.post(reverse("portal:alert_acknowledge", args=[sent_alert.pk]))

    row = AlertCountry.objects.get(country__code="DE")
    assert (row.acknowledged_by, row.acknowledged_via) == (contact_point.full_name, "portal")
    assert AlertCountry.objects.filter(acknowledged_at__isnull=False).count() == 1


def test_a_person_without_the_countrys_seat_cannot_see_or_acknowledge(client, sent_alert):
    assistant = factories.person(Person.objects.get(email="cp@de.example").organisation)
    factories.mandate(assistant, Role.ASSISTANT)
    client.force_login(account(assistant))

    assert client.get(reverse("portal:alert", args=[sent_alert.pk])).status_code == 404
    assert client.post(reverse("portal:alert_acknowledge", args=[sent_alert.pk])).status_code == 404
    assert client.get(reverse("portal:alert_new")).status_code == 403
    assert client.get(reverse("portal:alerts")).status_code == 200
    assert AlertCountry.objects.filter(acknowledged_at__isnull=False).count() == 0


def test_the_chairs_centre_may_send_alerts(client, centres, settings):
    settings.ALERTS_CHAIR_COUNTRY = "BE"
    client.force_login(account(Person.objects.get(email="deputy@be.example")))
    assert client.get(reverse("portal:alert_new")).status_code == 200
    client.force_login(account(Person.objects.get(email="deputy@fr.example")))
    assert client.get(reverse("portal:alert_new")).status_code == 403


def form(**changes) -> dict:
    later = timezone.localtime(timezone.now() + datetime.timedelta(hours=1), factories.BRUSSELS)
    data = {
        "language": "de",
        "title": "Stromausfall",
        "body": "Ein großer Stromausfall.",
        "request": "",
        "handling_note": "Nicht zur Veröffentlichung",
        "acknowledge_by": later.strftime("%Y-%m-%dT%H:%M"),
        "time_zone": "Europe/Brussels",
        "escalation_minutes": "15",
    }
    return {**data, **changes}


def test_sending_from_the_portal_writes_in_the_senders_language(
    staff_client, centres, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("portal:alert_new"), form())

    alert = Alert.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:alert", args=[alert.pk])
    assert (alert.language, alert.title_de, alert.title_en, alert.status) == ("de", "Stromausfall", None, "sent")
    assert services.texts_of(alert, "fr")["title"] == "Stromausfall"


@pytest.mark.parametrize(
    "changes",
    [{"body": " "}, {"title": ""}, {"acknowledge_by": "2020-01-01T10:00"}, {"acknowledge_by": "soon"}],
)
def test_sending_with_bad_input_says_why_and_stores_nothing(staff_client, centres, changes):
    response = staff_client.post(reverse("portal:alert_new"), form(**changes))

    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert Alert.objects.count() == 0


def test_the_secretariat_records_a_call_once_a_country_is_at_the_calling_step(staff_client, sent_alert):
    row = AlertCountry.objects.get(country__code="FR")
    AlertCountry.objects.filter(pk=row.pk).update(step=Step.CALL)

    page = staff_client.get(reverse("portal:alert", args=[sent_alert.pk])).content.decode()
    assert 'href="tel:+32 2 500 00 00"' in page
    staff_client.post(
        reverse("portal:alert_call", args=[sent_alert.pk, row.pk]), {"outcome": "reached", "note": "Duty officer"}
    )
    row.refresh_from_db()
    assert (row.call_outcome, row.call_note) == ("reached", "Duty officer")


def test_closing_an_alert_stops_the_refresh(staff_client, sent_alert):
    staff_client.post(reverse("portal:alert_close", args=[sent_alert.pk]))

    sent_alert.refresh_from_db()
    assert sent_alert.status == AlertStatus.CLOSED
    assert (
        'http-equiv="refresh"' not in staff_client.get(reverse("portal:alert", args=[sent_alert.pk])).content.decode()
    )


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_the_test_report_exports(staff_client, centres, staff, export, django_capture_on_commit_callbacks):
    alert = factories.alert(staff, is_test=True, title_en="=1+1")
    services.send_alert(alert)

    response = staff_client.get(reverse("portal:alert_tests") + f"?format={export}")

    assert response.status_code == 200
    if export == "csv":
        assert response.content.decode().splitlines()[0].startswith("Country,'=1+1 (")


def test_the_board_and_the_list_take_the_same_queries_for_three_or_thirty_countries(
    staff_client, staff, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for code in ("BE", "FR", "DE"):
        factories.alert_centre(code)
    alert = factories.alert(staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_alert(alert)
    staff_client.get(reverse("portal:alerts"))  # the first page after signing in also saves the session
    with django_assert_max_num_queries(12):
        assert staff_client.get(reverse("portal:alert", args=[alert.pk])).status_code == 200
    for code in [c for c in factories.PREFERRED_CODES if c not in ("BE", "FR", "DE")][:27]:
        factories.alert_centre(code)
    many = factories.alert(staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_alert(many)
    with django_assert_max_num_queries(12):
        assert staff_client.get(reverse("portal:alert", args=[many.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert staff_client.get(reverse("portal:alerts")).status_code == 200
