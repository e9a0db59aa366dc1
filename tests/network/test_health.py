import json

import pytest
from django.db import connection

from tests.helpers import base_env, celery_worker, database_url, gunicorn, http_get, wait_until

pytestmark = pytest.mark.django_db
OPERATOR_TOKEN = "operators-token-" + "q" * 24


@pytest.mark.integration
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


@pytest.mark.integration
def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    env = base_env(DG_VAR_DIR=str(tmp_path), DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere")
    with gunicorn(env) as (base, _proc):
        status, body = http_get(base + "/healthz")
    state = json.loads(body)
    assert status == 503
    assert state["status"] == "down"
    assert state["database"]["ok"] is False
    assert state["database"]["error"] == "OperationalError"


# The test client's requests come from 127.0.0.1 unless REMOTE_ADDR says otherwise; the in-process default has no
# Redis (configured: False) and runs tasks in-process, so the state is "ok".
PUBLIC = {"REMOTE_ADDR": "203.0.113.7"}


def test_healthz_tells_the_public_only_the_status(client):
    response = client.get("/healthz", **PUBLIC)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_gives_details_to_a_request_from_this_machine(client):
    response = client.get("/healthz", REMOTE_ADDR="127.0.0.1")
    assert response.json() == {
        "status": "ok",
        "database": {"ok": True, "vendor": "postgresql"},
        "redis": {"ok": True, "configured": False},
        "celery": {"ok": True, "mode": "in-process", "workers": 0},
    }
    assert set(client.get("/healthz", REMOTE_ADDR="::1").json()) == {"status", "database", "redis", "celery"}
    assert set(client.get("/healthz", REMOTE_ADDR="::ffff:127.0.0.1").json()) == {
        "status",
        "database",
        "redis",
        "celery",
    }


@pytest.mark.parametrize("header", ["HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP"])
def test_healthz_relayed_by_a_proxy_on_this_machine_tells_only_the_status(client, header):
    response = client.get("/healthz", REMOTE_ADDR="127.0.0.1", **{header: "203.0.113.7"})
    assert response.json() == {"status": "ok"}


def test_healthz_gives_details_to_the_operators_token(client, settings):
    settings.HEALTHZ_TOKEN = OPERATOR_TOKEN
    response = client.get("/healthz", HTTP_X_HEALTH_TOKEN=OPERATOR_TOKEN, HTTP_X_FORWARDED_FOR="198.51.100.2", **PUBLIC)
    assert response.json()["database"] == {"ok": True, "vendor": "postgresql"}


@pytest.mark.parametrize("sent", ["", "wrong", OPERATOR_TOKEN[:-1], OPERATOR_TOKEN + "x", OPERATOR_TOKEN.upper()])
def test_healthz_refuses_details_for_a_wrong_token(client, settings, sent):
    settings.HEALTHZ_TOKEN = OPERATOR_TOKEN
    response = client.get("/healthz", HTTP_X_HEALTH_TOKEN=sent, **PUBLIC)
    assert response.json() == {"status": "ok"}


def test_healthz_accepts_no_token_when_none_is_configured(client, settings):
    settings.HEALTHZ_TOKEN = ""
    response = client.get("/healthz", HTTP_X_HEALTH_TOKEN="", **PUBLIC)
    assert response.json() == {"status": "ok"}
