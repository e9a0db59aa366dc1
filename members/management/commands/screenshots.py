"""``manage.py screenshots``: full-page PNGs of the main pages, at desktop and phone widths, for the docs.

Without ``--base-url`` the command runs a server of its own on a throwaway SQLite database in a temporary
directory: migrated, loaded with the demo network (``load_demo`` with a known DEMO_PASSWORD), the demo
secretariat account given TOTP with a known secret, and the 2027 draft meeting's invitations sent (so the demo
director has a meeting to answer; the 2022 meetings are over). It then runs ``manage.py runserver --noreload`` on
a free port of 127.0.0.1 and stops it at the end, whatever happens. With ``--base-url`` it photographs a running
server whose demo accounts use ``--password`` and whose secretariat account has TOTP with ``--totp-secret``.

The browser is Debian's Chromium (``/usr/bin/chromium``, or ``$CHROMIUM``) driven by Playwright
(requirements-dev.txt); ``playwright install`` is never needed.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess  # nosec B404
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from members import demo

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# The throwaway database's demo password, and the TOTP secret of tests/factories.py.
DEMO_PASSWORD = "demo screenshots passphrase"  # noqa: S105 # nosec B105
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 # nosec B105
# Operating-system variables the server's subprocesses keep; every app setting is set explicitly (no REDIS_URL).
KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")
MEETING_PATH = re.compile(r"^/meetings/\d+/$")

ENABLE_TOTP = """
import os
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from members.models import User
user = User.objects.get(email__iexact=os.environ["SCREENSHOTS_LOGIN"])
Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
TOTP.activate(user, os.environ["SCREENSHOTS_TOTP_SECRET"])
"""

SEND_UPCOMING_INVITATIONS = """
from meetings import services
from meetings.models import Meeting
meeting = Meeting.objects.upcoming().filter(status="draft").order_by("starts_at").first()
if meeting is not None:
    services.invite_network(meeting)
    services.send_invitations(meeting)
"""


class Command(BaseCommand):
    help = "Take full-page screenshots of the portal, board and admin at desktop and phone widths."

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(settings.BASE_DIR / "docs" / "screenshots"))
        parser.add_argument("--base-url", default="", help="A running server; without it a throwaway one is started.")
        parser.add_argument("--password", default=DEMO_PASSWORD, help="The demo accounts' password (--base-url).")
        parser.add_argument("--totp-secret", default=TOTP_SECRET, help="The secretariat's TOTP secret (--base-url).")
        parser.add_argument("--language", default="en", help="The language the pages are shown in (default: en).")

    def handle(self, *args, output, base_url, password, totp_secret, language, **options):
        if not Path(CHROMIUM).exists():
            raise CommandError(f"Chromium is not installed at {CHROMIUM} (Debian package 'chromium').")
        output = Path(output)
        output.mkdir(parents=True, exist_ok=True)
        shots = Shots(output, language, self.stderr)
        if base_url:
            take_all(shots, base_url.rstrip("/"), password, totp_secret)
        else:
            with tempfile.TemporaryDirectory(prefix="dg-screenshots-") as tmp:
                take_with_demo_server(shots, Path(tmp), self.stdout)
        self.stdout.write(self.style.SUCCESS(f"{len(shots.written)} screenshots written:"))
        for path in shots.written:
            self.stdout.write(f"  {path}")
        if shots.problems:
            self.stderr.write(self.style.WARNING("Look at these:"))
            for problem in shots.problems:
                self.stderr.write(f"  {problem}")


# --- The throwaway server ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(tmp: Path, port: int) -> dict[str, str]:
    env = {name: os.environ[name] for name in KEPT_ENV if name in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="network.settings",
        DJANGO_DEBUG="true",
        DG_VAR_DIR=str(tmp),
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        SITE_URL=f"http://127.0.0.1:{port}",
        DEMO_PASSWORD=DEMO_PASSWORD,
        SCREENSHOTS_LOGIN=demo.SECRETARIAT_LOGIN,
        SCREENSHOTS_TOTP_SECRET=TOTP_SECRET,
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *arguments: str) -> None:
    command = [sys.executable, str(settings.BASE_DIR / "manage.py"), *arguments]
    # Our own manage.py with fixed arguments.
    result = subprocess.run(  # noqa: S603 # nosec B603
        command, env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        raise CommandError(f"manage.py {arguments[0]} failed:\n{result.stdout}{result.stderr}")


def prepare_database(env: dict[str, str], stdout) -> None:
    stdout.write("Preparing a throwaway database with the demo network…")
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    manage(env, "shell", "-c", ENABLE_TOTP)
    manage(env, "shell", "-c", SEND_UPCOMING_INVITATIONS)


@contextlib.contextmanager
def demo_server(tmp: Path, stdout):
    port = free_port()
    env = server_env(tmp, port)
    prepare_database(env, stdout)
    base = f"http://127.0.0.1:{port}"
    log_path = tmp / "runserver.log"
    with log_path.open("w") as log:
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "runserver", "--noreload", f"127.0.0.1:{port}"]
        # Our own manage.py with fixed arguments.
        process = subprocess.Popen(  # noqa: S603 # nosec B603
            command, env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_for_health(base, process, log_path)
            stdout.write(f"Server running at {base}")
            yield base
        finally:
            stop(process)


def wait_for_health(base: str, process: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError(f"The server stopped (exit {process.returncode}):\n{log_path.read_text()}")
        try:
            # Always http://127.0.0.1:<port>.
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310 # nosec B310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise CommandError(f"The server did not answer /healthz within {timeout:.0f} s:\n{log_path.read_text()}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- The browser ---------------------------------------------------------------------------------------------------


class Shots:
    """Where the PNGs go, which were written, and what looked wrong on the way."""

    def __init__(self, output: Path, language: str, stderr):
        self.output = output
        self.language = language
        self.stderr = stderr
        self.written: list[Path] = []
        self.problems: list[str] = []

    def take(self, page, name: str, url: str) -> None:
        """``<name>-desktop.png`` and ``<name>-phone.png`` of ``url``, each loaded at its own width."""
        for label, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            response = page.goto(url)
            page.wait_for_load_state("networkidle")
            if response is None or response.status >= 400:
                self.problems.append(f"{name}: {url} answered {response.status if response else 'nothing'}")
            elif page.url.split("?")[0] != url.split("?")[0]:
                self.problems.append(f"{name}: {url} was redirected to {page.url}")
            path = self.output / f"{name}-{label}.png"
            page.screenshot(path=str(path), full_page=True)
            self.written.append(path)


def totp_code(secret: str) -> str:
    """The current code, like tests/factories.totp_code, waiting out the end of a window so it stays valid."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    remaining = 30 - time.time() % 30
    if remaining < 4:
        time.sleep(remaining + 0.5)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def log_in(page, base: str, email: str, password: str, totp_secret: str | None = None) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    if "/accounts/2fa/authenticate/" in page.url:
        if not totp_secret:
            raise CommandError(f"{email} needs a two-factor code.")
        page.fill("input[name=code]", totp_code(totp_secret))
        with page.expect_navigation():
            page.click("main button[type=submit]:not([form])")  # the Cancel button belongs to the logout form
    if "/accounts/" in page.url:
        raise CommandError(f"Could not log in as {email}: still at {page.url}")


def new_page(browser, base: str, language: str):
    context = browser.new_context(locale="en-GB")
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
    page = context.new_page()
    page.set_default_timeout(30000)
    return page


def meeting_links(page, base: str) -> tuple[list[str], list[str]]:
    """The meeting pages linked from the meetings list: (upcoming, past); the past table is the last one."""
    page.goto(base + "/meetings/")
    tables = page.locator("main table.data")
    hrefs = [[a.get_attribute("href") for a in table.locator("a[href]").all()] for table in tables.all()]
    hrefs = [[base + h for h in table if MEETING_PATH.match(h)] for table in hrefs]
    if not hrefs:
        return [], []
    return (hrefs[0] if len(hrefs) > 1 else []), hrefs[-1]


def answer_url(page, meeting_urls: list[str]) -> str:
    """The answer page of the first of these meetings that still takes the director's answer."""
    for url in meeting_urls:
        page.goto(url)
        link = page.locator("main a[href$='/answer/']")
        if link.count():
            return url + "answer/"
    return ""


def take_director_pages(browser, shots: Shots, base: str, password: str) -> None:
    page = new_page(browser, base, shots.language)
    try:
        shots.take(page, "login", base + "/accounts/login/")
        log_in(page, base, demo.DIRECTOR_LOGIN, password)
        shots.take(page, "dashboard", base + "/")
        shots.take(page, "meetings", base + "/meetings/")
        upcoming, past = meeting_links(page, base)
        if past or upcoming:
            shots.take(page, "meeting", (past or upcoming)[0])
        else:
            shots.problems.append("meeting: the demo director sees no meeting")
        answer = answer_url(page, upcoming + past)
        if answer:
            shots.take(page, "answer", answer)
        else:
            shots.problems.append("answer: no meeting of the demo director takes answers")
        shots.take(page, "directory", base + "/directory/")
        shots.take(page, "profile", base + "/profile/")
        take_decision_pages(page, shots, base)
    finally:
        page.context.close()


def take_decision_pages(page, shots: Shots, base: str) -> None:
    """The drafts, a comparison of two revisions and a written procedure's board, as the demo director sees them."""
    shots.take(page, "drafts", base + "/drafts/")
    drafts = [a.get_attribute("href") for a in page.locator("main td a[href*='/drafts/']").all()]
    wanted = {"compare": "main a[href$='/compare/']", "procedure": "main a[href*='/written-procedures/']"}
    for href in drafts:
        page.goto(base + href)
        for name, selector in list(wanted.items()):
            link = page.locator(selector)
            if link.count():
                shots.take(page, name, base + link.first.get_attribute("href"))
                page.goto(base + href)
                del wanted[name]
    shots.problems.extend(f"{name}: no demo draft links to one" for name in wanted)


def take_secretariat_pages(browser, shots: Shots, base: str, password: str, totp_secret: str) -> None:
    page = new_page(browser, base, shots.language)
    try:
        log_in(page, base, demo.SECRETARIAT_LOGIN, password, totp_secret)
        shots.take(page, "board", base + "/board/")
        admin_link = page.locator("main h2 a[href*='/admin/meetings/meeting/']")
        if admin_link.count():
            shots.take(page, "admin-meeting", base + admin_link.first.get_attribute("href"))
        else:
            shots.problems.append("admin-meeting: the board shows no meeting to open in the admin")
        take_linked(page, shots, base, "alert-board", "/alerts/", "main table a[href^='/alerts/']")
        take_linked(page, shots, base, "questionnaire-results", "/questionnaires/", "main table a[href$='/results/']")
        page.goto(base + "/admin/decisions/writtenprocedure/")
        board_link = page.locator("a[href$='/board/']")
        if board_link.count():
            shots.take(page, "admin-procedure-board", base + board_link.first.get_attribute("href"))
        else:
            shots.problems.append("admin-procedure-board: no written procedure in the admin")
        take_logistics_pages(page, shots, base)
    finally:
        page.context.close()


def take_linked(page, shots: Shots, base: str, name: str, listing: str, selector: str) -> None:
    """Photograph the first page linked from ``listing`` by ``selector`` (the newest alert's board, the newest
    questionnaire's results)."""
    page.goto(base + listing)
    link = page.locator(selector)
    if link.count():
        shots.take(page, name, base + link.first.get_attribute("href"))
    else:
        shots.problems.append(f"{name}: {listing} links to nothing to photograph")


def take_logistics_pages(page, shots: Shots, base: str) -> None:
    """The date poll's grid (portal) and the first page of a badge sheet (a PDF, drawn as a PNG)."""
    page.goto(base + "/polls/")
    poll = page.locator("main a[href^='/polls/']")
    if poll.count():
        shots.take(page, "poll-grid", base + poll.first.get_attribute("href"))
    else:
        shots.problems.append("poll-grid: the demo holds no date poll")
    page.goto(base + "/admin/logistics/meetinglogistics/")
    row = page.locator("#result_list a[href*='/admin/logistics/meetinglogistics/']")
    if not row.count():
        shots.problems.append("badges: the demo holds no meeting logistics")
        return
    href = row.first.get_attribute("href").split("/change/")[0]
    response = page.request.get(base + href + "/badges.pdf")
    if not response.ok:
        shots.problems.append(f"badges: {href}/badges.pdf answered {response.status}")
        return
    import pypdfium2

    pdf = pypdfium2.PdfDocument(response.body())
    path = shots.output / "badges.png"
    pdf[0].render(scale=1.5).to_pil().save(path)
    shots.written.append(path)


def take_with_demo_server(shots: Shots, tmp: Path, stdout) -> None:
    with demo_server(tmp, stdout) as base:
        take_all(shots, base, DEMO_PASSWORD, TOTP_SECRET)


def take_all(shots: Shots, base: str, password: str, totp_secret: str) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise CommandError("Playwright is missing: pip install -r requirements-dev.txt") from error
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            take_director_pages(browser, shots, base, password)
            take_secretariat_pages(browser, shots, base, password, totp_secret)
        finally:
            browser.close()
