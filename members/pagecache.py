"""Portal pages kept, per reader, until the network's data changes (at most ``PORTAL_CACHE_SECONDS``).

A portal page costs far more in queries and template rendering than the stack it runs on, and directors mostly
reload the same few pages while nothing changes. ``@cached_page`` keeps the HTML of a page it rendered for one
reader and serves it again to that reader:

- The entry is keyed by the user, the CSRF secret of their browser (the page's forms carry tokens made from it, so
  another browser or a new sign-in never gets them), the language and the full path with its query string. Nobody
  is served a page rendered for somebody else.
- It records the *generation* of the data it was rendered from. Any change to the registry, the meetings or the
  knowledge base (a model of the ``members`` or ``meetings`` app saved or deleted, a many-to-many relation
  changed, and the few bulk updates, which call ``changed()`` themselves) starts a new generation, inside the
  transaction and again after it commits; a page from an older generation is never served again. The outbox is
  the exception: no portal page shows it, and delivery writes it hundreds of times a second.
- What depends on the clock alone ("upcoming", "overdue", "in 3 days") is at most ``PORTAL_CACHE_SECONDS`` old.

Only GET requests that answered 200 with HTML are kept; a request with messages to show, or the first one of a
browser (no CSRF cookie yet), is rendered as usual. ``PORTAL_CACHE_SECONDS = 0`` turns it off.

Kept pages hold personal data (the directory, answers), so none outlives its purpose: the database cache keeps
expired rows until it is full, so ``forget()`` deletes them (every five minutes, from beat or ``run_jobs``), and
erasing a person deletes every kept page at once. Redis and memory caches drop expired entries themselves.
"""

from __future__ import annotations

import functools
import hashlib
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language

GENERATION = "portal:generation"
PAGE_PREFIX = "portal:page:"
WATCHED_APPS = frozenset({"members", "meetings", "knowledge"})
UNWATCHED_MODELS = frozenset({"outgoingmessage", "historicaloutgoingmessage"})


def _new_generation() -> None:
    cache.set(GENERATION, secrets.token_hex(8), timeout=None)


class _AfterCommit:
    """The new generation waiting for a transaction's commit. ``reads``: how often pages on this connection had
    read the generation when it was asked for."""

    def __init__(self, reads: int) -> None:
        self.reads = reads

    def __call__(self) -> None:
        _new_generation()


def changed(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Start a new generation: no page rendered before this change is served after it.

    Done now (with the database cache this write is part of the transaction, so it appears with the change) and
    once more after the transaction commits (a cache outside the database could otherwise be refilled, between
    the two, with a page read from the old data). A transaction that changes many rows does it once, and again
    only when a page has read the generation in between (a test, or a view that reads its own writes)."""
    connection = connections[using]
    if not connection.in_atomic_block:
        _new_generation()
        return
    reads = getattr(connection, "pagecache_reads", 0)
    # Django keeps the callbacks waiting for this transaction's commit as (savepoints, callback, robust); a
    # rolled-back savepoint takes its callbacks, and its cache write, with it.
    if any(isinstance(entry[1], _AfterCommit) and entry[1].reads == reads for entry in connection.run_on_commit):
        return
    _new_generation()
    transaction.on_commit(_AfterCommit(reads), using=using)


def on_model_change(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Receiver of post_save, post_delete and m2m_changed for every model (connected in MembersConfig.ready)."""
    meta = sender._meta
    if meta.app_label in WATCHED_APPS and meta.model_name not in UNWATCHED_MODELS:
        changed(using=using)


def _key(request) -> str | None:
    secret = request.META.get("CSRF_COOKIE")
    if not secret:
        return None
    parts = (str(request.user.pk), secret, get_language() or "", request.get_full_path())
    return PAGE_PREFIX + hashlib.sha256("\0".join(parts).encode()).hexdigest()


def cached_page(view):
    """Serve the reader the page rendered for them before, unless the data changed since (see the module)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = settings.PORTAL_CACHE_SECONDS
        key = _key(request) if seconds and request.method == "GET" else None
        if key is None or len(messages.get_messages(request)):
            return view(request, *args, **kwargs)
        found = cache.get_many([GENERATION, key])
        connection = connections[DEFAULT_DB_ALIAS]
        connection.pagecache_reads = getattr(connection, "pagecache_reads", 0) + 1
        generation = found.get(GENERATION)
        if generation is None:  # a new or emptied cache: start counting, keep nothing this time
            cache.add(GENERATION, secrets.token_hex(8), timeout=None)
            return view(request, *args, **kwargs)
        entry = found.get(key)
        if entry is not None and entry[0] == generation:
            get_token(request)  # renews the CSRF cookie, as rendering the page's forms would
            return HttpResponse(entry[1])
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and not len(messages.get_messages(request))  # the view added a message: it shows once
        ):
            cache.set(key, (generation, response.content), seconds)
        return response

    return wrapper


def forget(*, all_pages: bool = False) -> int:
    """Delete kept pages from the database cache: those past their time, or ``all_pages``. Returns how many rows
    went; 0 with a cache that expires entries itself."""
    backend = caches["default"]
    if not isinstance(backend, DatabaseCache):
        return 0
    connection = connections[router.db_for_write(backend.cache_model_class)]
    prefix = backend.make_key(PAGE_PREFIX)
    condition = "cache_key LIKE %s ESCAPE '!'"
    params = [prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"]
    if not all_pages:
        condition += " AND expires < %s"
        params.append(connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0)))
    table = connection.ops.quote_name(settings.CACHES["default"]["LOCATION"])
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {condition}", params)  # noqa: S608  # nosec B608 - quoted name
        return cursor.rowcount
