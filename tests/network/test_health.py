import json

import pytest
from django.db import connection

from tests.helpers import base_env, celery_worker, database_url, gunicorn, http_get, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_healthz_reports_database_redis_and_workers(redis_url, tmp_path):
    env = base_env(
        DG_VAR_DIR=str(tmp_path),
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL=redis_url,
    )
    with gunicorn(env) as (base, _proc):
        status, body = http_get(base + "/healthz")
        state = json.loads(body)
        assert status == 200
        assert state["database"]["ok"] is True
        assert state["redis"] == {"ok": True, "configured": True}
        assert state["celery"]["workers"] == 0
        assert state["status"] == "degraded"  # no worker yet: mail would wait

        with celery_worker(env, log_path=tmp_path / "worker.log"):
            state = wait_until(
                lambda: (s := json.loads(http_get(base + "/healthz")[1]))["celery"]["workers"] == 1 and s,
                what="the worker to answer the health check's ping",
            )
        assert state["status"] == "ok"


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    env = base_env(DG_VAR_DIR=str(tmp_path), DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere")
    with gunicorn(env) as (base, _proc):
        status, body = http_get(base + "/healthz")
    state = json.loads(body)
    assert status == 503
    assert state["status"] == "down"
    assert state["database"]["ok"] is False
