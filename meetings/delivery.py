"""The outbox: every email is first a row, written in the transaction of the change that caused it, then handed to a
Celery task after commit and sent by Django's mail backend.

- ``queue_*`` functions are called by the meeting services inside their transaction. Each message has a unique key
  (such as ``invitation:42:0``), so the same message is never made twice. What the messages say is ``mailmerge``'s.
- ``enqueue`` hands rows to Celery, one task per message (``tasks.send_message``), after the commit.
- ``deliver(message_id)`` is what that task runs: it claims the row with a conditional UPDATE (only if still queued
  and due), sends it, and records it as sent; a temporary SMTP failure puts it back in the queue with a later attempt
  time; a permanent one, or a message that cannot be built, marks it failed with the error.
- ``sweep()`` runs periodically: it re-queues rows left in flight too long (a worker died) and hands over again rows
  that stayed queued too long (the broker was away, a task was lost). Duplicate tasks are harmless: only one claims.

Delivery is at least once: a worker killed between the SMTP server's "accepted" and the "sent" record leaves that one
message in flight, and it is sent again once the sweeper re-queues it.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import logging
import smtplib
import socket
from email.mime.text import MIMEText
from email.utils import make_msgid

import django
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from members.models import Person

from .enums import Answer, MeetingStatus
from .mailmerge import Composed, compose, language_of, render, site_url

# Imported from here by the portal and the answer pages.
from .mailmerge import documents_for as documents_for
from .mailmerge import when as when
from .models import Invitation, Meeting, MeetingChange, MessageKind, MessageStatus, OutgoingMessage

log = logging.getLogger(__name__)

# Copied to the invitee's assistants.
COPIED = {MessageKind.INVITATION, MessageKind.UPDATE, MessageKind.CANCELLATION}


# --- Queueing -----------------------------------------------------------------------------------------------------


def outbox_message(
    *,
    key: str,
    kind: str,
    to: str,
    language: str,
    subject: str,
    text: str,
    html: str = "",
    person=None,
    meeting: Meeting | None = None,
    invitation: Invitation | None = None,
    cc: list[str] | None = None,
    attachments: list[dict] | None = None,
) -> OutgoingMessage:
    """The one way to build an outbox row (unsaved, queued): ``key`` says what the message is for (unique),
    ``kind`` a ``MessageKind``, ``language`` the code it is written in; the subject is cut to 300 characters and a
    Message-ID made. Store it with ``_store``/``store_single``."""
    return OutgoingMessage(
        key=key,
        kind=kind,
        meeting=meeting,
        invitation=invitation,
        person=person,
        to=to,
        cc=cc or [],
        language=language,
        subject=subject[:300],
        body_text=text,
        body_html=html,
        attachments=attachments or [],
        message_id=make_msgid(domain=settings.MAIL_MESSAGE_ID_DOMAIN),
    )


def _row(kind: str, key: str, invitation: Invitation, composed: Composed, *, cc: list[str] | None = None):
    return outbox_message(
        key=key,
        kind=kind,
        meeting=invitation.meeting,
        invitation=invitation,
        person=invitation.person,
        to=invitation.person.email,
        cc=cc,
        language=language_of(invitation.person),
        subject=composed.subject,
        text=composed.text,
        html=composed.html,
        attachments=composed.attachments,
    )


def _reason(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _not_composed(kind: str, key: str, invitation: Invitation, error: Exception) -> OutgoingMessage:
    """The row of a message that could not be composed: failed, with the reason, so that the others still go and
    the secretariat sees which one did not."""
    log.exception("Message %s could not be composed", key)
    row = _row(kind, key, invitation, Composed("", "", "", []))
    row.status = MessageStatus.FAILED
    row.last_error = "Could not be composed: " + _reason(error)
    return row


def _store(rows: list[OutgoingMessage]) -> list[int]:
    """Insert the rows whose key is new; after commit, hand the queued ones to the workers. Returns the new rows'
    ids."""
    if not rows:
        return []
    existing = set(OutgoingMessage.objects.filter(key__in=[r.key for r in rows]).values_list("key", flat=True))
    fresh = [r for r in rows if r.key not in existing]
    OutgoingMessage.objects.bulk_create(fresh, ignore_conflicts=True)
    stored = dict(OutgoingMessage.objects.filter(key__in=[r.key for r in fresh]).values_list("key", "pk"))
    queued = [stored[r.key] for r in fresh if r.status == MessageStatus.QUEUED and r.key in stored]
    transaction.on_commit(lambda: enqueue(queued))
    return list(stored.values())


def store_single(message: OutgoingMessage) -> int:
    """Store one prepared message (account emails) and hand it over after commit. Returns its id."""
    message.save()
    transaction.on_commit(lambda: enqueue([message.pk]))
    return message.pk


def queue(
    kind: str, invitations: list[Invitation], *, key_suffix: str = "", key=None, shared: dict | None = None, **extra
) -> list[int]:
    """Compose and store one message of ``kind`` per invitation; returns the new rows' ids. The key says what the
    message is for (by default kind, invitation and the meeting's revision), so the same message is never made twice.
    ``shared`` (for invitations of one meeting) keeps the agenda and the rendered forms for later calls of the same
    sending. A message that cannot be composed is stored as failed with the reason; the others go."""
    from .services import assistants_for

    by_meeting: dict[int, list[Invitation]] = {}
    for invitation in invitations:
        by_meeting.setdefault(invitation.meeting_id, []).append(invitation)
    if shared is not None and len(by_meeting) > 1:
        raise ValueError("shared forms are for the invitations of one meeting")
    rows = []
    for batch in by_meeting.values():
        meeting = batch[0].meeting
        forms = shared if shared is not None else {}  # the agenda and the rendered forms, once for the batch
        copied = assistants_for([i.person for i in batch], on=meeting.local_start.date()) if kind in COPIED else {}
        for invitation in batch:
            message_key = key(invitation) if key else f"{kind}:{invitation.pk}:{meeting.sequence}{key_suffix}"
            try:
                composed = compose(kind, invitation, shared=forms, **extra)
            except DatabaseError:
                raise  # the database's fault, not this message's: the caller's transaction is spoiled
            except Exception as error:  # one message's fault must not stop a meeting's sending
                rows.append(_not_composed(kind, message_key, invitation, error))
                continue
            cc = [a.email for a in copied.get(invitation.person_id, [])]
            rows.append(_row(kind, message_key, invitation, composed, cc=cc))
    return _store(rows)


def queue_invitations(invitations: list[Invitation], *, shared: dict | None = None) -> list[int]:
    return queue(MessageKind.INVITATION, invitations, shared=shared)


def update_recipients(meeting: Meeting):
    """Who hears of a change: every standing invitation that went out, except those who declined or delegated
    (their substitute hears instead)."""
    return (
        meeting.invitations.live()
        .filter(sent_at__isnull=False)
        .exclude(answer__in=[Answer.DECLINED, Answer.DELEGATED])
        .select_related("person__organisation", "meeting")
    )


def queue_update(meeting: Meeting, change: MeetingChange) -> list[int]:
    labels = {
        "format": _("format"),
        "starts_at": _("start"),
        "ends_at": _("end"),
        "time_zone": _("time zone"),
        "venue_name": _("venue"),
        "venue_address": _("address"),
        "venue_city": _("city"),
        "video_link": _("video-conference link"),
        "dial_in": _("dial-in"),
    }
    return queue(
        MessageKind.UPDATE, list(update_recipients(meeting)), changed=[labels.get(f, f) for f in change.changes]
    )


def queue_cancellation(meeting: Meeting) -> list[int]:
    recipients = meeting.invitations.live().filter(sent_at__isnull=False).select_related("person__organisation")
    return queue(MessageKind.CANCELLATION, list(recipients))


def queue_withdrawal(invitation: Invitation) -> list[int]:
    """A withdrawn invitation that went out is cancelled in the person's calendar."""
    if invitation.sent_at is None:
        return []
    return queue(MessageKind.CANCELLATION, [invitation], key_suffix=":withdrawn", withdrawn=True)


def queue_confirmation(invitation: Invitation) -> list[int]:
    stamp = int(invitation.answered_at.timestamp()) if invitation.answered_at else 0
    return queue(MessageKind.CONFIRMATION, [invitation], key_suffix=f":{stamp}")


def queue_action_reminder(action, person: Person, *, key: str, overdue: bool) -> int:
    """One reminder about an action to one person of its owner (the key makes it once per period). Returns how many
    rows were stored (0 or 1)."""
    if OutgoingMessage.objects.filter(key=key).exists():
        return 0
    language = language_of(person)
    with translation.override(language):
        context = {
            "person": person,
            "action": action,
            "overdue": overdue,
            "due": date_format(action.due_date, "DATE_FORMAT"),
            "conclusion": action.conclusion,
            "meeting": action.conclusion.meeting,
            "actions_url": site_url(reverse("portal:actions")),
            "portal_url": site_url(reverse("portal:dashboard")),
            "secretariat_email": settings.SECRETARIAT_EMAIL,
        }
        if overdue:
            subject = _("Overdue action: %(title)s") % {"title": action.title}
        else:
            subject = _("Action due on %(date)s: %(title)s") % {"date": context["due"], "title": action.title}
        text, html = render("action_reminder", context)
    row = outbox_message(
        key=key,
        kind=MessageKind.ACTION_REMINDER,
        person=person,
        to=person.email,
        language=language,
        subject=subject,
        text=text,
        html=html,
    )
    return len(_store([row]))


# --- Handing over to Celery -----------------------------------------------------------------------------------------


_handover: contextvars.ContextVar[dict | None] = contextvars.ContextVar("handover", default=None)


@contextlib.contextmanager
def handing_over_in_steps():
    """For work that hands its messages over in several steps (a meeting's invitations, a batch at a time): once the
    broker could not be reached, the later steps do not try again (each try can wait for the connection's timeout);
    their rows stay queued like the first step's, and the sweeper hands them all over."""
    token = _handover.set({"broker_down": False})
    try:
        yield
    finally:
        _handover.reset(token)


def enqueue(ids: list[int]) -> int:
    """Hand messages to Celery, one task each. If the broker cannot be reached the rows stay queued and the sweeper
    hands them over later; nothing is lost. Returns how many were handed over."""
    from .tasks import send_message

    steps = _handover.get()
    if not ids or (steps is not None and steps["broker_down"]):
        return 0
    for handed, message_id in enumerate(ids):
        try:
            send_message.apply_async((message_id,), retry=False)
        except Exception as error:  # kombu's OperationalError, redis' ConnectionError, …: the broker is away
            log.warning("Could not hand messages %s to Celery (%s); the sweeper will retry.", ids[handed:], error)
            if steps is not None:
                steps["broker_down"] = True
            return handed
    return len(ids)


# --- Building -------------------------------------------------------------------------------------------------------


def calendar_part(content: str, *, method: str, filename: str = "meeting.ics"):
    """A calendar file as a MIME part that mail clients offer to add to the calendar:
    ``text/calendar; method=<method>; charset=utf-8``, attached as ``filename``. ``method``: ``REQUEST`` (an
    invitation or a change) or ``CANCEL``. Give it to ``EmailMessage.attach``.

    Django 6 attaches parts of the email package's modern API (``MIMEPart``) and deprecates the legacy ``MIMEBase``
    ones, which are all that Django 5.2 accepts: each gets the kind it takes."""
    if django.VERSION >= (6, 0):
        from email.message import MIMEPart

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
            email.attach(attachment["filename"], attachment["content"], attachment["content_type"])
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


def _due(now: datetime.datetime) -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def claim(message_id: int) -> OutgoingMessage | None:
    """Mark the row in flight if it is still queued and due, and return it; None means: nothing to do (sent, failed,
    not due yet, or claimed by another task). Of two tasks for the same row, the second one's UPDATE waits for the
    first one's row lock and then finds the row no longer queued."""
    now = timezone.now()
    queued = OutgoingMessage.objects.filter(_due(now), pk=message_id, status=MessageStatus.QUEUED)
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
    text = _reason(error)
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


def deliver(message_id: int, *, connection=None) -> datetime.timedelta | None:
    """Send one outbox row if it is still queued and due: claimed just before the send, recorded as sent just after.
    ``connection``: a mail backend to send over (kept open by the caller), else one for this message. Returns the
    delay before the next attempt after a temporary failure, else None (sent, failed for good, or nothing to do).
    A message that cannot be built (a header Django refuses, no text) is failed with the reason."""
    message = claim(message_id)
    if message is None:
        return None
    try:
        sent = _send(build_email(message), connection)
        if not sent:
            raise ValueError("The message has no recipient.")
    except Exception as error:  # whatever the reason, it is this message's: recorded on its row
        return _failed(message, error)
    OutgoingMessage.objects.filter(pk=message_id).update(
        status=MessageStatus.SENT, sent_at=timezone.now(), sending_at=None, next_attempt_at=None
    )
    return None


def deliver_due(limit: int = 500) -> int:
    """Send due rows in this process over one connection (the embedded default's job runner). Returns how many
    were tried."""
    ids = list(
        OutgoingMessage.objects.filter(_due(timezone.now()), status=MessageStatus.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    connection = get_connection()
    try:
        for message_id in ids:
            deliver(message_id, connection=connection)
    finally:
        connection.close()
    return len(ids)


# --- Sweeping ---------------------------------------------------------------------------------------------------------


LEFT_IN_FLIGHT = "Left in flight (worker stopped?); re-queued."


def sweep() -> dict[str, int]:
    """Re-queue rows in flight for more than ``OUTBOX_STALE_SECONDS`` (a worker died), then hand over every queued
    row that has been due for that long (the broker was away, a task was lost). Returns the counts: ``stuck`` rows
    re-queued, rows ``handed`` over, rows still ``waiting`` for the broker."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.OUTBOX_STALE_SECONDS)
    stuck = OutgoingMessage.objects.filter(status=MessageStatus.SENDING, sending_at__lt=stale).update(
        status=MessageStatus.QUEUED, sending_at=None, last_error=LEFT_IN_FLIGHT
    )
    late = Q(next_attempt_at__isnull=True, created_at__lt=stale) | Q(next_attempt_at__lt=stale)
    ids = list(
        OutgoingMessage.objects.filter(late, status=MessageStatus.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )
    handed = enqueue(ids)
    return {"stuck": stuck, "handed": handed, "waiting": len(ids) - handed}


def resend(message: OutgoingMessage) -> None:
    """Send a failed message again (the admin's action), after the caller's commit."""
    OutgoingMessage.objects.filter(pk=message.pk, status=MessageStatus.FAILED).update(
        status=MessageStatus.QUEUED, next_attempt_at=None, attempts=0
    )
    transaction.on_commit(lambda: enqueue([message.pk]))


# --- Reminders ------------------------------------------------------------------------------------------------------


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Queue every reminder that is due and not sent yet, for meetings whose invitations went out. Each reminder
    reaches each person once (the outbox key), and only people invited before it was due."""
    from .models import ReminderKind, ReminderRule

    now = now or timezone.now()
    queued = 0
    rules = ReminderRule.objects.filter(active=True, meeting__status=MeetingStatus.INVITED).select_related("meeting")
    for rule in rules:
        due, end = rule.due_at(), rule.ends_at()
        if due is None or not (due <= now < end):
            continue
        invitations = (
            rule.meeting.invitations.live().filter(sent_at__lte=due).select_related("person__organisation", "meeting")
        )
        if rule.kind == ReminderKind.PENDING:
            invitations = invitations.filter(answer=Answer.PENDING)
            kind = MessageKind.ANSWER_REMINDER
        else:
            invitations = invitations.filter(answer=Answer.ACCEPTED)
            kind = MessageKind.MEETING_REMINDER
        invitations = [i for i in invitations if i.person.wants_reminders]

        def key(invitation, kind=kind, rule=rule):
            return f"{kind}:{invitation.pk}:r{rule.pk}"

        done = set(OutgoingMessage.objects.filter(key__in=[key(i) for i in invitations]).values_list("key", flat=True))
        with transaction.atomic():
            queued += len(queue(kind, [i for i in invitations if key(i) not in done], key=key))
    return queued
