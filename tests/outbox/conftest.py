"""The outbox's worker in one process: rows made by sending a meeting's invitations, sent to a real SMTP server.

Celery runs eagerly here (the test settings); the hand-over after commit is run with
``django_capture_on_commit_callbacks(execute=True)``. The real worker is exercised in
``tests/outbox/test_delivery_integration.py``.
"""

import pytest
import time_machine

from tests import smtp
from tests.meetings.mail.messages import SITE, T0

smtp_sink = smtp.smtp_sink  # the fixture, made visible to these modules


@pytest.fixture(autouse=True)
def before_the_meeting():
    """Every test starts on 1 March 2027, before the meetings it makes (spring 2027)."""
    with time_machine.travel(T0, tick=True):
        yield


@pytest.fixture
def sink(smtp_sink, settings):
    """The SMTP server the app sends to, with the timings these tests assume."""
    smtp_sink.configure(settings)
    settings.SITE_URL = SITE
    settings.MAIL_RETRY_SECONDS = 30
    settings.OUTBOX_STALE_SECONDS = 300
    return smtp_sink
