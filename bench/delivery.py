"""Outgoing mail benchmark: the secretariat's "Send the invitations" for N invitees through the whole pipeline,
against Django's own ``send_messages`` of the same messages over one SMTP connection.

    .venv/bin/python bench/delivery.py [SIZES] [ROUNDS]        (SIZES = 250,1000, ROUNDS = 3 by default)

Targets: for 250 invitees the click returns in under 1.5 s and the SMTP server has accepted the last message within
5 s of the click; 1,000 invitees take at most four times as long as 250; the pipeline's throughput is at least half
of ``send_messages``'.

The click is the real one: a signed-in secretariat account (Secretariat group, TOTP set up) posts the admin's "Send
the invitations" form through Django's test client, in this process. The admin view runs the service that composes
every message in its recipient's language and writes the outbox rows in batches, each handed to Redis as it
commits, a task for up to ten messages; a Celery worker (four processes, as in docker-compose) claims each row just
before its send, builds it with Django's ``EmailMultiAlternatives``, sends it with Django's SMTP backend and records
it. A round times how long the
click takes to return, and how long from the click until the SMTP server has accepted the last message; then
Django's ``send_messages`` sends the same messages (built from the outbox rows beforehand, serialised and sent by
Django's SMTP backend over a single connection): the floor of what this app's code could do against this server.
Each round invites the same N directors to a meeting of its own, after one warm-up send through the same worker (a
running site's steady state).

Why rounds: on a shared machine the CPUs' speed changes from one second to the next, and a ratio of two measurements
taken at different moments carries that noise. Each round measures both back to back; the table shows every round,
and the summary their medians.

Everything stays on 127.0.0.1: a scratch database ``dgnetwork_bench_delivery`` (created, migrated, dropped), Redis
database 11 (emptied before and after), an aiosmtpd server in a process of its own that only counts. Every wait has a
deadline, so the benchmark always ends. Prints a table and writes bench/results/delivery.json.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import ADMIN_URL, database_url, load_average, outbox, print_verdicts, verdict, write_result  # noqa: E402

HOST = "127.0.0.1"
DB_NAME = "dgnetwork_bench_delivery"
DB_URL = database_url(DB_NAME)
REDIS_URL = f"redis://{HOST}:6379/11"
CONCURRENCY = 4
# Targets (issue 17): seconds until the click returns and until the last message is accepted, for SMALL invitees;
# how many times as long LARGE invitees may take; the pipeline's share of send_messages' throughput.
SMALL, LARGE = 250, 1000
RETURNED_SECONDS, LAST_SECONDS, SCALING, RATIO = 1.5, 5.0, 4.0, 0.5


# --- Scratch database ---------------------------------------------------------------------------------------------


def _admin(sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(ADMIN_URL, connect_timeout=5)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def create_database(env: dict[str, str]) -> None:
    """The scratch database, migrated; and the static files collected, as the admin's pages name them by hash."""
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DB_NAME}")
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
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


def secretariat():
    """Django's test client signed in as a secretariat account (the Secretariat group, TOTP set up), past the
    admin's first page (the session then remembers the second factor, as a browser's would)."""
    from allauth.mfa.totp.internal.auth import TOTP
    from django.test import Client
    from django.urls import reverse

    from members.models import User
    from members.services import ensure_secretariat_group

    staff = User.objects.create_user(email="bench-secretariat@example.org", password=None, is_staff=True)
    staff.groups.add(ensure_secretariat_group())
    TOTP.activate(staff, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client = Client()
    client.force_login(staff)
    response = client.get(reverse("admin:index"), secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"the secretariat account cannot open the admin (HTTP {response.status_code})")
    return client


def send(client, meeting, n: int, server: Server) -> dict:
    """Click "Send the invitations" for the meeting; timed until the click's response and until the server has all
    ``n`` messages."""
    from django.urls import reverse

    OutgoingMessage, MessageStatus, _build = outbox()
    url = reverse("admin:meetings_meeting_send", args=[meeting.pk])
    before = server.count.value
    started = time.perf_counter()
    response = client.post(url, secure=True)  # the rows are committed and handed to Redis batch by batch
    returned = time.perf_counter()
    if response.status_code != 302 or meeting.invitations.filter(sent_at__isnull=False).count() != n:
        said = [str(m) for m in response.wsgi_request._messages] if hasattr(response, "wsgi_request") else []
        raise RuntimeError(f"the click did not send {n} invitations (HTTP {response.status_code}; {said})")
    done = server.wait_for(before + n, timeout=120 + n * 0.5)
    deadline = time.monotonic() + 60
    while OutgoingMessage.objects.filter(meeting=meeting, status=MessageStatus.SENT).count() < n:
        if time.monotonic() > deadline:
            raise RuntimeError("the outbox rows were not all marked sent")
        time.sleep(0.05)
    received = server.count.value - before
    if received != n:
        raise RuntimeError(f"the server received {received} messages for {n} invitations")
    return {
        "seconds": done - started,
        "returned_seconds": returned - started,
        "messages_per_second": n / (done - started),
    }


def django_send_messages(meeting, n: int, server: Server) -> dict:
    """The same messages as the meeting's outbox rows, sent by Django's SMTP backend over one connection."""
    from django.core.mail import get_connection

    OutgoingMessage, _status, build_email = outbox()
    emails = [build_email(row) for row in OutgoingMessage.objects.filter(meeting=meeting).order_by("pk")]
    assert len(emails) == n
    size = sum(len(e.message().as_bytes()) for e in emails[:50]) / min(n, 50)
    before = server.count.value
    started = time.perf_counter()
    with get_connection() as connection:
        assert connection.send_messages(emails) == n
    done = server.wait_for(before + n, timeout=60 + n * 0.1)
    return {
        "seconds": done - started,
        "messages_per_second": n / (done - started),
        "average_message_bytes": round(size),
    }


def rounds(sizes: list[int], count: int, server: Server, env: dict[str, str], var_dir: Path) -> dict[int, list]:
    from network.celery import app
    from tests.helpers import celery_worker

    people = make_network(max(sizes))
    client = secretariat()
    results: dict[int, list] = {n: [] for n in sizes}
    with celery_worker(env, var_dir / "worker.log", concurrency=CONCURRENCY, name="bench"):
        wait_for_worker(app)
        # Warm-up: a running site's steady state (URLs resolved, templates compiled, Celery's modules loaded and
        # every worker process connected), not the first minute of a new one.
        warm = people[: min(len(people), 2 * CONCURRENCY * 20)]
        send(client, make_meeting(warm, "Warm-up meeting"), len(warm), server)
        for number in range(1, count + 1):
            for n in sizes:
                meeting = make_meeting(people[:n], f"Benchmark meeting {n}-{number}")
                through_pipeline = send(client, meeting, n, server)
                through_django = django_send_messages(meeting, n, server)
                ratio = through_pipeline["messages_per_second"] / through_django["messages_per_second"]
                results[n].append({"pipeline": through_pipeline, "plain_loop": through_django, "ratio": ratio})
    return results


def summary(n: int, measured: list[dict]) -> dict:
    ratios = [r["ratio"] for r in measured]
    return {
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
        "pipeline_range": {
            k: [round(min(r["pipeline"][k] for r in measured), 3), round(max(r["pipeline"][k] for r in measured), 3)]
            for k in measured[0]["pipeline"]
        },
        "plain_loop": {
            k: round(statistics.median([r["plain_loop"][k] for r in measured]), 3) for k in measured[0]["plain_loop"]
        },
        "pipeline_to_plain_loop_ratio": round(statistics.median(ratios), 3),
        "ratio_range": [round(min(ratios), 3), round(max(ratios), 3)],
    }


def verdicts(by_size: dict[int, dict]) -> list[dict]:
    """Each target beside its figure (medians over the rounds, the rounds' range in brackets)."""

    def seconds(n: int, key: str) -> str:
        low, high = by_size[n]["pipeline_range"][key]
        return f"{by_size[n]['pipeline'][key]:.2f} s ({low:.2f}-{high:.2f})"

    rows = []
    if SMALL in by_size:
        rows.append(
            verdict(
                f"sending {SMALL}: the click returns",
                seconds(SMALL, "returned_seconds"),
                f"< {RETURNED_SECONDS} s",
                by_size[SMALL]["pipeline"]["returned_seconds"] < RETURNED_SECONDS,
            )
        )
        rows.append(
            verdict(
                f"sending {SMALL}: last message accepted",
                seconds(SMALL, "seconds") + " after the click",
                f"<= {LAST_SECONDS:.0f} s",
                by_size[SMALL]["pipeline"]["seconds"] <= LAST_SECONDS,
            )
        )
    if SMALL in by_size and LARGE in by_size:
        large = by_size[LARGE]["pipeline"]
        factor = by_size[LARGE]["pipeline"]["seconds"] / by_size[SMALL]["pipeline"]["seconds"]
        returned = by_size[LARGE]["pipeline"]["returned_seconds"] / by_size[SMALL]["pipeline"]["returned_seconds"]
        rows.append(
            verdict(
                f"sending {LARGE:,} vs {SMALL}",
                f"{factor:.2f}x until the last message, {returned:.2f}x until the click returns ({LARGE:,}: last "
                f"{large['seconds']:.2f} s, click {large['returned_seconds']:.2f} s)",
                f"<= {SCALING:.0f}x",
                factor <= SCALING and returned <= SCALING,
            )
        )
    for n, result in by_size.items():
        low, high = result["ratio_range"]
        rows.append(
            verdict(
                f"sending {n:,}: pipeline vs send_messages",
                f"{result['pipeline']['messages_per_second']:.0f} vs {result['plain_loop']['messages_per_second']:.0f}"
                f" msgs/s, ratio {result['pipeline_to_plain_loop_ratio']:.2f} ({low:.2f}-{high:.2f})",
                f">= {RATIO}",
                result["pipeline_to_plain_loop_ratio"] >= RATIO,
            )
        )
    return rows


def print_table(result: dict) -> None:
    n, count = result["messages"], len(result["rounds"])
    size = result["plain_loop"]["average_message_bytes"]
    print(f"Outgoing mail, {n:,} invitations (average message {size:,} bytes), {count} rounds")
    print(f"  {'round':<7}{'click s':>9}{'last s':>9}{'msgs/s':>9}{'Django s':>10}{'msgs/s':>9}{'ratio':>8}")
    rows = [(str(i), r["pipeline"], r["plain_loop"], r["ratio"]) for i, r in enumerate(result["rounds"], 1)]
    rows.append(("median", result["pipeline"], result["plain_loop"], result["pipeline_to_plain_loop_ratio"]))
    for label, p, django_send, ratio in rows:
        print(
            f"  {label:<7}{p['returned_seconds']:>9.2f}{p['seconds']:>9.2f}{p['messages_per_second']:>9.1f}"
            f"{django_send['seconds']:>10.2f}{django_send['messages_per_second']:>9.1f}{ratio:>8.3f}"
        )


# --- Main -----------------------------------------------------------------------------------------------------------


def main() -> None:
    sizes = [int(n) for n in sys.argv[1].split(",")] if len(sys.argv) > 1 else [SMALL, LARGE]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    var_dir = Path(tempfile.mkdtemp(prefix="dgnetwork-bench-delivery-"))
    load_before = load_average()
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
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",  # the test client's host, for the click
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
            measured = rounds(sizes, count, server, env, var_dir)
        finally:
            from django.db import connections

            with contextlib.suppress(Exception):
                connections.close_all()
            drop_database()
            broker.flushdb()

    by_size = {n: summary(n, measured[n]) for n in sizes}
    result = {
        "sizes": {str(n): by_size[n] for n in sizes},
        "verdicts": verdicts(by_size),
        "setup": {
            "worker_processes": CONCURRENCY,
            "click": "the admin's Send the invitations form, posted by Django's test client as a secretariat account",
            "broker": "Redis on 127.0.0.1, database 11",
            "database": "PostgreSQL on 127.0.0.1",
            "smtp_server": "aiosmtpd on 127.0.0.1, counting only, in its own process",
            "baseline": "Django's SMTP backend send_messages, one connection, messages built beforehand",
        },
    }
    for n in sizes:
        print_table(by_size[n])
    print(f"  pipeline: the admin's click, outbox, Redis, Celery x{CONCURRENCY}, up to ten messages a task; click:")
    print("  until the click's response; last: until the SMTP server accepted the last message; Django: send_messages")
    print("  over one connection")
    print_verdicts(result["verdicts"])
    write_result("delivery", result, load_before=load_before)


if __name__ == "__main__":
    main()
