"""Outgoing mail benchmark: N invitations through the whole pipeline, against the same N messages sent by a plain
smtplib loop over one connection.

    .venv/bin/python bench/delivery.py [N] [ROUNDS]        (N = 1000, ROUNDS = 5 by default)

The pipeline is the real one: ``services.send_invitations`` composes every message in its recipient's language and
writes the outbox rows in PostgreSQL in batches (50 growing to 250), each handed to Redis as it commits; a
Celery worker (four processes, as in docker-compose) claims, writes, sends and records each row. A round times it
from the call until the SMTP server has received N messages, then sends the same messages with the plain loop: their
bytes and envelopes built beforehand from the outbox rows (the bytes the workers send), with smtplib over a single
connection, the floor of what any sender could do against this server. Each round invites the same N directors to a
meeting of its own, after one warm-up send through the same worker (a running site's steady state).

Why rounds: on a shared machine the CPUs' speed changes from one second to the next (the same work took 40 % longer
in one minute than in the next), and a ratio of two measurements taken at different moments carries that noise. Each
round measures both back to back; the table shows every round, and the summary their medians.

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
import statistics
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


def make_network(n: int) -> list:
    """Directors-general of ``n`` crisis centres in 25 countries, each with a language of the four."""
    import datetime

    from members.enums import OrganisationKind, Role
    from members.models import Country, Mandate, Organisation, Person
    from tests.factories import PREFERRED_CODES

    countries = Country.objects.bulk_create(Country(code=c, name_en=f"Country {c}") for c in PREFERRED_CODES[:25])
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
    return people


def make_meeting(people: list, title: str):
    """A meeting with an invitation, not sent yet, for each of ``people`` (each country with enough seats)."""
    import datetime

    from django.utils import timezone

    from meetings.models import Invitation, Meeting, SeatAllowance

    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=60)
    meeting = Meeting.objects.create(
        title_en=title,
        title_fr=f"{title} (fr)",
        title_nl=f"{title} (nl)",
        title_de=f"{title} (de)",
        format="in_person",
        venue_name="National Crisis Centre",
        venue_city="Brussels",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=7),
    )
    countries = {p.organisation.country_id for p in people}
    SeatAllowance.objects.bulk_create(
        SeatAllowance(meeting=meeting, country_id=c, seats=len(people)) for c in countries
    )
    Invitation.objects.bulk_create(
        Invitation(meeting=meeting, person=p, capacity="member", country_id=p.organisation.country_id) for p in people
    )
    return meeting


# --- The two measurements ---------------------------------------------------------------------------------------


def wait_for_worker(app, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return
    raise RuntimeError("the Celery worker did not answer in time")


def send(meeting, n: int, server: Server) -> dict:
    """Send the meeting's invitations through the pipeline; timed until the server has all ``n``."""
    from meetings import services
    from meetings.models import MessageStatus, OutgoingMessage

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


def plain_loop(meeting, n: int, server: Server) -> dict:
    """The same messages as the meeting's outbox rows, sent by smtplib over one connection."""
    from django.conf import settings

    from meetings import delivery
    from meetings.models import OutgoingMessage

    prepared = []
    for row in OutgoingMessage.objects.filter(meeting=meeting).order_by("pk"):
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


def rounds(n: int, count: int, server: Server, env: dict[str, str], var_dir: Path) -> list[dict]:
    from network.celery import app
    from tests.helpers import celery_worker

    people = make_network(n)
    results = []
    with celery_worker(env, var_dir / "worker.log", concurrency=CONCURRENCY, name="bench"):
        wait_for_worker(app)
        # Warm-up: a running site's steady state (URLs resolved, templates compiled, Celery's modules loaded and
        # every worker process connected), not the first minute of a new one.
        warm = people[: 2 * CONCURRENCY * 20]
        send(make_meeting(warm, "Warm-up meeting"), len(warm), server)
        for number in range(1, count + 1):
            meeting = make_meeting(people, f"Benchmark meeting {number}")
            through_pipeline = send(meeting, n, server)
            through_loop = plain_loop(meeting, n, server)
            ratio = through_pipeline["messages_per_second"] / through_loop["messages_per_second"]
            results.append({"pipeline": through_pipeline, "plain_loop": through_loop, "ratio": ratio})
    return results


# --- Main -----------------------------------------------------------------------------------------------------------


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 5
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
            measured = rounds(n, count, server, env, var_dir)
        finally:
            from django.db import connections

            with contextlib.suppress(Exception):
                connections.close_all()
            drop_database()
            broker.flushdb()

    ratios = [r["ratio"] for r in measured]
    result = {
        "messages": n,
        "rounds": [
            {
                "pipeline": {k: round(v, 3) for k, v in r["pipeline"].items()},
                "plain_loop": {k: round(v, 3) for k, v in r["plain_loop"].items()},
                "ratio": round(r["ratio"], 3),
            }
            for r in measured
        ],
        "pipeline": {
            k: round(statistics.median([r["pipeline"][k] for r in measured]), 3) for k in measured[0]["pipeline"]
        },  # medians over the rounds
        "plain_loop": {
            k: round(statistics.median([r["plain_loop"][k] for r in measured]), 3) for k in measured[0]["plain_loop"]
        },
        "pipeline_to_plain_loop_ratio": round(statistics.median(ratios), 3),
        "ratio_range": [round(min(ratios), 3), round(max(ratios), 3)],
        "setup": {
            "worker_processes": CONCURRENCY,
            "broker": "Redis on 127.0.0.1, database 13",
            "database": "PostgreSQL on 127.0.0.1",
            "smtp_server": "aiosmtpd on 127.0.0.1, counting only, in its own process",
        },
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
    }
    size = result["plain_loop"]["average_message_bytes"]
    print(f"Outgoing mail, {n:,} invitations (average message {size:,} bytes), {count} rounds")
    print(f"  {'round':<7}{'pipeline s':>12}{'msgs/s':>9}{'(compose…)':>12}{'plain s':>10}{'msgs/s':>9}{'ratio':>8}")
    for number, r in enumerate(result["rounds"], 1):
        p, loop = r["pipeline"], r["plain_loop"]
        print(
            f"  {number:<7}{p['seconds']:>12.2f}{p['messages_per_second']:>9.1f}"
            f"{p['compose_store_hand_over_seconds']:>12.2f}{loop['seconds']:>10.2f}{loop['messages_per_second']:>9.1f}"
            f"{r['ratio']:>8.3f}"
        )
    p, loop = result["pipeline"], result["plain_loop"]
    print(
        f"  {'median':<7}{p['seconds']:>12.2f}{p['messages_per_second']:>9.1f}"
        f"{p['compose_store_hand_over_seconds']:>12.2f}{loop['seconds']:>10.2f}{loop['messages_per_second']:>9.1f}"
        f"{result['pipeline_to_plain_loop_ratio']:>8.3f}"
    )
    print(f"  pipeline: outbox, Redis, Celery x{CONCURRENCY}; (compose…): of which compose, store, hand over")
    print(f"  plain: smtplib loop over one connection; ratio range {min(ratios):.3f}–{max(ratios):.3f}")
    out = ROOT / "bench" / "results" / "delivery.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"  written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
