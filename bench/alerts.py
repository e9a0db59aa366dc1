"""Alert benchmark: the secretariat sends an alert to 30 member centres; how long from the click until the SMTP server
has accepted the last of their messages (each centre's 24/7 mailbox and contact point: 60 messages).

    .venv/bin/python bench/alerts.py [ROUNDS]        (ROUNDS = 3 by default)

Target (issue 20): under 5 s on this machine. Each round is measured twice: with nothing else queued, and with 250
invitations handed to the workers just before the alert (they are waiting in Redis when the alert is sent: the alert's
urgent messages must go ahead of them).

The click is the real one: a signed-in secretariat account posts the portal's "Send an alert" form through Django's
test client, in this process; the service writes the rows and hands them to Redis after the commit, one task a message
with the urgent priority; a Celery worker (four processes, as in docker-compose) sends them. Everything stays on
127.0.0.1, as in bench/delivery.py (whose scratch database, SMTP server and worker this reuses): database
``dgnetwork_bench_delivery``, Redis database 11. Prints a table and writes bench/results/alerts.json.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import load_average, outbox, print_verdicts, verdict, write_result  # noqa: E402
from bench.delivery import (  # noqa: E402
    CONCURRENCY,
    DB_URL,
    HOST,
    REDIS_URL,
    Server,
    create_database,
    drop_database,
    make_meeting,
    make_network,
    secretariat,
    wait_for_worker,
)

CENTRES = 30
BACKLOG = 250
TARGET_SECONDS = 5.0


def make_centres(n: int) -> None:
    """``n`` member countries' crisis centres, each with a 24/7 mailbox and a contact point."""
    from members.enums import OrganisationKind, Role
    from members.iso3166 import ALPHA_2
    from members.models import Country, Mandate, Organisation, Person

    taken = set(Country.objects.values_list("code", flat=True))
    codes = [c for c in sorted(ALPHA_2) if c not in taken][:n]
    for i, code in enumerate(codes):
        country = Country.objects.create(code=code, name_en=f"Country {code}")
        centre = Organisation.objects.create(
            country=country,
            kind=OrganisationKind.CRISIS_CENTRE,
            name_en=f"Alert Centre {code}",
            acronym_en=f"AC-{code}",
            mailbox_24_7=f"24-7@{code.lower()}.alert.example",
            phone_24_7="+32 2 500 00 00",
        )
        person = Person.objects.create(
            organisation=centre,
            first_name="Duty",
            last_name=f"Officer {code}",
            email=f"cp@{code.lower()}.alert.example",
            preferred_language=("en", "fr", "nl", "de")[i % 4],
        )
        Mandate.objects.create(
            person=person, organisation=centre, role=Role.CONTACT_POINT, start_date=datetime.date(2020, 1, 1)
        )


def send_alert(client, server: Server, expected: int, title: str) -> float:
    """Post the portal's form; seconds from the click until the server has ``expected`` more messages and the rows
    are marked sent."""
    from django.urls import reverse
    from django.utils import timezone

    from alerts.models import Alert

    OutgoingMessage, MessageStatus, _build = outbox()
    later = timezone.localtime(timezone.now() + datetime.timedelta(hours=1))
    form = {
        "language": "en",
        "title": title,
        "body": "A large power outage affects several countries.",
        "request": "Confirm that your centre is reachable.",
        "handling_note": "",
        "acknowledge_by": later.strftime("%Y-%m-%dT%H:%M"),
        "time_zone": str(later.tzinfo) if "/" in str(later.tzinfo) else "Europe/Brussels",
        "escalation_minutes": "15",
    }
    before = {m: 1 for m in OutgoingMessage.objects.filter(kind="alert").values_list("pk", flat=True)}
    started = time.perf_counter()
    response = client.post(reverse("portal:alert_new"), form, secure=True)
    if response.status_code != 302:
        raise RuntimeError(f"the alert was not sent (HTTP {response.status_code})")
    alert = Alert.objects.latest("pk")
    rows = OutgoingMessage.objects.filter(kind="alert").exclude(pk__in=before)
    deadline = time.monotonic() + 120
    while rows.filter(status=MessageStatus.SENT).count() < expected:
        if time.monotonic() > deadline:
            raise RuntimeError(f"alert {alert.pk}: not every message was sent in time")
        time.sleep(0.005)
    # The row is marked sent once the server accepted the message: the moment of the last one.
    return time.perf_counter() - started


def rounds(count: int, server: Server, env: dict[str, str], var_dir: Path) -> list[dict]:
    from network.celery import app
    from tests.helpers import celery_worker

    people = make_network(BACKLOG)
    make_centres(CENTRES)
    client = secretariat()
    OutgoingMessage, _status, _build = outbox()
    results = []
    with celery_worker(env, var_dir / "worker.log", concurrency=CONCURRENCY, name="bench"):
        wait_for_worker(app)
        send_alert(client, server, 2 * CENTRES, "Warm-up alert")
        for number in range(1, count + 1):
            alone = send_alert(client, server, 2 * CENTRES, f"Alert {number}")
            meeting = make_meeting(people, f"Backlog meeting {number}")
            from meetings import services

            services.send_invitations(meeting)  # 250 tasks handed to Redis, ahead of the alert
            behind = send_alert(client, server, 2 * CENTRES, f"Alert {number} behind a backlog")
            waiting = OutgoingMessage.objects.filter(meeting=meeting, status="queued").count()
            server.wait_for(server.count.value, timeout=1)
            deadline = time.monotonic() + 120
            while OutgoingMessage.objects.filter(meeting=meeting, status="sent").count() < BACKLOG:
                if time.monotonic() > deadline:
                    raise RuntimeError("the backlog was not sent")
                time.sleep(0.05)
            results.append({"alone": alone, "behind_backlog": behind, "backlog_still_queued_after": waiting})
    return results


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    var_dir = Path(tempfile.mkdtemp(prefix="dgnetwork-bench-alerts-"))
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
            "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
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
            measured = rounds(count, server, env, var_dir)
        finally:
            from django.db import connections

            with contextlib.suppress(Exception):
                connections.close_all()
            drop_database()
            broker.flushdb()

    alone = statistics.median(r["alone"] for r in measured)
    behind = statistics.median(r["behind_backlog"] for r in measured)
    print(f"Alert to {CENTRES} centres ({2 * CENTRES} messages), {count} rounds, Celery x{CONCURRENCY}")
    print(f"  {'round':<7}{'alone s':>9}{'behind s':>10}{'backlog left':>14}")
    for i, r in enumerate(measured, 1):
        print(f"  {i:<7}{r['alone']:>9.2f}{r['behind_backlog']:>10.2f}{r['backlog_still_queued_after']:>14}")
    print(f"  {'median':<7}{alone:>9.2f}{behind:>10.2f}")
    print(f"  alone: send to the last message accepted; behind: the same with {BACKLOG} invitations queued first;")
    print("  backlog left: invitations still queued when the alert's last message was accepted")
    rows = [
        verdict(f"alert to {CENTRES} centres", f"{alone:.2f} s", f"< {TARGET_SECONDS:.0f} s", alone < TARGET_SECONDS),
        verdict(
            f"alert to {CENTRES} centres behind {BACKLOG} queued invitations",
            f"{behind:.2f} s",
            f"< {TARGET_SECONDS:.0f} s",
            behind < TARGET_SECONDS,
        ),
    ]
    print_verdicts(rows)
    write_result(
        "alerts",
        {"rounds": measured, "median_alone": alone, "median_behind_backlog": behind, "verdicts": rows},
        load_before=load_before,
    )


if __name__ == "__main__":
    main()
