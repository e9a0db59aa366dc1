"""Alerts in one process: Celery runs eagerly (the test settings), the hand-over after commit is run with
``django_capture_on_commit_callbacks(execute=True)`` and the messages reach a real SMTP server (aiosmtpd)."""

import pytest

from tests import factories, smtp
from tests.outbox.test_delivery_integration import app_settings  # noqa: E402, F401 - the real stack's fixture

smtp_sink = smtp.smtp_sink  # the fixture, made visible to these modules

SITE = "https://dg.example.org"


@pytest.fixture
def sink(smtp_sink, settings):
    smtp_sink.configure(settings)
    settings.SITE_URL = SITE
    return smtp_sink


@pytest.fixture
def centres(db):
    """Three member centres (Belgium in Dutch, France in French, Germany in German), an observer country's centre
    that is never alerted, and a former member's."""
    from members.enums import Participation

    made = {
        "BE": factories.alert_centre("BE", language="nl"),
        "FR": factories.alert_centre("FR", language="fr"),
        "DE": factories.alert_centre("DE", language="de"),
    }
    factories.alert_centre("CH").country.__class__.objects.filter(code="CH").update(
        participation=Participation.OBSERVER
    )
    factories.alert_centre("NO").country.__class__.objects.filter(code="NO").update(participation=Participation.FORMER)
    return made
