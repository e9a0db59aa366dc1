"""The outbox: every email is first a row, written in the transaction of the change that caused it, then handed to a
Celery task after commit and sent by Django's mail backend (``worker``).

- ``store`` / ``store_single`` are called by the code that decides to send (the meetings' and the accounts' mail),
  inside its transaction. Each message has a unique key (such as ``invitation:42:0``), so the same message is never
  made twice. What the messages say is the caller's; the outbox knows no meeting and no person's preferences.
- ``enqueue`` hands rows to Celery after the commit, a few to a task (``tasks.send_messages``).
- ``sweep()`` runs periodically: it re-queues rows left in flight too long (a worker died) and hands over again rows
  that stayed queued too long (the broker was away, a task was lost). Duplicate tasks are harmless: only one claims.
- ``purge_bodies()`` deletes old bodies (retention of personal data).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import logging
from collections.abc import Iterator
from email.utils import make_msgid

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from network.lib.neutralise import header_text

from .models import MessageStatus, OutgoingMessage
from .tasks import MESSAGES_PER_TASK, send_messages

log = logging.getLogger(__name__)


# --- Storing --------------------------------------------------------------------------------------------------------


def new_message_id() -> str:
    """A fresh ``Message-ID`` header value on the site's domain (``MAIL_MESSAGE_ID_DOMAIN``)."""
    return make_msgid(domain=settings.MAIL_MESSAGE_ID_DOMAIN)


def new_message(
    *,
    key: str,
    kind: str,
    to: str,
    language: str,
    subject: str,
    text: str,
    html: str = "",
    person=None,
    meeting=None,
    invitation=None,
    cc: list[str] | None = None,
    attachments: list[dict] | None = None,
    urgent: bool = False,
) -> OutgoingMessage:
    """The one way to build an outbox row (unsaved, queued): ``key`` says what the message is for (unique),
    ``kind`` a ``MessageKind``, ``language`` the code it is written in; the subject is made one line
    (``header_text``) and cut to 300 characters and a Message-ID made. Store it with ``store``/``store_single``;
    ``person``, ``meeting`` and ``invitation`` are the rows it concerns, when there are. An ``urgent`` message (an
    alert) is handed to the workers ahead of every other queued message and swept sooner (``enqueue``, ``sweep``)."""
    return OutgoingMessage(
        key=key,
        kind=kind,
        meeting=meeting,
        invitation=invitation,
        person=person,
        to=to,
        cc=cc or [],
        language=language,
        subject=header_text(subject)[:300],
        body_text=text,
        body_html=html,
        attachments=attachments or [],
        message_id=new_message_id(),
        urgent=urgent,
    )


def store(messages: list[OutgoingMessage]) -> list[int]:
    """Insert the unsaved ``messages`` whose key is new (a key already stored is skipped, so calling twice makes each
    message once); after the caller's commit, hand the queued ones to the workers. A row without a ``message_id``
    gets one. Returns the ids of the rows inserted now."""
    if not messages:
        return []
    for message in messages:
        message.message_id = message.message_id or new_message_id()
    existing = set(OutgoingMessage.objects.filter(key__in=[m.key for m in messages]).values_list("key", flat=True))
    fresh = [m for m in messages if m.key not in existing]
    OutgoingMessage.objects.bulk_create(fresh, ignore_conflicts=True)
    stored = dict(OutgoingMessage.objects.filter(key__in=[m.key for m in fresh]).values_list("key", "pk"))
    queued = [stored[m.key] for m in fresh if m.status == MessageStatus.QUEUED and m.key in stored]
    urgent = [stored[m.key] for m in fresh if m.status == MessageStatus.QUEUED and m.key in stored and m.urgent]
    transaction.on_commit(lambda: enqueue(queued, urgent=urgent))
    return list(stored.values())


def store_single(message: OutgoingMessage) -> int:
    """Save one unsaved message (account emails: their key is unique by construction) and hand it over after the
    caller's commit. A row without a ``message_id`` gets one. Returns its id; a key already stored raises
    ``IntegrityError``."""
    message.message_id = message.message_id or new_message_id()
    message.save()
    transaction.on_commit(lambda: enqueue([message.pk], urgent=[message.pk] if message.urgent else ()))
    return message.pk


# --- Handing over to Celery -----------------------------------------------------------------------------------------


_handover: contextvars.ContextVar[dict | None] = contextvars.ContextVar("handover", default=None)


@contextlib.contextmanager
def handing_over_in_steps() -> Iterator[None]:
    """For work that hands its messages over in several steps (a meeting's invitations, a batch at a time): once the
    broker could not be reached, the later steps do not try again (each try can wait for the connection's timeout);
    their rows stay queued like the first step's, and the sweeper hands them all over."""
    token = _handover.set({"broker_down": False})
    try:
        yield
    finally:
        _handover.reset(token)


def _runs(ids: list[int]) -> list[list[int]]:
    """``ids`` cut into consecutive runs of at most ``MESSAGES_PER_TASK``, of about the same length."""
    if not ids:
        return []
    tasks = -(-len(ids) // MESSAGES_PER_TASK)
    return [ids[i * len(ids) // tasks : (i + 1) * len(ids) // tasks] for i in range(tasks)]


def enqueue(ids: list[int], *, urgent=()) -> int:
    """Hand messages to Celery: consecutive runs of at most ``MESSAGES_PER_TASK`` ids, a task each, all published
    through one producer (one broker connection). Those of ``ids`` also in ``urgent`` go first, in tasks of their own
    with ``OUTBOX_URGENT_PRIORITY`` (on Redis the workers take them before any task of the default priority,
    ``CELERY_TASK_DEFAULT_PRIORITY``). If the broker cannot be reached the rows stay queued and the sweeper hands
    them over later; nothing is lost. Returns how many messages were handed over."""
    steps = _handover.get()
    if not ids or (steps is not None and steps["broker_down"]):
        return 0
    urgent = set(urgent)
    batches = [(run, {"priority": settings.OUTBOX_URGENT_PRIORITY}) for run in _runs([i for i in ids if i in urgent])]
    batches += [(run, {}) for run in _runs([i for i in ids if i not in urgent])]
    handed = 0
    try:
        with send_messages.app.producer_or_acquire() as producer:  # taken from the app's pool once, not once a task
            for run, options in batches:
                send_messages.apply_async((run,), retry=False, producer=producer, **options)
                handed += len(run)
    except Exception as error:  # kombu's OperationalError, redis' ConnectionError, …: the broker is away
        pending = [pk for run, _options in batches for pk in run][handed:]
        log.warning("Could not hand messages %s to Celery (%s); the sweeper will retry.", pending, error)
        if steps is not None:
            steps["broker_down"] = True
    return handed


def resend(message: OutgoingMessage) -> None:
    """Send a failed message again (the admin's action), after the caller's commit."""
    OutgoingMessage.objects.filter(pk=message.pk, status=MessageStatus.FAILED).update(
        status=MessageStatus.QUEUED, next_attempt_at=None, attempts=0
    )
    transaction.on_commit(lambda: enqueue([message.pk], urgent=[message.pk] if message.urgent else ()))


# --- Sweeping and retention -----------------------------------------------------------------------------------------


LEFT_IN_FLIGHT = "Left in flight (worker stopped?); re-queued."


def sweep() -> dict[str, int]:
    """Re-queue rows in flight for more than ``OUTBOX_STALE_SECONDS`` (a worker died), then hand over every queued
    row that has been due for that long (the broker was away, a task was lost); for urgent rows (alerts) the delay is
    ``OUTBOX_URGENT_STALE_SECONDS`` and they are handed over first, with their priority. Returns the counts:
    ``stuck`` rows re-queued, rows ``handed`` over, rows still ``waiting`` for the broker."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.OUTBOX_STALE_SECONDS)
    urgent_stale = now - datetime.timedelta(seconds=settings.OUTBOX_URGENT_STALE_SECONDS)
    in_flight = Q(urgent=False, sending_at__lt=stale) | Q(urgent=True, sending_at__lt=urgent_stale)
    stuck = OutgoingMessage.objects.filter(in_flight, status=MessageStatus.SENDING).update(
        status=MessageStatus.QUEUED, sending_at=None, last_error=LEFT_IN_FLIGHT
    )

    def late(before: datetime.datetime) -> Q:
        return Q(next_attempt_at__isnull=True, created_at__lt=before) | Q(next_attempt_at__lt=before)

    rows = list(
        OutgoingMessage.objects.filter(
            (Q(urgent=False) & late(stale)) | (Q(urgent=True) & late(urgent_stale)), status=MessageStatus.QUEUED
        )
        .order_by("-urgent", "pk")
        .values_list("pk", "urgent")[:5000]
    )
    ids = [pk for pk, _urgent in rows]
    handed = enqueue(ids, urgent=[pk for pk, urgent in rows if urgent])
    return {"stuck": stuck, "handed": handed, "waiting": len(ids) - handed}


def purge_bodies(days: int | None = None) -> int:
    """Delete the bodies and attachments of messages sent or failed more than ``days`` ago (default
    ``OUTBOX_RETENTION_DAYS``); the record of what went out, to whom and when stays. Returns how many rows were
    purged now."""
    days = settings.OUTBOX_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - datetime.timedelta(days=days)
    return OutgoingMessage.objects.filter(
        status__in=[MessageStatus.SENT, MessageStatus.FAILED], created_at__lt=cutoff, bodies_purged_at__isnull=True
    ).update(body_text="", body_html="", attachments=[], bodies_purged_at=timezone.now())


def forget_person(person_id: int, *, address: str) -> None:
    """For the erasure of a person: their messages not sent yet are never sent, and every message of theirs loses
    its bodies and gets ``address`` (an anonymous one) instead of theirs."""
    OutgoingMessage.objects.filter(person_id=person_id, status=MessageStatus.QUEUED).update(
        status=MessageStatus.FAILED, last_error="Not sent: the person's data was erased.", next_attempt_at=None
    )
    OutgoingMessage.objects.filter(person_id=person_id).update(
        to=address, cc=[], body_text="", body_html="", attachments=[], bodies_purged_at=timezone.now()
    )
