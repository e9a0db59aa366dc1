"""Alerts to the 24/7 contact points, in one process: who receives an alert and in which language, the signed
acknowledgement link, the escalation steps (time frozen), the calls, and bad input that changes nothing."""

from __future__ import annotations

import datetime
import re
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from alerts import links, services
from alerts.enums import AlertStatus, CallOutcome, Step
from alerts.models import Alert, AlertCountry, AlertRecipient
from meetings import links as meeting_links
from outbox.models import MessageKind, MessageStatus, OutgoingMessage
from tests import factories

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)


def sent(alert, capture) -> int:
    with capture(execute=True):
        return services.send_alert(alert)


def addresses(step: int | None = None) -> set[str]:
    rows = AlertRecipient.objects.all() if step is None else AlertRecipient.objects.filter(step=step)
    return {r.address for r in rows}


def test_an_alert_goes_to_every_member_centres_mailbox_and_contact_points_urgently(
    sink, centres, staff, django_capture_on_commit_callbacks
):
    alert = factories.alert(staff, title_fr="Panne d'électricité", body_fr="Une panne touche plusieurs pays.")

    assert sent(alert, django_capture_on_commit_callbacks) == 6

    assert addresses() == {
        "24-7@be.example",
        "cp@be.example",
        "24-7@fr.example",
        "cp@fr.example",
        "24-7@de.example",
        "cp@de.example",
    }
    assert sorted(AlertCountry.objects.values_list("country__code", flat=True)) == ["BE", "DE", "FR"]
    rows = OutgoingMessage.objects.filter(kind=MessageKind.ALERT)
    assert rows.count() == 6 and set(rows.values_list("urgent", flat=True)) == {True}
    assert set(rows.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert {m.message["To"] for m in sink.messages} == addresses()
    # Each contact point reads it in their language: the French text where it was translated, the others as written
    # (English); the 24/7 mailbox in the sender's language.
    by_to = {m.message["To"]: m.message for m in sink.messages}
    assert "Panne d'électricité" in by_to["cp@fr.example"]["Subject"]
    assert "Power outage across the region" in by_to["cp@de.example"]["Subject"]
    assert [by_to[a]["Content-Language"] for a in ("cp@fr.example", "cp@de.example", "24-7@fr.example")] == [
        "fr",
        "de",
        "en",
    ]
    alert.refresh_from_db()
    assert (alert.status, alert.sent_at is not None) == (AlertStatus.SENT, True)
    # Every recipient row knows its outbox row: the board reads "delivered" from it.
    rows_on_board = services.board(alert)
    assert [(r.target.country.code, r.sent, r.delivered) for r in rows_on_board] == [
        ("BE", 2, 2),
        ("DE", 2, 2),
        ("FR", 2, 2),
    ]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"body_en": "  "}, "body_en"),
        ({"title_en": ""}, "title_en"),
        ({"acknowledge_by": datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)}, "acknowledge_by"),
        ({"escalation_minutes": 0}, "escalation_minutes"),
    ],
)
def test_an_alert_with_no_text_or_a_past_deadline_is_refused_and_nothing_changes(centres, staff, change, field):
    alert = factories.alert(staff, **change)

    with pytest.raises(ValidationError) as error:
        services.send_alert(alert)

    assert field in error.value.message_dict
    alert.refresh_from_db()
    assert alert.status == AlertStatus.DRAFT
    assert (AlertCountry.objects.count(), AlertRecipient.objects.count(), OutgoingMessage.objects.count()) == (0, 0, 0)


def test_an_alert_is_sent_once(centres, staff, django_capture_on_commit_callbacks):
    alert = factories.alert(staff)
    sent(alert, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        services.send_alert(alert)
    assert OutgoingMessage.objects.count() == 6


# --- The one-click link ----------------------------------------------------------------------------------------------


def mailed_link(message) -> str:
    """The acknowledgement link in a mailed alert's text, without the site."""
    text = message.get_body(("plain",)).get_content()
    (url,) = re.findall(r"https://dg\.example\.org(/alert/[^/\s]+/)", text)
    return url


def link_of(address: str) -> str:
    recipient = AlertRecipient.objects.get(address=address)
    return links.acknowledge_url(recipient).removeprefix("https://dg.example.org")


def test_opening_the_mailed_link_changes_nothing_and_its_post_acknowledges(
    sink, centres, staff, client, django_capture_on_commit_callbacks
):
    alert = factories.alert(staff)
    sent(alert, django_capture_on_commit_callbacks)
    mailed = next(m for m in sink.messages if m.message["To"] == "cp@fr.example")
    url = mailed_link(mailed.message)

    page = client.get(url)
    assert page.status_code == 200 and page["Content-Language"] == "fr"
    assert 'id="acknowledge-form"' in page.content.decode()
    assert AlertCountry.objects.get(country__code="FR").acknowledged_at is None

    alert.refresh_from_db()
    with time_machine.travel(alert.sent_at + datetime.timedelta(minutes=3), tick=False):
        done = client.post(url)
    assert done.status_code == 200
    row = AlertCountry.objects.get(country__code="FR")
    assert (row.acknowledged_by, row.acknowledged_via) == ("Alex Cp", "link")
    assert row.acknowledged_at == alert.sent_at + datetime.timedelta(minutes=3)
    # A second acknowledgement (the mailbox's) changes nothing.
    client.post(link_of("24-7@fr.example"))
    assert AlertCountry.objects.get(country__code="FR").acknowledged_by == "Alex Cp"


@pytest.mark.parametrize("kind", ["tampered", "foreign"])
def test_a_tampered_or_foreign_link_is_refused_and_nothing_changes(
    centres, staff, client, django_capture_on_commit_callbacks, kind
):
    alert = factories.alert(staff)
    sent(alert, django_capture_on_commit_callbacks)
    if kind == "tampered":
        token = links.token_for(AlertRecipient.objects.get(address="cp@be.example"))
        token = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    else:  # a meeting's answer link signed by the same site, for another purpose
        invitation = factories.invitation(factories.meeting(), factories.director(factories.country("BE")))
        token = meeting_links.token_for(invitation)

    response = client.post(f"/alert/{token}/")

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert AlertCountry.objects.filter(acknowledged_at__isnull=False).count() == 0


def test_an_acknowledgement_after_the_alert_was_closed_is_refused(
    centres, staff, client, django_capture_on_commit_callbacks
):
    alert = factories.alert(staff)
    sent(alert, django_capture_on_commit_callbacks)
    assert services.close(alert)

    response = client.post(link_of("cp@de.example"))

    assert response.status_code == 410
    assert response["Content-Language"] == "de"
    assert AlertCountry.objects.filter(acknowledged_at__isnull=False).count() == 0
    with pytest.raises(services.Closed):
        services.acknowledge(AlertCountry.objects.get(country__code="DE"), by="x", via="portal")


# --- Escalation ------------------------------------------------------------------------------------------------------


def test_a_country_that_does_not_acknowledge_is_escalated_step_by_step_and_then_called(
    centres, staff, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False):
        alert = factories.alert(staff, acknowledge_by=T0 + datetime.timedelta(hours=2))
        sent(alert, django_capture_on_commit_callbacks)
    with time_machine.travel(T0 + datetime.timedelta(minutes=5), tick=False):
        services.acknowledge(AlertCountry.objects.get(country__code="BE"), by="Alex Cp", via="portal")

    def at(minutes: int) -> int:
        moment = T0 + datetime.timedelta(minutes=minutes)
        with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
            return services.escalate()

    assert at(14) == 0
    assert at(15) == 2  # France and Germany; Belgium acknowledged
    assert addresses(Step.AGAIN) == {
        "24-7@fr.example",
        "cp@fr.example",
        "deputy@fr.example",
        "24-7@de.example",
        "cp@de.example",
        "deputy@de.example",
    }
    assert at(16) == 0
    assert at(30) == 2
    assert {a for a in addresses(Step.DIRECTOR) if a.startswith("dg@")} == {"dg@fr.example", "dg@de.example"}
    assert at(45) == 2
    assert at(120) == 0  # the last step: call
    steps = dict(AlertCountry.objects.values_list("country__code", "step"))
    assert steps == {"BE": Step.FIRST, "DE": Step.CALL, "FR": Step.CALL}
    board = {r.target.country.code: r for r in services.board(alert, now=T0 + datetime.timedelta(minutes=50))}
    assert (board["FR"].phone, board["BE"].phone) == ("+32 2 500 00 00", "")
    assert (board["FR"].elapsed_text, board["BE"].elapsed_text) == ("0:50:00", "0:05:00")
    # Each message once: 6 first, 6 again, 8 to the director-generals' step.
    assert OutgoingMessage.objects.filter(kind=MessageKind.ALERT).count() == 6 + 6 + 8

    services.record_call(AlertCountry.objects.get(country__code="FR"), outcome=CallOutcome.REACHED, note="Duty officer")
    assert AlertCountry.objects.get(country__code="FR").call_outcome == CallOutcome.REACHED


def test_a_closed_alert_no_longer_escalates(centres, staff, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False):
        alert = factories.alert(staff, acknowledge_by=T0 + datetime.timedelta(hours=2))
        sent(alert, django_capture_on_commit_callbacks)
        services.close(alert)
    with time_machine.travel(T0 + datetime.timedelta(hours=1), tick=False):
        assert services.escalate() == 0


@pytest.mark.django_db(transaction=True)
def test_an_escalation_step_happens_once_with_two_schedulers_running(centres, staff):
    with time_machine.travel(T0, tick=False):
        alert = factories.alert(staff, acknowledge_by=T0 + datetime.timedelta(hours=2))
        services.send_alert(alert)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def scheduler():
        try:
            barrier.wait()
            results.append(services.escalate(now=T0 + datetime.timedelta(minutes=15)))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(results) == 3
    assert set(AlertCountry.objects.values_list("step", flat=True)) == {Step.AGAIN}
    assert AlertRecipient.objects.filter(step=Step.AGAIN).count() == 9
    assert OutgoingMessage.objects.filter(kind=MessageKind.ALERT).count() == 6 + 9


# --- Test alerts' report ---------------------------------------------------------------------------------------------


def test_the_test_report_gives_each_countrys_seconds_to_acknowledge_over_time(
    centres, staff, django_capture_on_commit_callbacks
):
    for day, seconds in ((1, 90), (8, 40)):
        start = T0 + datetime.timedelta(days=day)
        with time_machine.travel(start, tick=False):
            alert = factories.alert(staff, is_test=True, title_en='=HYPERLINK("x")')
            sent(alert, django_capture_on_commit_callbacks)
        with time_machine.travel(start + datetime.timedelta(seconds=seconds), tick=False):
            services.acknowledge(AlertCountry.objects.get(alert=alert, country__code="FR"), by="x", via="link")
    factories.alert(staff, is_test=False)  # a real alert (a draft) is not in the report

    alerts, rows = services.test_report()

    assert len(alerts) == 2
    assert [(c.code, s) for c, s in rows] == [("BE", [None, None]), ("DE", [None, None]), ("FR", [90, 40])]
    data = services.test_report_dataset()
    assert data.headers[1] == '\'=HYPERLINK("x") (2027-03-02 10:00)'
    assert data.dict[2]["Country"] == "Country FR"


# --- Demo ------------------------------------------------------------------------------------------------------------


def test_the_demo_has_two_closed_test_alerts_and_an_open_alert_that_sends_no_mail(monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DEMO_PASSWORD", "correct horse battery staple")
    call_command("load_demo", stdout=__import__("io").StringIO())
    call_command("load_demo", stdout=__import__("io").StringIO())  # twice: nothing more

    assert Alert.objects.filter(is_test=True, status=AlertStatus.CLOSED).count() == 2
    live = Alert.objects.get(status=AlertStatus.SENT)
    rows = services.board(live)
    assert len(rows) >= 20
    assert {r.delivered == r.sent for r in rows} == {True}
    assert any(r.target.acknowledged_at for r in rows) and any(r.phone for r in rows)
    assert not OutgoingMessage.objects.filter(kind=MessageKind.ALERT).exclude(status=MessageStatus.SENT).exists()
    assert services.escalate() == 0  # the late centres are at the calling step: no mail
    alerts, report = services.test_report()
    assert len(alerts) == 2 and any(seconds[0] for _country, seconds in report)
