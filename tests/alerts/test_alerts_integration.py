"""Alerts through the real parts: Redis, a Celery worker in its own process, PostgreSQL and an SMTP server. An alert
goes ahead of mail already queued, goes out when Redis was down when it was sent (the sweeper), and loses nothing
when a worker is killed in the middle of it.

The worker is another process, so these tests commit (``transactional_db``) and this process publishes to Redis."""

from __future__ import annotations

import datetime
import os
import shutil
import signal

import pytest
import time_machine
from django.utils import timezone

from alerts import services
from meetings import services as meetings
from network.tasks import run_alerts
from outbox.models import MessageKind, MessageStatus, OutgoingMessage
from outbox.tasks import MESSAGES_PER_TASK
from tests import factories
from tests.helpers import celery_worker, free_port, private_redis, unavailable, wait_until
from tests.outbox.test_delivery_integration import (
    meeting_with,
    publishing_to,
    worker_env,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def alert_rows():
    return OutgoingMessage.objects.filter(kind=MessageKind.ALERT)


def centres(n: int) -> None:
    for code in [c for c in factories.PREFERRED_CODES if c != "BE"][:n]:
        factories.alert_centre(code)


def test_an_alert_goes_out_ahead_of_the_mail_already_queued(redis_url, smtp_sink, app_settings, tmp_path):
    meeting = meeting_with(60)
    centres(5)  # ten alert messages: each centre's mailbox and contact point
    alert = factories.alert(factories.staff_user())
    smtp_sink.delay = 0.05
    env = worker_env(redis_url, smtp_sink, tmp_path)

    with publishing_to(redis_url), celery_worker(env, tmp_path / "w.log", concurrency=1):
        assert meetings.send_invitations(meeting) == 60
        wait_until(lambda: smtp_sink.count >= 5, timeout=30, what="the invitations to start going out")
        services.send_alert(alert)
        before = smtp_sink.count
        wait_until(lambda: alert_rows().filter(status=MessageStatus.SENT).count() == 10, timeout=30, what="the alert")
        invitations_meanwhile = smtp_sink.count - before - 10
        smtp_sink.wait_for(70, timeout=60)

    # The worker finished at most the task it was sending and the one it had reserved when the alert came (each up to
    # MESSAGES_PER_TASK invitations): the alert's ten went out before the invitations still queued.
    ahead = 2 * MESSAGES_PER_TASK
    assert invitations_meanwhile <= ahead
    order = [r.message["To"] for r in smtp_sink.messages]
    last_alert = max(i for i, to in enumerate(order) if not to.startswith("dg"))
    assert last_alert < before + 10 + ahead < 70  # and well before the last invitation


def test_a_worker_killed_during_an_alert_loses_nothing(redis_url, smtp_sink, app_settings, tmp_path):
    centres(20)  # forty messages
    alert = factories.alert(factories.staff_user())
    smtp_sink.delay = 0.2  # a slow relay: the worker spends its time waiting on SMTP
    env = worker_env(redis_url, smtp_sink, tmp_path)

    with publishing_to(redis_url):
        with celery_worker(env, tmp_path / "w1.log", concurrency=1, name="w1") as first:
            assert services.send_alert(alert) == 40
            wait_until(
                lambda: smtp_sink.count >= 11 and smtp_sink.receiving == 1,
                timeout=30,
                interval=0.01,
                what="ten messages confirmed and the next one received",
            )
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        (in_flight,) = alert_rows().filter(status=MessageStatus.SENDING)

        with celery_worker(env, tmp_path / "w2.log", concurrency=2, name="w2"):
            wait_until(
                lambda: run_alerts() is not None and alert_rows().filter(status=MessageStatus.SENT).count() == 40,
                timeout=45,
                interval=1.0,
                what="the second worker and the alerts' job to send everything",
            )

    expected = dict.fromkeys(alert_rows().values_list("message_id", flat=True), 1)
    expected[in_flight.message_id] = 2
    assert smtp_sink.message_ids() == expected
    # The board reads every country as delivered.
    assert {(row.sent, row.delivered) for row in services.board(alert)} == {(2, 2)}


def test_an_alert_sent_while_redis_is_down_goes_out_by_the_alerts_job(smtp_sink, app_settings, tmp_path):
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    app_settings.OUTBOX_URGENT_STALE_SECONDS = 3  # ordinary mail waits OUTBOX_STALE_SECONDS (300 s in production)
    app_settings.OUTBOX_STALE_SECONDS = 300
    centres(3)
    alert = factories.alert(factories.staff_user())
    with private_redis(port, tmp_path):
        pass  # it runs, then stops: Redis is down when the secretariat sends

    with publishing_to(url):
        assert services.send_alert(alert) == 6  # the secretariat's action succeeds
        assert set(alert_rows().values_list("status", flat=True)) == {MessageStatus.QUEUED}
        with private_redis(port, tmp_path), celery_worker(worker_env(url, smtp_sink, tmp_path), tmp_path / "w.log"):
            # The job (every 30 s) hands urgent rows over once they are OUTBOX_URGENT_STALE_SECONDS old (3 s here).
            with time_machine.travel(timezone.now() + datetime.timedelta(seconds=4), tick=True):
                assert run_alerts()["handed"] == 6
            smtp_sink.wait_for(6, timeout=30)
            wait_until(lambda: alert_rows().filter(status=MessageStatus.SENT).count() == 6, timeout=20, what="sent")

    assert smtp_sink.message_ids() == {m: 1 for m in alert_rows().values_list("message_id", flat=True)}
