"""Outgoing mail: compose each message in its recipient's language, write it to the outbox in the caller's
transaction, hand it to Celery after commit, and deliver it once.

- ``queue_*`` functions are called by the meeting services inside their transaction. Each message has a unique
  key (such as ``invitation:42:0``), so the same message is never made twice.
- ``deliver(message_id)`` is what the Celery task runs: it claims the row (locked, only if still queued), sends
  it, and marks it sent; a temporary SMTP failure puts it back in the queue with a later attempt time; a
  permanent one marks it failed with the error.
- ``sweep()`` runs periodically: it hands over rows that never reached a worker (Redis was down) or were left in
  flight too long (a worker died).
"""

from __future__ import annotations

import datetime
import logging
import smtplib
import socket
from dataclasses import dataclass
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from members.models import Person

from . import calendar, links
from .enums import Answer, MeetingStatus, Visibility
from .models import (
    Document,
    Invitation,
    Meeting,
    MeetingChange,
    MessageKind,
    MessageStatus,
    OutgoingMessage,
)

log = logging.getLogger(__name__)
LANGUAGES = {code for code, _name in settings.LANGUAGES}


def language_of(person: Person) -> str:
    return person.preferred_language if person.preferred_language in LANGUAGES else "en"


def site_url(path: str) -> str:
    return settings.SITE_URL + path


# --- Composing ----------------------------------------------------------------------------------------------------


def when(meeting: Meeting) -> str:
    """The meeting's date and time in its own time zone, in the active language."""
    start, end = meeting.local_start, meeting.local_end
    day = date_format(start, "DATE_FORMAT")
    if start.date() == end.date():
        return f"{day}, {start:%H:%M}–{end:%H:%M} ({meeting.time_zone})"
    return f"{day} {start:%H:%M} – {date_format(end, 'DATE_FORMAT')} {end:%H:%M} ({meeting.time_zone})"


def documents_for(invitation: Invitation) -> list[Document]:
    visible = [Visibility.INVITEES, Visibility.PUBLIC]
    if invitation.capacity == "member":
        visible.append(Visibility.MEMBERS)
    return list(invitation.meeting.documents.filter(is_archived=False, visibility__in=visible))


def _context(invitation: Invitation, *, shared: dict | None = None, **extra) -> dict:
    from .services import assistants_of, planned_agenda

    meeting = invitation.meeting
    person = invitation.person
    shared = shared if shared is not None else {}
    if "agenda" not in shared:
        shared["agenda"] = planned_agenda(meeting)
    return {
        "meeting": meeting,
        "invitation": invitation,
        "person": person,
        "when": when(meeting),
        "deadline": date_format(meeting.answer_deadline, "DATE_FORMAT") if meeting.answer_deadline else "",
        "agenda": shared["agenda"],
        "links": links.answer_urls(invitation),
        "meeting_url": site_url(reverse("portal:meeting", args=[meeting.pk])),
        "portal_url": site_url(reverse("portal:dashboard")),
        "site_url": settings.SITE_URL,
        "secretariat_email": settings.SECRETARIAT_EMAIL,
        "assistants": shared["assistants"][person.pk]
        if "assistants" in shared
        else assistants_of(person, on=meeting.local_start.date()),
        **extra,
    }


@dataclass
class Composed:
    subject: str
    text: str
    html: str
    attachments: list[dict]


def _render(template: str, context: dict) -> tuple[str, str]:
    text = render_to_string(f"email/{template}.txt", context).strip() + "\n"
    html = render_to_string(f"email/{template}.html", context)
    return text, html


def _ics_attachment(content: bytes, method: str) -> dict:
    return {
        "filename": "meeting.ics",
        "content_type": "text/calendar",
        "method": method,
        "content": content.decode("utf-8"),
    }


def compose(kind: str, invitation: Invitation, *, shared: dict | None = None, **extra) -> Composed:
    """Render one message for ``invitation`` in the invitee's language and the meeting's time zone."""
    meeting = invitation.meeting
    with translation.override(language_of(invitation.person)), timezone.override(meeting.zone):
        context = _context(invitation, kind=kind, shared=shared, **extra)
        title = str(meeting.title)
        attachments: list[dict] = []
        if kind == MessageKind.INVITATION:
            subject = _("Invitation: %(title)s, %(date)s") % {
                "title": title,
                "date": date_format(meeting.local_start, "DATE_FORMAT"),
            }
            template = "invitation"
        elif kind == MessageKind.UPDATE:
            subject = _("Changed: %(title)s, %(date)s") % {
                "title": title,
                "date": date_format(meeting.local_start, "DATE_FORMAT"),
            }
            template = "update"
        elif kind == MessageKind.CANCELLATION:
            subject = _("Cancelled: %(title)s") % {"title": title}
            template = "cancellation"
        elif kind == MessageKind.ANSWER_REMINDER:
            subject = _("Reminder: please answer the invitation to %(title)s") % {"title": title}
            template = "answer_reminder"
        elif kind == MessageKind.MEETING_REMINDER:
            subject = _("Reminder: %(title)s, %(date)s") % {
                "title": title,
                "date": date_format(meeting.local_start, "DATE_FORMAT"),
            }
            context["documents"] = [
                (d, site_url(reverse("meetings:document", args=[d.uid]))) for d in documents_for(invitation)
            ]
            template = "meeting_reminder"
        elif kind == MessageKind.CONFIRMATION:
            subject = _("Your answer: %(title)s") % {"title": title}
            template = "confirmation"
        else:
            raise ValueError(kind)
        text, html = _render(template, context)
        if kind in (MessageKind.INVITATION, MessageKind.UPDATE):
            attachments.append(_ics_attachment(calendar.invitation_ics(invitation, description=text), "REQUEST"))
        elif kind == MessageKind.CANCELLATION:
            attachments.append(_ics_attachment(calendar.invitation_ics(invitation, cancel=True), "CANCEL"))
        return Composed(subject, text, html, attachments)


# --- Queueing -----------------------------------------------------------------------------------------------------


def _row(kind: str, key: str, invitation: Invitation, composed: Composed, *, cc: list[str] | None = None):
    return OutgoingMessage(
        key=key,
        kind=kind,
        meeting=invitation.meeting,
        invitation=invitation,
        person=invitation.person,
        to=invitation.person.email,
        cc=cc or [],
        language=language_of(invitation.person),
        subject=composed.subject[:300],
        body_text=composed.text,
        body_html=composed.html,
        attachments=composed.attachments,
        message_id=make_msgid(domain=settings.MAIL_MESSAGE_ID_DOMAIN),
    )


def _store(rows: list[OutgoingMessage]) -> list[int]:
    """Insert the rows whose key is new; after commit, hand them to a worker. Returns the new rows' ids."""
    if not rows:
        return []
    existing = set(OutgoingMessage.objects.filter(key__in=[r.key for r in rows]).values_list("key", flat=True))
    fresh = [r for r in rows if r.key not in existing]
    OutgoingMessage.objects.bulk_create(fresh, ignore_conflicts=True)
    ids = list(OutgoingMessage.objects.filter(key__in=[r.key for r in fresh]).values_list("pk", flat=True))
    transaction.on_commit(lambda: enqueue(ids))
    return ids


def store_single(message: OutgoingMessage) -> int:
    """Store one prepared message (account emails) and hand it over after commit."""
    message.save()
    transaction.on_commit(lambda: enqueue([message.pk]))
    return message.pk


def queue(kind: str, invitations: list[Invitation], *, key_suffix: str = "", **extra) -> list[int]:
    from .services import assistants_of

    rows = []
    shared: dict[int, dict] = {}  # per meeting: the agenda and the assistants, computed once for a whole batch
    for invitation in invitations:
        meeting = invitation.meeting
        batch = shared.setdefault(meeting.pk, {"assistants": {}})
        if invitation.person_id not in batch["assistants"]:
            batch["assistants"][invitation.person_id] = assistants_of(invitation.person, on=meeting.local_start.date())
        key = f"{kind}:{invitation.pk}:{meeting.sequence}{key_suffix}"
        cc = []
        if kind in (MessageKind.INVITATION, MessageKind.UPDATE, MessageKind.CANCELLATION):
            cc = [a.email for a in batch["assistants"][invitation.person_id]]
        rows.append(_row(kind, key, invitation, compose(kind, invitation, shared=batch, **extra), cc=cc))
    return _store(rows)


def queue_invitations(invitations: list[Invitation]) -> list[int]:
    return queue(MessageKind.INVITATION, invitations)


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
    """One reminder about an action to one person of its owner (the key makes it once per period)."""
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
        text, html = _render("action_reminder", context)
    row = OutgoingMessage(
        key=key,
        kind=MessageKind.ACTION_REMINDER,
        person=person,
        to=person.email,
        language=language,
        subject=subject[:300],
        body_text=text,
        body_html=html,
        message_id=make_msgid(domain=settings.MAIL_MESSAGE_ID_DOMAIN),
    )
    return len(_store([row]))


# --- Handing over to Celery -----------------------------------------------------------------------------------------


def enqueue(ids: list[int]) -> int:
    """Hand messages to Celery. If the broker cannot be reached the rows stay queued and the sweeper hands them
    over later; nothing is lost. Returns how many were handed over."""
    from .tasks import send_message

    handed: list[int] = []
    for message_id in ids:
        try:
            send_message.apply_async((message_id,), retry=False)
        except Exception as error:  # kombu's OperationalError, redis' ConnectionError, …: the broker is away
            log.warning("Could not hand message %s to Celery (%s); the sweeper will retry.", message_id, error)
            break
        handed.append(message_id)
    if handed:
        OutgoingMessage.objects.filter(pk__in=handed, enqueued_at__isnull=True).update(enqueued_at=timezone.now())
    return len(handed)


# --- Delivering -------------------------------------------------------------------------------------------------------


TEMPORARY = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, socket.timeout, TimeoutError)


def _is_temporary(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, (*TEMPORARY, OSError))


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(settings.MAIL_RETRY_SECONDS * 2 ** max(attempts - 1, 0), 3600))


def build_email(message: OutgoingMessage, connection=None) -> EmailMultiAlternatives:
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
            part: MIMEBase = MIMEText(attachment["content"], "calendar", "utf-8")
            part.set_param("method", attachment.get("method", "REQUEST"))
            part.add_header("Content-Disposition", "attachment", filename=attachment["filename"])
            email.attach(part)
        else:
            email.attach(attachment["filename"], attachment["content"], attachment["content_type"])
    return email


def claim(message_id: int) -> OutgoingMessage | None:
    """Lock the row and mark it in flight, only if it is queued and due. None means: nothing to do.

    The lock is waited for, not skipped: every other holder keeps it for one short statement (the hand-over
    stamping ``enqueued_at`` right after publishing, the sweeper, another worker's claim), and a skipped row would
    wait for the sweeper instead of going out now."""
    with transaction.atomic():
        message = OutgoingMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or not message.due():
            return None
        message.status = MessageStatus.SENDING
        message.attempts += 1
        message.sending_at = timezone.now()
        message.save(update_fields=["status", "attempts", "sending_at"])
        return message


def _send(email: EmailMultiAlternatives, connection) -> None:
    """Send over ``connection`` (kept open between messages by the worker), reconnecting once if the server
    closed it while it was idle; without a connection, Django opens one for this message."""
    if connection is None:
        email.send()
        return
    email.connection = connection
    if getattr(connection, "connection", "n/a") is None:
        connection.open()  # opened here, it stays open after the send (Django closes only what send opened)
    try:
        email.send()
    except (smtplib.SMTPServerDisconnected, ConnectionError):
        connection.close()
        connection.open()
        email.send()


def deliver(message_id: int, connection=None) -> datetime.timedelta | None:
    """Send one outbox row. Returns the delay before the next attempt after a temporary failure, else None."""
    message = claim(message_id)
    if message is None:
        return None
    try:
        _send(build_email(message), connection)
    except Exception as error:
        temporary = _is_temporary(error)
        text = f"{type(error).__name__}: {error}"[:2000]
        if temporary and message.attempts < settings.MAIL_MAX_ATTEMPTS:
            delay = backoff(message.attempts)
            OutgoingMessage.objects.filter(pk=message.pk).update(
                status=MessageStatus.QUEUED, last_error=text, next_attempt_at=timezone.now() + delay, sending_at=None
            )
            log.warning("Message %s: temporary failure (%s); next attempt in %s", message.pk, text, delay)
            return delay
        OutgoingMessage.objects.filter(pk=message.pk).update(
            status=MessageStatus.FAILED, last_error=text, sending_at=None
        )
        log.error("Message %s failed: %s", message.pk, text)
        return None
    OutgoingMessage.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENT, sent_at=timezone.now(), sending_at=None, next_attempt_at=None
    )
    return None


def deliver_due(limit: int = 500) -> int:
    """Send due rows in this process over one connection (the embedded default's job runner uses it)."""
    ids = list(
        OutgoingMessage.objects.filter(status=MessageStatus.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    with get_connection() as connection:
        for message_id in ids:
            deliver(message_id, connection)
    return len(ids)


def sweep() -> dict[str, int]:
    """Re-queue rows left in flight too long; hand over queued rows that never reached a worker or whose task
    was lost. Duplicate tasks are harmless: only the first claims the row."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.OUTBOX_STALE_SECONDS)
    stuck = OutgoingMessage.objects.filter(status=MessageStatus.SENDING, sending_at__lt=stale).update(
        status=MessageStatus.QUEUED, sending_at=None, last_error="Left in flight (worker stopped?); re-queued."
    )
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    # Not handed over (broker away), handed over long ago, or a retry whose task should have run by now.
    lost = (
        Q(enqueued_at__isnull=True, created_at__lt=now - datetime.timedelta(seconds=5))
        | Q(enqueued_at__lt=stale)
        | Q(next_attempt_at__lte=now - datetime.timedelta(seconds=30))
    )
    ids = list(
        OutgoingMessage.objects.filter(status=MessageStatus.QUEUED)
        .filter(due & lost)
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )
    OutgoingMessage.objects.filter(pk__in=ids).update(enqueued_at=None)
    handed = enqueue(ids)
    return {"stuck": stuck, "handed": handed, "waiting": len(ids) - handed}


def resend(message: OutgoingMessage) -> None:
    """Send a failed message again (the admin's action)."""
    OutgoingMessage.objects.filter(pk=message.pk, status=MessageStatus.FAILED).update(
        status=MessageStatus.QUEUED, next_attempt_at=None, attempts=0, enqueued_at=None
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
        keys = {f"{kind}:{i.pk}:r{rule.pk}" for i in invitations}
        done = set(OutgoingMessage.objects.filter(key__in=keys).values_list("key", flat=True))
        todo = [i for i in invitations if f"{kind}:{i.pk}:r{rule.pk}" not in done]
        with transaction.atomic():
            rows = [_row(kind, f"{kind}:{i.pk}:r{rule.pk}", i, compose(kind, i)) for i in todo]
            queued += len(_store(rows))
    return queued
