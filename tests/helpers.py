"""Helpers for tests that run the app's real processes (gunicorn, Celery) and services on localhost."""

from __future__ import annotations

import contextlib
import glob
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str):
    """Fail under CI, skip on a developer's machine: a missing service must never pass silently in CI."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: failing instead of skipping)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(**overrides: str) -> dict[str, str]:
    """A clean environment for a child process: only what the app reads, nothing inherited from pytest-django."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TZ") if key in os.environ}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


def database_url(settings_dict: dict) -> str:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - localhost only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as exc:  # the thing may not be up yet
            last = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str], log_path: Path | None = None):
    """Runs a child process in its own process group; stops it (and its children) on exit."""
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if log_path:
            log.close()


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int = 1, log_path: Path | None = None):
    port = free_port()
    args = [str(BIN / "gunicorn"), "network.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    with process(args, env, log_path) as proc:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_get(base + "/healthz")[0] in (200, 503), what="gunicorn to answer")
        yield base, proc


@contextlib.contextmanager
def celery_worker(env: dict[str, str], log_path: Path | None = None, concurrency: int = 2, name: str = "w1"):
    args = [
        str(BIN / "celery"),
        "-A",
        "network",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        str(concurrency),
        "--hostname",
        f"{name}@%h",
        "--without-gossip",
        "--without-mingle",
        "--pool",
        "prefork",
    ]
    with process(args, env, log_path) as proc:
        yield proc


def redis_available(url: str = REDIS_URL) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


class _FormParser(__import__("html.parser").parser.HTMLParser):
    """Collects what a browser would submit from the first form with method=post (or the one with ``form_id``)."""

    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.done = False
        self.data: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done and not self.inside:
            if (self.form_id and a.get("id") == self.form_id) or (not self.form_id and a.get("method") == "post"):
                self.inside = True
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file", "image", "reset"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.append((name, a.get("value", "on")))
            else:
                self.data.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def form_data(html: str | bytes, form_id: str | None = None) -> dict[str, str | list[str]]:
    """The fields a browser would post from a page's form, as a dict for Django's test client."""
    parser = _FormParser(form_id)
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    out: dict[str, str | list[str]] = {}
    for name, value in parser.data:
        if name in out:
            previous = out[name]
            out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[name] = value
    return out


# --- HTTP sessions against a served app ------------------------------------------------------------------------


class Session:
    """A keep-alive HTTP connection to 127.0.0.1 carrying a signed-in person's cookies."""

    def __init__(self, port: int, cookies: str = "", timeout: float = 10):
        self.port, self.cookies = port, cookies
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def get(self, path: str) -> tuple[int, bytes]:
        status, _headers, body = self.fetch(path)
        return status, body

    def fetch(self, path: str) -> tuple[int, http.client.HTTPMessage, bytes]:
        self.connection.request("GET", path, headers={"Cookie": self.cookies, "Accept-Language": "en"})
        response = self.connection.getresponse()
        return response.status, response.headers, response.read()


def sign_in(port: int, email: str, password: str) -> str:
    """Sign a person in through the login form; returns the session's cookies."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/accounts/login/")
    response = connection.getresponse()
    body = response.read()
    jar = {c.split("=", 1)[0]: c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or []}
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = f"login={email}&password={password}&csrfmiddlewaretoken={token}"
    connection.request(
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Cookie": "; ".join(jar.values()),
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
        },
    )
    response = connection.getresponse()
    response.read()
    _keep_cookies(jar, response)
    assert response.status == 302 and "sessionid" in jar, f"sign-in failed: {response.status}"
    # Land on the page the sign-in leads to, as a browser would: it shows the "signed in" message once and
    # clears its cookie (carried on every request, it would be shown on every page).
    connection.request("GET", response.headers["Location"], headers={"Cookie": "; ".join(jar.values())})
    response = connection.getresponse()
    response.read()
    _keep_cookies(jar, response)
    connection.close()
    return "; ".join(jar.values())


def _keep_cookies(jar: dict[str, str], response: http.client.HTTPResponse) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        name = header.split("=", 1)[0]
        if "Max-Age=0" in header:
            jar.pop(name, None)
        else:
            jar[name] = header.split(";")[0]


# --- A PostgreSQL server of a test's own ------------------------------------------------------------------------


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free port (trust authentication, no fsync), which a test may stop and
    start like a real restart. Run as the ``postgres`` user when this process is root (initdb refuses root)."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        initdb = shutil.which("initdb") or (found[-1] if found else None)
        if initdb is None:
            unavailable("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
        self.bin = Path(initdb).parent
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres and shutil.which("runuser") is None:
            unavailable("running PostgreSQL as root needs runuser")
        self.dir = Path(tempfile.mkdtemp(prefix="dgnetwork-pg-"))
        self.dir.chmod(0o755)
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/dgnetwork"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def __enter__(self) -> PrivatePostgres:
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        import psycopg2

        connection = psycopg2.connect(self.url.rsplit("/", 1)[0] + "/postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE dgnetwork")
        connection.close()
        return self

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def private_redis(port: int, directory: Path):
    """A Redis server of a test's own on ``port``, that the test can stop (leave the block) and start again."""
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    args += ["--daemonize", "no", "--dir", str(directory)]
    url = f"redis://127.0.0.1:{port}/0"
    with process(args, base_env(), directory / f"redis-{port}.log") as proc:
        wait_until(lambda: redis_available(url), timeout=10, what="the private Redis to answer")
        yield proc
    wait_until(lambda: not redis_available(url), timeout=10, what="the private Redis to stop")


# --- PgBouncer in front of PostgreSQL -----------------------------------------------------------------------------


class PgBouncer:
    """A PgBouncer of a test's own on a free port, in front of the PostgreSQL server at ``upstream`` (host, port),
    every database by its own name, trust authentication, in ``pool_mode`` (``transaction``: a server session is
    lent to a client for one transaction at a time, as many hosted PostgreSQL offers do). Run as ``postgres`` when
    this process is root (PgBouncer refuses root). ``url(name)`` is the address of database ``name`` through it."""

    def __init__(self, upstream: tuple[str, int] = ("127.0.0.1", 5432), pool_mode: str = "transaction"):
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not Path(binary).exists():
            unavailable("pgbouncer is not installed (Debian's package pgbouncer)")
        self.binary = binary
        self.upstream = upstream
        self.pool_mode = pool_mode
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="dgnetwork-pgbouncer-"))
        self._process = None

    def url(self, database: str, user: str = "postgres") -> str:
        return f"postgres://{user}@127.0.0.1:{self.port}/{database}"

    def _config(self) -> Path:
        (self.dir / "users.txt").write_text('"postgres" ""\n')
        host, port = self.upstream
        config = self.dir / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"* = host={host} port={port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.dir / 'users.txt'}\n"
            f"pool_mode = {self.pool_mode}\nmax_client_conn = 200\ndefault_pool_size = 10\n"
            # psycopg2 and Django send no such startup parameters, other clients may.
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {self.dir / 'pgbouncer.log'}\n"
        )
        return config

    def __enter__(self) -> PgBouncer:
        args = [self.binary, str(self._config())]
        if os.geteuid() == 0:
            self.dir.chmod(0o755)
            for path in (self.dir, *self.dir.iterdir()):
                shutil.chown(path, "postgres")
            args[1:1] = ["-u", "postgres"]
        self._context = process(args, base_env(), self.dir / "stdout.log")
        self._process = self._context.__enter__()

        def answers() -> bool:
            import psycopg2

            if self._process.poll() is not None:
                raise AssertionError(f"pgbouncer stopped: {(self.dir / 'stdout.log').read_text()}")
            psycopg2.connect(self.url("postgres"), connect_timeout=2).close()
            return True

        wait_until(answers, timeout=15, interval=0.1, what="pgbouncer to answer")
        return self

    def log(self) -> str:
        path = self.dir / "pgbouncer.log"
        return path.read_text() if path.exists() else ""

    def __exit__(self, *exc) -> None:
        self._context.__exit__(*exc)
        shutil.rmtree(self.dir, ignore_errors=True)


def database_url_through(bouncer: PgBouncer, settings_dict: dict) -> str:
    """The address of the database of ``settings_dict`` (Django's, on 127.0.0.1) through ``bouncer``."""
    return bouncer.url(settings_dict["NAME"], settings_dict.get("USER") or "postgres")
