"""An alert acknowledged from the link in the mailed message, in headless Chromium against a live server: the mail
really went through the outbox to an SMTP server; opening the link changes nothing; the button acknowledges."""

import re

import pytest

from alerts import services
from alerts.models import AlertCountry
from tests import factories, smtp

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

smtp_sink = smtp.smtp_sink  # the fixture, made visible to this module


def test_a_contact_point_acknowledges_an_alert_from_the_mailed_link(live_server, page, smtp_sink, settings):
    smtp_sink.configure(settings)
    settings.SITE_URL = live_server.url
    factories.alert_centre("IE")
    factories.alert_centre("DE", language="de")
    alert = factories.alert(factories.staff_user(), title_en="Cyber attack on a power grid")
    services.send_alert(alert)  # committed: the hand-over runs, Celery eagerly, to the SMTP server
    smtp_sink.wait_for(4, timeout=15)

    (mailed,) = [r.message for r in smtp_sink.messages if r.message["To"] == "cp@ie.example"]
    text = mailed.get_body(("plain",)).get_content()
    (link,) = re.findall(re.escape(live_server.url) + r"/alert/[^/\s]+/", text)

    page.goto(link)
    assert "Cyber attack on a power grid" in page.inner_text("main")
    assert AlertCountry.objects.get(country__code="IE").acknowledged_at is None  # opening the link changed nothing
    page.locator("#acknowledge-form button[type=submit]").click()
    page.wait_for_load_state()

    row = AlertCountry.objects.get(country__code="IE")
    assert (row.acknowledged_by, row.acknowledged_via) == ("Alex Cp", "link")
    assert AlertCountry.objects.get(country__code="DE").acknowledged_at is None
    assert page.locator("#acknowledge-form").count() == 0
