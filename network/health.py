"""``/healthz``: the state of the database, Redis and the Celery workers, as JSON.

Answers 200 while the database is reachable (Redis or workers being down degrade the service: mail waits in the
outbox) and 503 when it is not.

The public is told only ``{"status": "ok" | "degraded" | "down"}``. Operators also get the details (database
vendor, Redis, the number of workers, the kind of error): a request from this machine (loopback address) that no
proxy relayed (none of the headers in ``RELAYED_BY_PROXY``), or a request whose ``X-Health-Token`` header equals
``settings.HEALTHZ_TOKEN`` (the ``HEALTHZ_TOKEN`` environment variable; empty means no token is accepted).
"""

import ipaddress
import logging
import secrets

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

# Headers a reverse proxy adds to what it relays: such a request came from elsewhere, whatever its address here.
RELAYED_BY_PROXY = ("X-Forwarded-For", "Forwarded", "X-Real-Ip")


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any driver error means "down"; the type is reported, not raised
        logger.warning("health check: database unreachable: %s", exc)
        connection.close_if_unusable_or_obsolete()
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}


def _redis() -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "configured": False}
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return {"ok": True, "configured": True}
    except redis.RedisError as exc:
        return {"ok": False, "configured": True, "error": type(exc).__name__}


def _celery(redis_ok: bool) -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process", "workers": 0}
    if not redis_ok:
        return {"ok": False, "mode": "workers", "workers": 0}
    from network.celery import app

    try:
        replies = app.control.ping(timeout=0.5) or []
    except Exception as exc:  # broker errors of several kinds; the check must answer regardless
        return {"ok": False, "mode": "workers", "workers": 0, "error": type(exc).__name__}
    return {"ok": bool(replies), "mode": "workers", "workers": len(replies)}


@never_cache
@require_GET
def healthz(request):
    database = _database()
    redis_state = _redis()
    celery_state = _celery(redis_state["ok"])
    if not database["ok"]:
        status = "down"
    elif redis_state["ok"] and celery_state["ok"]:
        status = "ok"
    else:
        status = "degraded"
    body = {"status": status}
    if is_operator(request):
        body.update(database=database, redis=redis_state, celery=celery_state)
    return JsonResponse(body, status=200 if database["ok"] else 503)


def is_operator(request) -> bool:
    """Whether ``request`` may read the health check's details: it carries the operators' token, or it comes from
    this machine directly (a loopback address, and no header saying a proxy relayed it from elsewhere)."""
    token = settings.HEALTHZ_TOKEN
    sent = request.headers.get("X-Health-Token", "")
    if token and sent and secrets.compare_digest(sent.encode(), token.encode()):
        return True
    if any(header in request.headers for header in RELAYED_BY_PROXY):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback
