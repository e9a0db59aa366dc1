"""Query budgets: the number of SQL queries of each portal page and each busy admin changelist, in a small network
and in a large one (``manage.py load_large`` with its defaults: 60 countries, 500 meetings, 30,000 invitations,
100,000 lessons). Target: each page makes the same number of queries at both sizes, and at most 12.

    .venv/bin/python bench/queries.py [LOAD_LARGE_OPTIONS]      (the large network's options; its defaults if none)

Each size gets a scratch database on 127.0.0.1 (``dgnetwork_bench_q_small``, ``dgnetwork_bench_q_large``), created,
migrated and loaded in a child process of this script, and dropped at the end. Prints a table and writes
bench/results/queries.json. Queries are counted with CaptureQueriesContext around one request of Django's test
Client, after a warm-up request (the first request of a session also records the session); every page is rendered
on every request.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import ADMIN_URL, database_url, load_average, outbox, print_verdicts, verdict, write_result  # noqa: E402

BUDGET = 12  # target (issue 17): at most this many queries per page, the same count at both sizes
TARGET_PAGES = ("dashboard", "meeting page", "lessons search")  # named in the summary
TIMEOUT = 1800  # seconds for one size, loading included; then the run stops
SIZES = {
    "small": ["--countries", "10", "--people-per-country", "5", "--meetings", "5", "--invitations", "100"]
    + ["--lessons", "200"],
    "large": [],  # load_large's defaults
}


def db_name(size: str) -> str:
    return f"dgnetwork_bench_q_{size}"


def db_url(size: str) -> str:
    return database_url(db_name(size))


def admin_sql(*statements: str) -> None:
    import psycopg2

    connection = psycopg2.connect(ADMIN_URL, connect_timeout=5)
    connection.autocommit = True
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    connection.close()


def environment(size: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": db_url(size),
        "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
        "DJANGO_DEBUG": "true",
        "DG_VAR_DIR": str(Path(tempfile.gettempdir()) / "dgnetwork-bench"),
        "DJANGO_SETTINGS_MODULE": "network.settings",
        "REDIS_URL": "",  # tasks run in-process; nothing leaves the machine
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }


# --- In the child: one size ---------------------------------------------------------------------------------------


def readers():
    """A director-general invited to an upcoming meeting (the one with the most invitations that went out), and a
    secretariat account with TOTP."""
    from allauth.mfa.totp.internal.auth import TOTP
    from django.db.models import Count, Q

    from meetings.enums import MeetingStatus
    from meetings.models import Invitation, Meeting
    from members.enums import Role
    from members.models import Person, User
    from members.services import ensure_secretariat_group, open_account

    sent = Invitation.objects.filter(sent_at__isnull=False, withdrawn_at__isnull=True)
    meeting = (
        Meeting.objects.upcoming()
        .exclude(status=MeetingStatus.DRAFT)
        .annotate(n=Count("invitations", filter=Q(invitations__sent_at__isnull=False)))
        .order_by("-n", "starts_at")
        .first()
    )
    invited = sent.filter(meeting=meeting).values("person_id")
    director = (
        Person.objects.filter(pk__in=invited, mandates__role=Role.DIRECTOR_GENERAL).first()
        or Person.objects.filter(pk__in=invited).first()
    )
    user = open_account(director)
    staff = User.objects.create_user(email="bench-staff@example.org", password=None, is_staff=True)
    staff.groups.add(ensure_secretariat_group())
    TOTP.activate(staff, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    return user, staff, meeting


def measure(size: str) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from knowledge.models import LessonLearned
    from meetings.models import Invitation, Meeting
    from members.models import Person

    def changelist(model) -> str:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    setup_test_environment()  # the locmem mail backend and 'testserver' in ALLOWED_HOSTS
    started = time.perf_counter()
    options = json.loads(os.environ.get("BENCH_LOAD_LARGE_OPTIONS", "[]")) if size == "large" else SIZES[size]
    call_command("load_large", *options, stdout=sys.stderr)
    load_seconds = time.perf_counter() - started
    user, staff, meeting = readers()
    pages = [
        ("dashboard", "director", reverse("portal:dashboard")),
        ("meetings list", "director", reverse("portal:meetings")),
        ("meeting page", "director", reverse("portal:meeting", args=[meeting.pk])),
        ("lessons library", "director", reverse("portal:lessons")),
        ("lessons search", "director", reverse("portal:lessons") + "?q=coordination+shelter"),
        ("actions tracker", "director", reverse("portal:actions")),
        ("directory", "director", reverse("portal:directory")),
        ("profile", "director", reverse("portal:profile")),
        ("board", "staff", reverse("portal:board")),
        ("admin meetings", "staff", changelist(Meeting)),
        ("admin people", "staff", changelist(Person)),
        ("admin invitations", "staff", changelist(Invitation)),
        ("admin outbox", "staff", changelist(outbox()[0])),
        ("admin lessons", "staff", changelist(LessonLearned)),
    ]
    clients = {"director": Client(), "staff": Client()}
    clients["director"].force_login(user)
    clients["staff"].force_login(staff)
    rows = []
    for page, who, url in pages:
        client = clients[who]
        client.get(url, secure=True)  # warm-up
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, secure=True)
        rows.append({"page": page, "who": who, "status": response.status_code, "queries": len(captured)})
    return {"load_seconds": round(load_seconds, 1), "rows": rows}


def child(size: str) -> None:
    result = measure(size)
    from django.db import connections

    connections.close_all()
    print(json.dumps(result))


# --- In the parent: both sizes, the table -------------------------------------------------------------------------


def run_size(size: str, large_options: list[str]) -> dict:
    admin_sql(f"DROP DATABASE IF EXISTS {db_name(size)} WITH (FORCE)", f"CREATE DATABASE {db_name(size)}")
    try:
        env = {**environment(size), "BENCH_LOAD_LARGE_OPTIONS": json.dumps(large_options)}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=TIMEOUT,
        )
        done = subprocess.run(
            [sys.executable, __file__, "--child", size],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if not os.environ.get("BENCH_KEEP"):
            admin_sql(f"DROP DATABASE IF EXISTS {db_name(size)} WITH (FORCE)")


def main() -> None:
    large_options = sys.argv[1:]
    load_before = load_average()
    results = {size: run_size(size, large_options) for size in SIZES}
    table = []
    for small, large in zip(results["small"]["rows"], results["large"]["rows"], strict=True):
        same = small["queries"] == large["queries"]
        ok = same and large["queries"] <= BUDGET and small["status"] == large["status"] == 200
        table.append(
            {
                "page": small["page"],
                "who": small["who"],
                "status": large["status"],
                "small": small["queries"],
                "large": large["queries"],
                "same": same,
                "result": "PASS" if ok else "FAIL",
            }
        )
    large_name = " ".join(large_options) or "load_large defaults"
    print(f"SQL queries per page, small network vs large ({large_name}); target: same count, <= {BUDGET}")
    print(f"  {'page':<20}{'who':<10}{'HTTP':>5}{'small':>7}{'large':>7}   result")
    for row in table:
        print(
            f"  {row['page']:<20}{row['who']:<10}{row['status']:>5}{row['small']:>7}{row['large']:>7}   "
            f"{row['result']}{'' if row['same'] else '  (grows with the data)'}"
        )
    print(f"  load: small {results['small']['load_seconds']} s, large {results['large']['load_seconds']} s")
    rows = []
    for label, pages in (
        ("portal pages", [r for r in table if not r["page"].startswith("admin")]),
        ("admin lists", [r for r in table if r["page"].startswith("admin")]),
    ):
        failing = [r["page"] for r in pages if r["result"] != "PASS"]
        counts = ", ".join(f"{r['page']} {r['large']}" for r in pages if r["page"] in TARGET_PAGES)
        rows.append(
            verdict(
                f"queries: {len(pages)} {label}",
                f"{min(r['large'] for r in pages)}-{max(r['large'] for r in pages)} a page"
                + (f" ({counts})" if counts else "")
                + (f"; failing: {', '.join(failing)}" if failing else "; same at both sizes"),
                f"same count, <= {BUDGET}",
                not failing,
            )
        )
    print_verdicts(rows)
    write_result(
        "queries",
        {
            "budget": BUDGET,
            "sizes": {"small": SIZES["small"], "large": large_options or "load_large defaults"},
            "load_seconds": {size: results[size]["load_seconds"] for size in SIZES},
            "pages": table,
            "verdicts": rows,
        },
        load_before=load_before,
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
