"""Faults while directors are using the portal: the app served by gunicorn (as in docker-compose) on a PostgreSQL
server and a Redis server of the test's own, a few signed-in users loading the dashboard without pause, and in
the middle of it PostgreSQL restarts and then Redis stops and starts.

The app must ride it out without being restarted itself: while the database is away each request fails quickly
and says so (503 with Retry-After, never a hang, never a bare 500), and once it is back the pages answer again;
Redis away changes nothing for the pages and the health check says which part is down.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest

from tests.helpers import (
    ROOT,
    PrivatePostgres,
    Session,
    base_env,
    free_port,
    gunicorn,
    private_redis,
    sign_in,
    wait_until,
)

pytestmark = pytest.mark.integration

DIRECTOR = "claire.dubois@example.org"  # a director-general of the demo network
PASSWORD = "faults-test-password-long-enough"


class Load:
    """Signed-in users loading ``path`` one request after another until stopped; every outcome is kept with the
    moment it came back."""

    def __init__(self, port: int, cookies: str, path: str = "/", users: int = 3):
        self.port, self.cookies, self.path, self.users = port, cookies, path, users
        self.outcomes: list[tuple[float, int | str, float, bytes, str]] = []  # at, status, seconds, body, retry
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._user, daemon=True) for _ in range(users)]

    def _user(self) -> None:
        session = Session(self.port, self.cookies, timeout=15)
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                status, headers, body = session.fetch(self.path)
                retry = headers.get("Retry-After", "")
            except OSError as error:  # the connection broke: that is a failure the user sees too
                status, body, retry = type(error).__name__, b"", ""
                session = Session(self.port, self.cookies, timeout=15)
            with self._lock:
                self.outcomes.append((time.monotonic(), status, time.monotonic() - started, body, retry))
            time.sleep(0.02)

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=20)

    def between(self, start: float, end: float) -> list[tuple]:
        with self._lock:
            return [o for o in self.outcomes if start <= o[0] < end]

    def ok_since(self, moment: float) -> bool:
        recent = self.between(moment, float("inf"))
        return len(recent) >= self.users and all(o[1] == 200 for o in recent[-self.users :])


def manage(env: dict[str, str], *args: str) -> None:
    command = [sys.executable, "manage.py", *args]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)


def site_env(postgres, redis_port: int, tmp_path) -> dict[str, str]:
    """A production-like site on the private PostgreSQL and a Redis on ``redis_port`` (running or not)."""
    return base_env(
        DATABASE_URL=postgres.url,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        DJANGO_SECRET_KEY="faults-test-" + "s" * 50,
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        SITE_URL="http://127.0.0.1",
        DG_VAR_DIR=str(tmp_path),
        DEMO_PASSWORD=PASSWORD,
        LOG_LEVEL="WARNING",
    )


def test_the_portal_rides_out_a_postgresql_restart_and_a_redis_outage_under_load(tmp_path):
    redis_port = free_port()
    with PrivatePostgres() as postgres, private_redis(redis_port, tmp_path):
        env = site_env(postgres, redis_port, tmp_path)
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo")
        manage(env, "collectstatic", "--noinput")
        log = tmp_path / "gunicorn.log"
        with gunicorn(env, workers=2, log_path=log) as (base, server):
            port = int(base.rsplit(":", 1)[1])
            cookies = sign_in(port, DIRECTOR, PASSWORD)
            with Load(port, cookies) as load:
                wait_until(lambda: len(load.outcomes) >= 20, timeout=30, what="the load to get going")

                # PostgreSQL restarts: down for a few seconds, then back.
                stopping = time.monotonic()
                postgres.stop()
                down = time.monotonic()
                wait_until(lambda: len(load.between(down + 0.5, float("inf"))) >= 6, timeout=30, what="requests")
                time.sleep(2)
                postgres.start()
                up = time.monotonic()
                wait_until(lambda: load.ok_since(up), timeout=30, what="the pages to answer again after the restart")
                recovered = time.monotonic()
                time.sleep(2)
            assert server.poll() is None, "gunicorn died"

            before = load.between(0, stopping)
            during = load.between(down + 0.5, up)
            after = load.between(recovered, float("inf"))
            assert before and all(o[1] == 200 for o in before)
            # While the database is away, every request fails fast and says why.
            assert during, "no request was made while PostgreSQL was down"
            failed = [o for o in during if o[1] != 200]
            assert failed, "no request noticed PostgreSQL was down"
            assert {o[1] for o in failed} == {503}, {o[1] for o in failed}
            assert all(b"Briefly unavailable" in o[3] and o[4] == "30" for o in failed)
            assert max(o[2] for o in during) < 10, "a request hung while the database was away"
            # Back without restarting anything of the app's own.
            assert len(after) >= 10 and all(o[1] == 200 for o in after)
            assert recovered - up < 30
        booted = log.read_text().count("Booting worker")
        assert booted == 2, f"gunicorn booted {booted} workers for 2: a worker died"


def test_the_portal_keeps_serving_while_redis_is_stopped_and_started(tmp_path):
    redis_port = free_port()
    with PrivatePostgres() as postgres:
        env = site_env(postgres, redis_port, tmp_path)
        with private_redis(redis_port, tmp_path):
            manage(env, "migrate", "--noinput")
            manage(env, "load_demo")
            manage(env, "collectstatic", "--noinput")
        # Redis is down from here on.
        with gunicorn(env, workers=2, log_path=tmp_path / "gunicorn.log") as (base, server):
            port = int(base.rsplit(":", 1)[1])
            cookies = sign_in(port, DIRECTOR, PASSWORD)
            with Load(port, cookies) as load:
                wait_until(lambda: len(load.outcomes) >= 20, timeout=30, what="the load to get going")
                status, body = Session(port).get("/healthz")
                assert status == 200 and json.loads(body)["redis"]["ok"] is False, body
                with private_redis(redis_port, tmp_path):
                    started = time.monotonic()
                    wait_until(lambda: len(load.between(started, float("inf"))) >= 20, what="requests")
                    status, body = Session(port).get("/healthz")
                    assert status == 200 and json.loads(body)["redis"]["ok"] is True, body
                stopped = time.monotonic()
                wait_until(lambda: len(load.between(stopped, float("inf"))) >= 20, what="requests")
            assert server.poll() is None
        assert load.outcomes and all(o[1] == 200 for o in load.outcomes), {o[1] for o in load.outcomes}
