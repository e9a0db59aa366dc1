"""Outgoing mail benchmark: N invitations through the whole pipeline, against the same N messages sent by a plain
smtplib loop over one connection.

    .venv/bin/python bench/delivery.py [N]        (N = 1000 by default)

The pipeline is the real one: ``services.send_invitations`` composes every message in its recipient's language and
writes the outbox rows in PostgreSQL, 250 invitations to a transaction, each batch handed to Redis as it commits; a
Celery worker (four processes, as in docker-compose) claims, writes, sends and records each row. It is timed from
the call until the SMTP server has received N messages, after a warm-up send of a smaller meeting through the same
worker (a running site's steady state). The plain loop sends the same messages, their bytes and envelopes built
beforehand from the outbox rows (the bytes the workers send), with smtplib over a single connection: the floor of
what any sender could do against this server.

Everything stays on 127.0.0.1: a scratch database ``dgnetwork_bench`` (created, migrated, dropped), Redis database
13 (emptied before and after), an aiosmtpd server in a process of its own that only counts. Every wait has a
deadline, so the benchmark always ends. Prints a table and writes bench/results/delivery.json.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import platform
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"
ADMIN_URL = f"postgres://postgres@{HOST}:5432/postgres"
DB_NAME = "dgnetwork_bench"
DB_URL = f"postgres://postgres@{HOST}:5432/{DB_NAME}"
REDIS_URL = f"redis://{HOST}:6379/13"
CONCURRENCY = 4


# --- Scratch database ---------------------------------------------------------------------------------------------


def _admin(sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(ADMIN_URL, connect_timeout=5)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def create_database(env: dict[str, str]) -> None:
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DB_NAME}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=300,
    )


def drop_database() -> None:
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


# --- The SMTP server, in a process of its own so that it does not share this process's interpreter lock ----------


def _serve(port: int, count, ready, stop) -> None:
    from tests.smtp import SmtpSink

    with SmtpSink(port=port, parse=False) as sink:
        ready.set()
        while not stop.is_set():
            count.value = sink.count
            time.sleep(0.002)
        count.value = sink.count


class Server:
    def __init__(self):
        from tests.helpers import free_port

        context = multiprocessing.get_context("spawn")
        self.port = free_port()
        self.count = context.Value("q", 0, lock=False)
        self._ready, self._stop = context.Event(), context.Event()
        self._process = context.Process(
            target=_serve, args=(self.port, self.count, self._ready, self._stop), daemon=True
        )

    def __enter__(self) -> Server:
        self._process.start()
        if not self._ready.wait(30):
            self._process.kill()
            raise RuntimeError("the SMTP server did not start")
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()

    def wait_for(self, n: int, timeout: float) -> float:
        """Wait until ``n`` messages arrived; returns the moment (perf_counter) they had."""
        deadline = time.monotonic() + timeout
        while self.count.value < n:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the SMTP server got {self.count.value} messages of {n} in {timeout:.0f} s")
            time.sleep(0.001)
        return time.perf_counter()


# --- The network ----------------------------------------------------------------------------------------------------


def make_meeting(n: int):
    """A meeting with ``n`` invitations not sent yet: directors-general of ``n`` crisis centres in 25 countries
    (each country with enough seats), each with a language of the four."""
    import datetime

    from django.utils import timezone

    from meetings.models import Invitation, Meeting, SeatAllowance
    from members.enums import OrganisationKind, Role
    from members.models import Country, Mandate, Organisation, Person
    from tests.factories import PREFERRED_CODES

    codes = PREFERRED_CODES[:25]
    countries = Country.objects.bulk_create(Country(code=c, name_en=f"Country {c}") for c in codes)
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=60)
    meeting = Meeting.objects.create(
        title_en="Benchmark meeting",
        title_fr="Réunion d'essai",
        title_nl="Testvergadering",
        title_de="Testsitzung",
        format="in_person",
        venue_name="National Crisis Centre",
        venue_city="Brussels",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=7),
    )
    SeatAllowance.objects.bulk_create(SeatAllowance(meeting=meeting, country=c, seats=n) for c in countries)
    organisations = Organisation.objects.bulk_create(
        Organisation(
            country=countries[i % len(countries)],
            kind=OrganisationKind.CRISIS_CENTRE,
            name_en=f"Crisis Centre {i}",
            acronym_en=f"CC{i}",
        )
        for i in range(n)
    )
    people = Person.objects.bulk_create(
        Person(
            organisation=organisation,
            first_name="Director",
            last_name=f"General {i}",
            email=f"dg{i}@crisis-centre-{i}.example",
            preferred_language=("en", "fr", "nl", "de")[i % 4],
        )
        for i, organisation in enumerate(organisations)
    )
    Mandate.objects.bulk_create(
        Mandate(person=p, organisation=p.organisation, role=Role.DIRECTOR_GENERAL, start_date=datetime.date(2020, 1, 1))
        for p in people
    )
    Invitation.objects.bulk_create(
        Invitation(meeting=meeting, person=p, capacity="member", country=p.organisation.country) for p in people
    )
    return meeting


# --- The two measurements ---------------------------------------------------------------------------------------


def wait_for_worker(app, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return
    raise RuntimeError("the Celery worker did not answer in time")


def pipeline(n: int, server: Server, env: dict[str, str], var_dir: Path) -> dict:
    from meetings import services
    from meetings.models import MessageStatus, OutgoingMessage
    from network.celery import app
    from tests.helpers import celery_worker

    meeting = make_meeting(n)
    with celery_worker(env, var_dir / "worker.log", concurrency=CONCURRENCY, name="bench"):
        wait_for_worker(app)
        warm_up(meeting, server)
        before = server.count.value
        started = time.perf_counter()
        sent = services.send_invitations(meeting)  # commits; the hand-over to Redis runs after the commit
        handed_over = time.perf_counter()
        done = server.wait_for(before + n, timeout=120 + n * 0.5)
        deadline = time.monotonic() + 60
        while OutgoingMessage.objects.filter(meeting=meeting, status=MessageStatus.SENT).count() < n:
            if time.monotonic() > deadline:
                raise RuntimeError("the outbox rows were not all marked sent")
            time.sleep(0.05)
    assert sent == n, sent
    received = server.count.value - before
    assert received == n, f"the server received {received} messages for {n} invitations"
    return {
        "seconds": done - started,
        "compose_store_hand_over_seconds": handed_over - started,
        "messages_per_second": n / (done - started),
    }


def warm_up(meeting, server: Server, size: int = 2 * CONCURRENCY * 20) -> None:
    """Send a small meeting's invitations through the same pipeline first, so that what is timed is the steady
    state of a running site (URLs resolved, templates compiled, Celery's modules loaded and every worker process
    connected), not the first minute of a new one."""
    from meetings import services
    from meetings.models import Invitation, Meeting, SeatAllowance

    warm = Meeting.objects.create(
        title_en="Warm-up meeting",
        format=meeting.format,
        venue_name=meeting.venue_name,
        venue_city=meeting.venue_city,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
    )
    SeatAllowance.objects.bulk_create(
        SeatAllowance(meeting=warm, country_id=a.country_id, seats=a.seats) for a in meeting.seat_allowances.all()
    )
    people = [i.person for i in meeting.invitations.select_related("person__organisation")[:size]]
    Invitation.objects.bulk_create(
        Invitation(meeting=warm, person=p, capacity="member", country_id=p.organisation.country_id) for p in people
    )
    before = server.count.value
    services.send_invitations(warm)
    server.wait_for(before + len(people), timeout=120)


def plain_loop(n: int, server: Server, meeting_title: str = "Benchmark meeting") -> dict:
    from django.conf import settings

    from meetings import delivery
    from meetings.models import MessageKind, OutgoingMessage

    prepared = []
    for row in OutgoingMessage.objects.filter(kind=MessageKind.INVITATION, meeting__title_en=meeting_title).order_by(
        "pk"
    ):
        email = delivery.build_email(row)
        sender, recipients = email.envelope()
        prepared.append((sender, recipients, email.serialise()))
    assert len(prepared) == n
    before = server.count.value
    started = time.perf_counter()
    with smtplib.SMTP(HOST, server.port, timeout=settings.EMAIL_TIMEOUT) as connection:
        for sender, recipients, message in prepared:
            connection.sendmail(sender, recipients, message)
    done = server.wait_for(before + n, timeout=60 + n * 0.1)
    return {
        "seconds": done - started,
        "messages_per_second": n / (done - started),
        "average_message_bytes": round(sum(len(m) for _s, _r, m in prepared) / n),
    }


# --- Main -----------------------------------------------------------------------------------------------------------


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    var_dir = Path(tempfile.mkdtemp(prefix="dgnetwork-bench-delivery-"))
    with Server() as server:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", str(var_dir)),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": DB_URL,
            "REDIS_URL": REDIS_URL,
            "EMAIL_HOST": HOST,
            "EMAIL_PORT": str(server.port),
            "DG_VAR_DIR": str(var_dir),
            "SITE_URL": "http://127.0.0.1:8000",
            "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
            "DJANGO_DEBUG": "false",  # DEBUG keeps every query in memory
            "LOG_LEVEL": "WARNING",
        }
        import redis

        broker = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        broker.flushdb()
        create_database(env)
        try:
            os.environ.update(env)
            os.environ["DJANGO_SETTINGS_MODULE"] = "network.settings"
            import django

            django.setup()
            through_pipeline = pipeline(n, server, env, var_dir)
            through_loop = plain_loop(n, server)
        finally:
            from django.db import connections

            with contextlib.suppress(Exception):
                connections.close_all()
            drop_database()
            broker.flushdb()

    ratio = through_pipeline["messages_per_second"] / through_loop["messages_per_second"]
    result = {
        "messages": n,
        "pipeline": {k: round(v, 3) for k, v in through_pipeline.items()},
        "plain_loop": {k: round(v, 3) for k, v in through_loop.items()},
        "pipeline_to_plain_loop_ratio": round(ratio, 3),
        "setup": {
            "worker_processes": CONCURRENCY,
            "broker": "Redis on 127.0.0.1, database 13",
            "database": "PostgreSQL on 127.0.0.1",
            "smtp_server": "aiosmtpd on 127.0.0.1, counting only, in its own process",
        },
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
    }
    p, loop = result["pipeline"], result["plain_loop"]
    print(f"Outgoing mail, {n:,} invitations (average message {loop['average_message_bytes']:,} bytes)")
    print(f"  {'':<34}{'seconds':>10}{'msgs/s':>10}")
    label = f"pipeline (outbox, Redis, Celery x{CONCURRENCY})"
    print(f"  {label:<34}{p['seconds']:>10.2f}{p['messages_per_second']:>10.1f}")
    print(f"    {'of which compose, store, hand over':<32}{p['compose_store_hand_over_seconds']:>10.2f}")
    print(f"  {'plain smtplib loop, one connection':<34}{loop['seconds']:>10.2f}{loop['messages_per_second']:>10.1f}")
    print(f"  {'ratio pipeline / plain loop':<34}{ratio:>20.3f}")
    out = ROOT / "bench" / "results" / "delivery.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"  written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
