"""Query budgets: the number of SQL queries of each portal page and each busy admin changelist, in a small network
and in a large one (``manage.py load_large`` with its defaults: 60 countries, 500 meetings, 30,000 invitations,
100,000 lessons). A page passes when it makes the same number of queries at both sizes and at most 15.

    .venv/bin/python bench/queries.py

Each size gets a scratch database on 127.0.0.1 (``dgnetwork_bench_q_small``, ``dgnetwork_bench_q_large``), created,
migrated and loaded in a child process of this script, and dropped at the end. Prints a table and writes
bench/results/queries.json. Queries are counted with CaptureQueriesContext around one request of Django's test
Client, after a warm-up request (the first request of a session also records the session), with the portal's page
cache off: what rendering each page costs (a reload of a kept page costs 4 queries on any page).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BUDGET = 15
TIMEOUT = 1800  # seconds for one size (the large load takes a few minutes); then the run stops
SIZES = {
    "small": ["--countries", "10", "--people-per-country", "5", "--meetings", "5", "--invitations", "100"]
    + ["--lessons", "200"],
    "large": [],  # load_large's defaults
}


def db_name(size: str) -> str:
    return f"dgnetwork_bench_q_{size}"


def db_url(size: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + db_name(size)


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
        "PORTAL_CACHE_SECONDS": "0",  # count what rendering a page costs, not a reload of a kept one
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

    setup_test_environment()  # the locmem mail backend and 'testserver' in ALLOWED_HOSTS
    started = time.perf_counter()
    call_command("load_large", *SIZES[size], stdout=sys.stderr)
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
        ("admin meetings", "staff", reverse("admin:meetings_meeting_changelist")),
        ("admin people", "staff", reverse("admin:members_person_changelist")),
        ("admin invitations", "staff", reverse("admin:meetings_invitation_changelist")),
        ("admin outbox", "staff", reverse("admin:meetings_outgoingmessage_changelist")),
        ("admin lessons", "staff", reverse("admin:knowledge_lessonlearned_changelist")),
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


def run_size(size: str) -> dict:
    admin_sql(f"DROP DATABASE IF EXISTS {db_name(size)} WITH (FORCE)", f"CREATE DATABASE {db_name(size)}")
    try:
        env = environment(size)
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
    results = {size: run_size(size) for size in SIZES}
    machine = {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()}
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
    print(f"SQL queries per page, small network vs large (load_large defaults); target: same count, <= {BUDGET}")
    print(f"  {'page':<20}{'who':<10}{'HTTP':>5}{'small':>7}{'large':>7}   result")
    for row in table:
        print(
            f"  {row['page']:<20}{row['who']:<10}{row['status']:>5}{row['small']:>7}{row['large']:>7}   "
            f"{row['result']}{'' if row['same'] else '  (grows with the data)'}"
        )
    print(f"  load: small {results['small']['load_seconds']} s, large {results['large']['load_seconds']} s")
    print(f"  machine: {machine['platform']}, {machine['cpus']} cpus, Python {machine['python']}")
    out = ROOT / "bench" / "results" / "queries.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "budget": BUDGET,
                "sizes": {"small": SIZES["small"], "large": "load_large defaults"},
                "load_seconds": {size: results[size]["load_seconds"] for size in SIZES},
                "pages": table,
                "machine": machine,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"  written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
