"""The worker's side of the outbox: build a row into Django's email, claim it, send it, record it.

``deliver_many(message_ids)`` is what the task ``tasks.send_messages`` runs, for a few rows of a sending: one after the
other, it claims each row with a conditional UPDATE (only if still queued and due) just before sending it, sends it,
and records it as sent; a temporary SMTP failure puts it back in the queue with a later attempt time; a permanent
one, or a message that cannot be built, marks it failed with the error. A row's record and the next row's claim
commit together.

Delivery is at least once: a worker killed between the SMTP server's "accepted" and the "sent" record leaves that one
message in flight (never more than one a process), and it is sent again once the sweeper (``services.sweep``)
re-queues it.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import logging
import smtplib
import socket
from email.message import MIMEPart
from email.mime.text import MIMEText

import django
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import MessageStatus, OutgoingMessage, error_text

log = logging.getLogger(__name__)


# --- Building -------------------------------------------------------------------------------------------------------


def calendar_part(content: str, *, method: str, filename: str = "meeting.ics"):
    """A calendar file as a MIME part that mail clients offer to add to the calendar:
    ``text/calendar; method=<method>; charset=utf-8``, attached as ``filename``. ``method``: ``REQUEST`` (an
    invitation or a change) or ``CANCEL``. Give it to ``EmailMessage.attach``.

    Django 6 attaches parts of the email package's modern API (``MIMEPart``) and deprecates the legacy ``MIMEBase``
    ones, which are all that Django 5.2 accepts: each gets the kind it takes."""
    if django.VERSION >= (6, 0):
        part = MIMEPart()
        params = {"method": method}
        part.set_content(content, subtype="calendar", params=params, disposition="attachment", filename=filename)
        return part
    part = MIMEText(content, "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def build_email(message: OutgoingMessage, connection=None) -> EmailMultiAlternatives:
    """The outbox row as Django's email: the text, its HTML alternative, its attachments (a calendar file through
    ``calendar_part``). Raises ``ValueError`` for a row without a text (it could not be composed); a header Django
    refuses (a line break in the subject) raises when the message is sent."""
    if not message.body_text:
        raise ValueError("The message has no text: it could not be composed.")
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        cc=message.cc,
        reply_to=[settings.SECRETARIAT_EMAIL],
        headers={
            "Message-ID": message.message_id,
            "Auto-Submitted": "auto-generated",
            "Content-Language": message.language,
        },
        connection=connection,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments:
        if attachment["content_type"] == "text/calendar":
            part = calendar_part(
                attachment["content"], method=attachment.get("method") or "REQUEST", filename=attachment["filename"]
            )
            email.attach(part)
        else:
            content = attachment["content"]
            if attachment.get("encoding") == "base64":  # binary files (a PDF) are stored as base64 text
                content = base64.b64decode(content)
            email.attach(attachment["filename"], content, attachment["content_type"])
    return email


# --- Delivering -------------------------------------------------------------------------------------------------------


TEMPORARY = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, socket.timeout, TimeoutError)


def _is_temporary(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, (*TEMPORARY, OSError))


def backoff(attempts: int) -> datetime.timedelta:
    """The wait before the next attempt after ``attempts`` failed ones: ``MAIL_RETRY_SECONDS``, doubling, at most an
    hour."""
    return datetime.timedelta(seconds=min(settings.MAIL_RETRY_SECONDS * 2 ** max(attempts - 1, 0), 3600))


def due(now: datetime.datetime) -> Q:
    """Rows whose (next) attempt is due at ``now``."""
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def claim(message_id: int) -> OutgoingMessage | None:
    """Mark the row in flight if it is still queued and due, and return it; None means: nothing to do (sent, failed,
    not due yet, or claimed by another task). Of two tasks for the same row, the second one's UPDATE waits for the
    first one's row lock and then finds the row no longer queued."""
    now = timezone.now()
    queued = OutgoingMessage.objects.filter(due(now), pk=message_id, status=MessageStatus.QUEUED)
    claimed = queued.update(status=MessageStatus.SENDING, sending_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return None
    return OutgoingMessage.objects.get(pk=message_id)


def _send(email: EmailMultiAlternatives, connection) -> int:
    """Send over ``connection`` (a backend kept open by the worker from message to message), reconnecting once if
    the server closed it meanwhile; without a connection, Django opens one for this message. Returns how many
    messages went (0: no recipient)."""
    if connection is None:
        return email.send()
    connection.open()  # opened here, it stays open after the send (a backend closes only what send opened)
    try:
        return connection.send_messages([email])
    except (smtplib.SMTPServerDisconnected, ConnectionError):  # idle too long, or closed after a 421
        connection.close()
        connection.open()
        return connection.send_messages([email])


def _failed(message: OutgoingMessage, error: Exception) -> datetime.timedelta | None:
    """Record a failed send of a claimed row. Returns the delay before the next attempt after a temporary failure,
    else None (the row is failed for good)."""
    text = error_text(error)
    if _is_temporary(error) and message.attempts < settings.MAIL_MAX_ATTEMPTS:
        delay = backoff(message.attempts)
        OutgoingMessage.objects.filter(pk=message.pk).update(
            status=MessageStatus.QUEUED, last_error=text, next_attempt_at=timezone.now() + delay, sending_at=None
        )
        log.warning("Message %s: temporary failure (%s); next attempt in %s", message.pk, text, delay)
        return delay
    OutgoingMessage.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED, last_error=text, sending_at=None)
    log.error("Message %s failed: %s", message.pk, text)
    return None


def _record(message: OutgoingMessage, error: Exception | None) -> datetime.timedelta | None:
    """Record how the send of a claimed row went: sent (``error`` None), else as ``_failed`` does. Returns the delay
    before the next attempt after a temporary failure, else None."""
    if error is not None:
        return _failed(message, error)
    OutgoingMessage.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENT, sent_at=timezone.now(), sending_at=None, next_attempt_at=None
    )
    return None


def _attempt(message: OutgoingMessage, connection) -> Exception | None:
    """Build and send a claimed row; returns what went wrong, or None when the server accepted it. A message that
    cannot be built (a header Django refuses, no text) or has no recipient is this message's error too."""
    try:
        if not _send(build_email(message), connection):
            raise ValueError("The message has no recipient.")
    except Exception as error:  # whatever the reason, it is this message's: recorded on its row
        return error
    return None


def deliver_many(message_ids: list[int], *, connection=None) -> dict[int, datetime.timedelta]:
    """Send outbox rows one after the other, each only if it is still queued and due: claimed just before its send,
    recorded just after it. ``connection``: a mail backend to send over (kept open by the caller), else one per
    message. Returns, by row id, the delay before the next attempt of each row that failed for a moment (the others
    were sent, failed for good, or had nothing to do).

    A row's record and the next row's claim are one transaction (one commit a message, not two); the last row's
    record is its own. So at most one row is in flight at a time, as with one row a call: if the process dies
    after the server accepted a message and before that transaction commits, that one message stays in flight and
    is sent again once the sweeper re-queues it (at least once), and the next row, not claimed, is still queued.
    A database error while recording or claiming propagates; the rows it left in flight or queued are the
    sweeper's."""
    delays: dict[int, datetime.timedelta] = {}
    outcome: tuple[OutgoingMessage, Exception | None] | None = None
    for message_id in message_ids:
        with transaction.atomic() if outcome is not None else contextlib.nullcontext():
            if outcome is not None:
                delay = _record(*outcome)
                if delay is not None:
                    delays[outcome[0].pk] = delay
            message = claim(message_id)
        outcome = (message, _attempt(message, connection)) if message is not None else None
    if outcome is not None:
        delay = _record(*outcome)
        if delay is not None:
            delays[outcome[0].pk] = delay
    return delays


def deliver(message_id: int, *, connection=None) -> datetime.timedelta | None:
    """Send one outbox row if it is still queued and due (``deliver_many`` of one row: three statements, the claim,
    the row's load and the record). Returns the delay before the next attempt after a temporary failure, else None
    (sent, failed for good, or nothing to do)."""
    return deliver_many([message_id], connection=connection).get(message_id)


def deliver_due(limit: int = 500) -> int:
    """Send due rows in this process over one connection (the embedded default's job runner). Returns how many
    were tried."""
    ids = list(
        OutgoingMessage.objects.filter(due(timezone.now()), status=MessageStatus.QUEUED)
        .order_by("-urgent", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    connection = get_connection()
    try:
        deliver_many(ids, connection=connection)
    finally:
        connection.close()
    return len(ids)
