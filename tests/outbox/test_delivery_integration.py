"""Outgoing mail through the real parts: Redis, a Celery worker in its own process, PostgreSQL and an SMTP server,
while those parts fail: the SMTP server refuses for a while, Redis is down when the secretariat sends, a worker is
killed in the middle of a batch. Nothing may be lost, and nothing sent twice beyond the one message a killed
worker may have had in flight.

The worker is another process, so these tests commit (``transactional_db``) and this process publishes to Redis
instead of running tasks eagerly.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import shutil
import signal
import time

import kombu.pools
import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from meetings import services
from meetings.models import SeatAllowance
from outbox import services as outbox
from outbox.models import MessageKind, MessageStatus, OutgoingMessage
from tests import factories, smtp
from tests.helpers import (
    PgBouncer,
    base_env,
    celery_worker,
    database_url,
    database_url_through,
    free_port,
    private_redis,
    unavailable,
    wait_until,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

smtp_sink = smtp.smtp_sink  # the fixture, made visible to this module


@contextlib.contextmanager
def publishing_to(url: str):
    """Make this process hand tasks to Redis at ``url`` instead of running them eagerly (the Celery app read the
    test settings when it was imported, so its configuration is changed directly and restored after)."""
    from network.celery import app

    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}

    def drop_pools():
        # kombu keeps its connection pools globally, by broker URL: close and forget them all.
        kombu.pools.reset()
        app._pool = None
        if "amqp" in app.__dict__:
            app.amqp._producer_pool = None

    drop_pools()
    app.conf.update(broker_url=url, task_always_eager=False)
    try:
        yield app
    finally:
        drop_pools()
        app.conf.update(saved)


@pytest.fixture
def app_settings(settings, smtp_sink):
    """This process's side: the sweeper's timings match the worker's."""
    smtp_sink.configure(settings)
    settings.SITE_URL = "http://testserver"
    settings.MAIL_RETRY_SECONDS = 1
    settings.OUTBOX_STALE_SECONDS = 3
    return settings


@pytest.fixture(params=["direct", "pgbouncer"])
def database_route(request):
    """How the worker reaches PostgreSQL: directly, or through a PgBouncer in transaction pooling (a server session
    lent for one transaction at a time: nothing may rely on a session, such as a prepared statement). Yields the
    worker's database variables and the PgBouncer (None when direct)."""
    if request.param == "direct":
        yield {"DATABASE_URL": database_url(connection.settings_dict)}, None
        return
    with PgBouncer(pool_mode="transaction") as bouncer:
        url = database_url_through(bouncer, connection.settings_dict)
        yield {"DATABASE_URL": url, "DATABASE_POOLING": "transaction"}, bouncer


def went_through(bouncer: PgBouncer | None) -> bool:
    """The worker's database sessions went through ``bouncer`` (if any)."""
    return bouncer is None or f"db={connection.settings_dict['NAME']}" in bouncer.log()


def worker_env(redis_url: str, sink: smtp.SmtpSink, tmp_path, database: dict[str, str] | None = None) -> dict[str, str]:
    return base_env(
        **(database or {"DATABASE_URL": database_url(connection.settings_dict)}),
        REDIS_URL=redis_url,
        MAIL_RETRY_SECONDS="1",
        OUTBOX_STALE_SECONDS="3",
        DG_VAR_DIR=str(tmp_path),
        SITE_URL="http://testserver",
        **sink.env(),
    )


def meeting_with(n: int):
    meeting = factories.meeting()
    country = factories.country("BE")
    SeatAllowance.objects.create(meeting=meeting, country=country, seats=n)
    people = [factories.director(country, email=f"dg{i:03}@crisis.example") for i in range(n)]
    for person in people:
        factories.invitation(meeting, person)
    return meeting


def rows():
    return OutgoingMessage.objects.filter(kind=MessageKind.INVITATION)


def all_sent(n: int) -> bool:
    return rows().filter(status=MessageStatus.SENT).count() == n


def test_smtp_server_refusing_in_the_middle_of_a_sending_delays_but_loses_and_doubles_nothing(
    redis_url, smtp_sink, app_settings, tmp_path, database_route
):
    database, bouncer = database_route
    meeting = meeting_with(30)
    smtp_sink.refuse_after(10, 421, "Service not available")
    env = worker_env(redis_url, smtp_sink, tmp_path, database)

    with publishing_to(redis_url), celery_worker(env, tmp_path / "w.log"):
        assert services.send_invitations(meeting) == 30
        # Every message after the tenth is refused, and refused again on its first retry: the server is away for
        # a while, not a moment.
        wait_until(lambda: smtp_sink.refused >= 30, timeout=30, what="the SMTP server to refuse retries too")
        assert smtp_sink.count == 10
        assert rows().filter(status=MessageStatus.SENT).count() == 10
        smtp_sink.accept()
        smtp_sink.wait_for(30, timeout=40)
        wait_until(lambda: all_sent(30), timeout=20, what="every row to be marked sent")

    assert smtp_sink.count == 30
    assert smtp_sink.message_ids() == {m: 1 for m in rows().values_list("message_id", flat=True)}
    assert rows().filter(attempts=1).count() == 10  # the ten before the refusal
    assert rows().filter(attempts__gte=3).exists()  # refused at least twice, then sent
    assert not rows().exclude(status=MessageStatus.SENT).exists()
    assert went_through(bouncer)


def test_invitations_sent_while_redis_is_down_go_out_once_it_is_back(
    smtp_sink, app_settings, tmp_path, monkeypatch, caplog
):
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    meeting = meeting_with(10)
    monkeypatch.setattr(services, "INVITATIONS_PER_TRANSACTION", 4)  # three batches, three hand-overs
    with private_redis(port, tmp_path):
        pass  # it runs, then stops: Redis is down when the secretariat sends

    with publishing_to(url):
        assert services.send_invitations(meeting) == 10  # the secretariat's action succeeds
        # The broker is tried once: the later batches leave their rows to the sweeper without waiting on it.
        refusals = [r for r in caplog.records if r.getMessage().startswith("Could not hand messages")]
        assert len(refusals) == 1

        assert set(rows().values_list("status", "attempts")) == {(MessageStatus.QUEUED, 0)}
        assert rows().count() == 10
        with private_redis(port, tmp_path), celery_worker(worker_env(url, smtp_sink, tmp_path), tmp_path / "w.log"):
            # The sweeper hands over rows that never reached a worker once they are a few seconds old.
            with time_machine.travel(timezone.now() + datetime.timedelta(seconds=6), tick=True):
                assert outbox.sweep() == {"stuck": 0, "handed": 10, "waiting": 0}
            smtp_sink.wait_for(10, timeout=30)
            wait_until(lambda: all_sent(10), timeout=20, what="every row to be marked sent")
            assert outbox.sweep() == {"stuck": 0, "handed": 0, "waiting": 0}

    assert smtp_sink.count == 10
    assert smtp_sink.message_ids() == {m: 1 for m in rows().values_list("message_id", flat=True)}
    assert set(rows().values_list("attempts", flat=True)) == {1}


def test_a_worker_killed_in_the_middle_of_a_sending_loses_nothing(
    redis_url, smtp_sink, app_settings, tmp_path, database_route
):
    database, bouncer = database_route
    meeting = meeting_with(50)
    smtp_sink.delay = 0.2  # a slow relay: the worker spends its time waiting on SMTP
    env = worker_env(redis_url, smtp_sink, tmp_path, database)

    with publishing_to(redis_url):
        # One message in flight at a time, so at most one can have reached the server unrecorded when it dies.
        with celery_worker(env, tmp_path / "w1.log", concurrency=1, name="w1") as first:
            assert services.send_invitations(meeting) == 50
            # Kill it after ten messages, while the server holds the eleventh but has not confirmed it yet (the
            # relay takes 0.2 s to answer each DATA): the worker dies not knowing that one was delivered.
            wait_until(
                lambda: smtp_sink.count >= 11 and smtp_sink.receiving == 1,
                timeout=30,
                interval=0.01,
                what="ten messages confirmed and the next one received",
            )
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        (in_flight,) = rows().filter(status=MessageStatus.SENDING)
        assert rows().filter(status=MessageStatus.SENT).count() == smtp_sink.count - 1 < 49

        with celery_worker(env, tmp_path / "w2.log", concurrency=2, name="w2"):
            wait_until(
                lambda: outbox.sweep() is not None and all_sent(50),
                timeout=45,
                interval=1.0,
                what="the second worker and the sweeper to send everything",
            )

    # Every invitation arrived; only the one the killed worker had in flight arrived twice (delivery is at least
    # once: the worker could not record a send the server had not confirmed).
    expected = dict.fromkeys(rows().values_list("message_id", flat=True), 1)
    expected[in_flight.message_id] = 2
    assert smtp_sink.message_ids() == expected
    assert smtp_sink.count == 51
    in_flight.refresh_from_db()
    assert (in_flight.status, in_flight.attempts) == (MessageStatus.SENT, 2)
    assert in_flight.last_error == "Left in flight (worker stopped?); re-queued."
    assert went_through(bouncer)


def sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_a_worker_keeps_its_database_connection_from_one_task_to_the_next(redis_url, smtp_sink, app_settings, tmp_path):
    """Celery's Django fixup would open a PostgreSQL session for every task; the worker keeps one (as the web
    processes do, within CONN_MAX_AGE)."""
    meeting = meeting_with(20)
    before = sessions()
    with publishing_to(redis_url), celery_worker(worker_env(redis_url, smtp_sink, tmp_path), tmp_path / "w.log", 1):
        assert services.send_invitations(meeting) == 20  # two tasks of ten messages
        wait_until(lambda: all_sent(20), timeout=30, what="every invitation to be sent")
        time.sleep(1.5)  # a session is counted when its backend reports its statistics
        opened = sessions() - before
    assert smtp_sink.count == 20
    assert opened <= 3, f"{opened} database sessions for twenty tasks"
