"""Outgoing mail: compose each message in its recipient's language, write it to the outbox in the caller's
transaction, hand it to Celery after commit, and deliver it once.

- ``queue_*`` functions are called by the meeting services inside their transaction. Each message has a unique
  key (such as ``invitation:42:0``), so the same message is never made twice.
- ``deliver_many(message_ids)`` is what the Celery task runs, for a batch of rows: it claims each row (only if
  still queued), sends it, and marks it sent; a temporary SMTP failure puts it back in the queue with a later
  attempt time; a permanent one marks it failed with the error.
- ``sweep()`` runs periodically: it hands over rows that never reached a worker (Redis was down) or were left in
  flight too long (a worker died).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import functools
import logging
import re
import smtplib
import socket
import uuid
import weakref
from dataclasses import dataclass
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from types import SimpleNamespace

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import sanitize_address
from django.db import DatabaseError, transaction
from django.db import connection as db_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from members.models import Person

from . import calendar, links, mime
from .enums import Answer, MeetingStatus
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
    """The documents an email to this invitee lists: the rule of ``visibility.documents``."""
    from .visibility import visibilities_for

    shown = visibilities_for(invitation.capacity)
    return list(invitation.meeting.documents.filter(is_archived=False, visibility__in=shown))


@dataclass
class Composed:
    subject: str
    text: str
    html: str
    attachments: list[dict]


TEMPLATES = {
    MessageKind.INVITATION: "invitation",
    MessageKind.UPDATE: "update",
    MessageKind.CANCELLATION: "cancellation",
    MessageKind.ANSWER_REMINDER: "answer_reminder",
    MessageKind.MEETING_REMINDER: "meeting_reminder",
    MessageKind.CONFIRMATION: "confirmation",
}
# Rendered for the one person they go to: they repeat that person's own answer, remarks and substitute.
PERSONAL = {MessageKind.CONFIRMATION}
# Copied to the invitee's assistants.
COPIED = {MessageKind.INVITATION, MessageKind.UPDATE, MessageKind.CANCELLATION}

# The words that differ from one invitee to the next. The other kinds are rendered once per batch, language and
# shape of invitation with these stand-ins, then filled in for each person (a mail merge): rendering the templates
# and the calendar file is what a message costs, and a meeting's invitations go to hundreds of people at once.
# Letters and digits only, so that no escaping (HTML, iCalendar TEXT) or translation touches them.
NAME = "DGNstandinNAME7q"
DIRECTOR = "DGNstandinDIRECTOR7q"
LINK_KEY = "DGNstandinLINKKEY7q"


class _StandIn:
    """What a batch's templates may know of an invitation: what every invitation of the same shape shares, and
    stand-ins for the names. Anything else renders empty: a template that needs more shows the gap in its tests
    instead of putting one person's data into everybody's message."""

    def __init__(self, invitation: Invitation):
        self.meeting = invitation.meeting
        self.capacity = invitation.capacity
        self.answer = invitation.answer
        self.get_answer_display = invitation.get_answer_display
        self.delegated_from_id = invitation.delegated_from_id
        self.delegated_from = (
            SimpleNamespace(person=SimpleNamespace(full_name=DIRECTOR))
            if invitation.delegated_from_id is not None
            else None
        )
        self.person = SimpleNamespace(full_name=NAME)


def shape(kind: str, invitation: Invitation) -> tuple:
    """What decides a message's wording apart from the names and links: invitations alike in these share one
    rendering."""
    return (
        invitation.meeting_id,
        kind,
        language_of(invitation.person),
        invitation.capacity,
        invitation.answer,
        invitation.delegated_from_id is not None,
    )


def _context(invitation, *, urls: dict[str, str], shared: dict, **extra) -> dict:
    from .services import planned_agenda

    meeting = invitation.meeting
    if "agenda" not in shared:
        shared["agenda"] = planned_agenda(meeting)
    return {
        "meeting": meeting,
        "invitation": invitation,
        "person": invitation.person,
        "when": when(meeting),
        "deadline": date_format(meeting.answer_deadline, "DATE_FORMAT") if meeting.answer_deadline else "",
        "agenda": shared["agenda"],
        "links": urls,
        "meeting_url": site_url(reverse("portal:meeting", args=[meeting.pk])),
        "portal_url": site_url(reverse("portal:dashboard")),
        "site_url": settings.SITE_URL,
        "secretariat_email": settings.SECRETARIAT_EMAIL,
        **extra,
    }


def _render(template: str, context: dict) -> tuple[str, str]:
    text = render_to_string(f"email/{template}.txt", context).strip() + "\n"
    html = render_to_string(f"email/{template}.html", context)
    return text, html


def _subject(kind: str, meeting: Meeting) -> str:
    title = str(meeting.title)
    date = date_format(meeting.local_start, "DATE_FORMAT")
    if kind == MessageKind.INVITATION:
        return _("Invitation: %(title)s, %(date)s") % {"title": title, "date": date}
    if kind == MessageKind.UPDATE:
        return _("Changed: %(title)s, %(date)s") % {"title": title, "date": date}
    if kind == MessageKind.CANCELLATION:
        return _("Cancelled: %(title)s") % {"title": title}
    if kind == MessageKind.ANSWER_REMINDER:
        return _("Reminder: please answer the invitation to %(title)s") % {"title": title}
    if kind == MessageKind.MEETING_REMINDER:
        return _("Reminder: %(title)s, %(date)s") % {"title": title, "date": date}
    if kind == MessageKind.CONFIRMATION:
        return _("Your answer: %(title)s") % {"title": title}
    raise ValueError(kind)


def _ics_attachment(content: bytes, method: str) -> dict:
    return {
        "filename": "meeting.ics",
        "content_type": "text/calendar",
        "method": method,
        "content": content.decode("utf-8"),
    }


def _put(template: str, words: dict[str, str]) -> str:
    for stand_in, value in words.items():
        template = template.replace(stand_in, value)
    return template


@dataclass
class Form:
    """A message rendered with stand-ins, ready to be filled in for each invitee of its shape."""

    subject: str
    text: str
    html: str
    calendar: calendar.InvitationCalendar | None = None
    method: str = ""

    def fill(self, invitation: Invitation) -> Composed:
        words = {
            NAME: invitation.person.full_name,
            DIRECTOR: invitation.delegated_from.person.full_name if invitation.delegated_from_id else "",
            LINK_KEY: links.token_for(invitation),
        }
        attachments = []
        if self.calendar is not None:
            attachments.append(_ics_attachment(self.calendar.fill(invitation, words), self.method))
        return Composed(
            self.subject,
            _put(self.text, words),
            _put(self.html, {stand_in: escape(value) for stand_in, value in words.items()}),
            attachments,
        )


def _form(kind: str, invitation: Invitation, shared: dict, extra: dict) -> Form:
    meeting = invitation.meeting
    stand_in = _StandIn(invitation)
    context = _context(stand_in, urls=links.urls_for_token(LINK_KEY), shared=shared, kind=kind, **extra)
    if kind == MessageKind.MEETING_REMINDER:
        context["documents"] = [
            (d, site_url(reverse("meetings:document", args=[d.uid]))) for d in documents_for(stand_in)
        ]
    text, html = _render(TEMPLATES[kind], context)
    form = Form(_subject(kind, meeting), text, html)
    if kind in (MessageKind.INVITATION, MessageKind.UPDATE):
        form.calendar, form.method = calendar.InvitationCalendar(meeting, description=text), "REQUEST"
    elif kind == MessageKind.CANCELLATION:
        form.calendar, form.method = calendar.InvitationCalendar(meeting, cancel=True), "CANCEL"
    return form


@contextlib.contextmanager
def _as_they_read_it(invitation: Invitation):
    """The invitee's language and the meeting's time zone."""
    with translation.override(language_of(invitation.person)), timezone.override(invitation.meeting.zone):
        yield


def compose(kind: str, invitation: Invitation, *, shared: dict | None = None, **extra) -> Composed:
    """Render one message for ``invitation`` in the invitee's language and the meeting's time zone. Calls that
    pass the same ``shared`` dict (one per batch and meeting) render each shape of message once."""
    meeting = invitation.meeting
    shared = shared if shared is not None else {}
    if kind in PERSONAL:
        with _as_they_read_it(invitation):
            context = _context(invitation, urls=links.answer_urls(invitation), shared=shared, kind=kind, **extra)
            text, html = _render(TEMPLATES[kind], context)
            return Composed(_subject(kind, meeting), text, html, [])
    forms = shared.setdefault("forms", {})
    key = shape(kind, invitation)  # the language is part of the shape
    if key not in forms:
        with _as_they_read_it(invitation):
            forms[key] = _form(kind, invitation, shared, extra)
    # Filling in needs no language or time zone (names, a token): switching them for every message cost as much as
    # the filling.
    return forms[key].fill(invitation)


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
    now = timezone.now()
    for row in fresh:
        row.enqueued_at = now  # stamped as they are written: see enqueue
    OutgoingMessage.objects.bulk_create(fresh, ignore_conflicts=True)
    ids = list(OutgoingMessage.objects.filter(key__in=[r.key for r in fresh]).values_list("pk", flat=True))
    transaction.on_commit(lambda: enqueue(ids, stamped=True))
    return ids


def store_single(message: OutgoingMessage) -> int:
    """Store one prepared message (account emails) and hand it over after commit."""
    message.save()
    transaction.on_commit(lambda: enqueue([message.pk]))
    return message.pk


def queue(
    kind: str, invitations: list[Invitation], *, key_suffix: str = "", key=None, shared: dict | None = None, **extra
) -> list[int]:
    """Compose and store one message of ``kind`` per invitation. The key says what the message is for (by default
    kind, invitation and the meeting's revision), so the same message is never made twice. ``shared`` (for
    invitations of one meeting) keeps the agenda and the rendered forms for later calls of the same sending."""
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
            cc = [a.email for a in copied.get(invitation.person_id, [])]
            rows.append(_row(kind, message_key, invitation, compose(kind, invitation, shared=forms, **extra), cc=cc))
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


def enqueue(ids: list[int], *, stamped: bool = False) -> int:
    """Hand messages to Celery, ``MAIL_BATCH_SIZE`` to a task. If the broker cannot be reached the rows stay
    queued and the sweeper hands them over later; nothing is lost. Returns how many were handed over.

    The rows are stamped as handed over (``enqueued_at``) before the first task is published, and the stamp is
    taken back from those the broker did not take. So no worker finds a row it was given locked by the hand-over's
    UPDATE (a multi-row UPDATE racing the workers' statements could deadlock with them). ``stamped``: the rows were
    stamped when they were written (new rows, in the transaction that made them: one UPDATE less). Should this
    process stop between the stamp and the publishing, the sweeper hands the rows over once the stamp is
    ``OUTBOX_STALE_SECONDS`` old."""
    from .tasks import send_messages

    if not ids:
        return 0
    steps = _handover.get()
    if steps is not None and steps["broker_down"]:
        if stamped:
            _unstamp(ids)
        return 0
    if not stamped:
        OutgoingMessage.objects.filter(pk__in=ids).update(enqueued_at=timezone.now())
    handed = 0
    size = max(settings.MAIL_BATCH_SIZE, 1)
    for start in range(0, len(ids), size):
        batch = ids[start : start + size]
        try:
            send_messages.apply_async((batch,), retry=False)
        except Exception as error:  # kombu's OperationalError, redis' ConnectionError, …: the broker is away
            log.warning("Could not hand messages %s to Celery (%s); the sweeper will retry.", batch, error)
            if steps is not None:
                steps["broker_down"] = True
            _unstamp(ids[start:])
            break
        handed += len(batch)
    return handed


def _unstamp(ids: list[int]) -> None:
    """These rows did not reach the broker: the sweeper hands them over in its next pass."""
    OutgoingMessage.objects.filter(pk__in=ids, status=MessageStatus.QUEUED).update(enqueued_at=None)


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


@functools.lru_cache(maxsize=8)
def _sender(address: str) -> str:
    """The sender as Django's SMTP backend gives it to the server (``sanitize_address``: parsed, encoded), kept: it
    is the same on every message, and parsing an address costs about as much as writing a small message."""
    return sanitize_address(address, settings.DEFAULT_CHARSET)


# A bare address in its plainest form: a dot-atom local part and a domain of ASCII letters, digits and hyphens, each
# label 1 to 63 long. ``sanitize_address`` gives such an address back unchanged, after parsing it with the email
# package's header parser, which cost a worker about as much as writing the message; recipients are nearly always such
# addresses (a test compares both on generated ones). Anything else (a display name, quotes, non-ASCII) is parsed.
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*"
)


def envelope_address(address: str) -> str:
    """An address as Django's SMTP backend gives it to the server (``sanitize_address``)."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    return sanitize_address(address, settings.DEFAULT_CHARSET)


class _Email(EmailMultiAlternatives):
    """An outbox message. Its calendar files are kept as text until the message is written; ``serialise`` writes the
    bytes directly (``mime.write``) and ``message()`` builds the same message with the email package, for the
    backends that want one (the tests' in-memory outbox, the .eml folder of the embedded default)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calendar_methods: dict[str, str] = {}
        self.date = formatdate(localtime=settings.EMAIL_USE_LOCALTIME)
        self.new_boundary = _new_boundary

    def attach_calendar(self, filename: str, content: str, method: str) -> None:
        self.attach(filename, content, "text/calendar")
        self.calendar_methods[filename] = method

    def _create_attachment(self, filename, content, mimetype=None):
        if mimetype != "text/calendar" or filename not in self.calendar_methods:
            return super()._create_attachment(filename, content, mimetype)
        part = MIMEText(content, "calendar", "utf-8")
        part.set_param("method", self.calendar_methods[filename])
        part.add_header("Content-Disposition", "attachment", filename=filename)
        return part

    def message(self):
        message = super().message()
        message.replace_header("Date", self.date)
        message.policy = mime.POLICY  # serialising uses the top message's policy for every part
        # Choose the multipart boundaries here: left to itself, the email package searches every body for a
        # collision with a boundary it draws, which costs more than the rest of the message. A random UUID does not
        # occur in a body by chance.
        for part in message.walk():
            if part.is_multipart():
                part.set_boundary(self.new_boundary())
        return message

    def serialise(self) -> bytes:
        """The message as it goes over SMTP (CRLF line ends): written directly when it has the outbox's usual
        shape, else by the email package; the same bytes either way (``mime``)."""
        boundaries = iter(self.new_boundary, None)
        raw = mime.write(self, date=self.date, boundaries=boundaries, calendars=self.calendar_methods)
        return raw if raw is not None else self.message().as_bytes(linesep="\r\n")

    def envelope(self) -> tuple[str, list[str]]:
        """Sender and recipients for the SMTP envelope, as Django's backend would give them."""
        return _sender(self.from_email), [envelope_address(a) for a in self.recipients()]


def _new_boundary() -> str:
    return f"dgnetwork-{uuid.uuid4().hex}"


def build_email(message: OutgoingMessage, connection=None) -> _Email:
    email = _Email(
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
            email.attach_calendar(attachment["filename"], attachment["content"], attachment.get("method", "REQUEST"))
        else:
            email.attach(attachment["filename"], attachment["content"], attachment["content_type"])
    return email


@functools.cache
def _outbox_sql(statement: str) -> str:
    """``statement`` with the outbox's table and column names quoted for the database in use."""
    quote = db_connection.ops.quote_name
    names = {f.name: quote(f.column) for f in OutgoingMessage._meta.concrete_fields}
    return statement.format(table=quote(OutgoingMessage._meta.db_table), **names)


# Raw PostgreSQL connections, with the names of the statements prepared in their session.
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class _Statement:
    """One of the statements a worker runs for every message. On PostgreSQL it is prepared once per database
    session and then only executed: planning an UPDATE of this table (ten indexes) cost more than running it (0.15 ms
    against 0.1 ms a message, pg_stat_statements); psycopg2 prepares nothing by itself. ``sql`` has the outbox's
    field names in braces and ``%s`` placeholders, ``types`` the placeholders' PostgreSQL types in order."""

    name: str
    sql: str
    types: tuple[str, ...]

    def run(self, cursor, values: list) -> int:
        """Execute with ``values``; returns how many rows it changed."""
        if db_connection.vendor != "postgresql":
            cursor.execute(_outbox_sql(self.sql), values)
            return cursor.rowcount
        raw = db_connection.connection
        done = _prepared.setdefault(raw, set())
        if self.name not in done:
            numbers = iter(range(1, len(self.types) + 1))
            body = re.sub("%s", lambda _match: f"${next(numbers)}", _outbox_sql(self.sql))
            cursor.execute("PREPARE {} ({}) AS {}".format(self.name, ", ".join(self.types), body))
            done.add(self.name)  # a prepared statement outlives a rolled-back transaction: it stays with the session
        cursor.execute("EXECUTE {} ({})".format(self.name, ", ".join(["%s"] * len(values))), values)
        return cursor.rowcount


# The statements a worker runs for each message, written out: built by the ORM, each took three times as long
# (0.75 against 0.25 ms of CPU here). A message is claimed just before it is sent and recorded as sent just after,
# before the next is sent, so that a worker killed in the middle leaves at most one message sent and unrecorded.
# Recording one message and claiming the next is one statement (``_SENT_AND_CLAIM``): one round trip and one commit
# a message instead of two. It locks two rows, so it could deadlock with another statement that locks several (the
# sweeper's; the hand-over stamps its rows before publishing them, so it does not race the workers): PostgreSQL
# then aborts one of them, and if it is this one, nothing of it was applied and ``claim`` records and claims with
# the one-row statements instead. A message's "sent" is never lost to a deadlock.
_ID, _STATUS, _AT = "bigint", "varchar", "timestamptz"
_CLAIM = _Statement(
    "dgnetwork_outbox_claim",
    "UPDATE {table} SET {status} = %s, {attempts} = {attempts} + 1, {sending_at} = %s"
    " WHERE {id} = %s AND {status} = %s AND ({next_attempt_at} IS NULL OR {next_attempt_at} <= %s)",
    (_STATUS, _AT, _ID, _STATUS, _AT),
)
_SENT = _Statement(
    "dgnetwork_outbox_sent",
    "UPDATE {table} SET {status} = %s, {sent_at} = %s, {sending_at} = NULL, {next_attempt_at} = NULL WHERE {id} = %s",
    (_STATUS, _AT, _ID),
)
_SENT_AND_CLAIM = _Statement(
    "dgnetwork_outbox_sent_and_claim",
    "UPDATE {table} SET {status} = CASE WHEN {id} = %s THEN %s ELSE %s END,"
    " {attempts} = CASE WHEN {id} = %s THEN {attempts} ELSE {attempts} + 1 END,"
    " {sending_at} = CASE WHEN {id} = %s THEN NULL ELSE %s END,"
    " {sent_at} = CASE WHEN {id} = %s THEN %s ELSE {sent_at} END,"
    " {next_attempt_at} = CASE WHEN {id} = %s THEN NULL ELSE {next_attempt_at} END"
    " WHERE {id} IN (%s, %s)"
    " AND ({id} = %s OR ({status} = %s AND ({next_attempt_at} IS NULL OR {next_attempt_at} <= %s)))",
    (_ID, _STATUS, _STATUS, _ID, _ID, _AT, _ID, _AT, _ID, _ID, _ID, _ID, _STATUS, _AT),
)


def claim(message: OutgoingMessage, *, after_sent: OutgoingMessage | None = None) -> bool:
    """Mark the row in flight, only if it is still queued and due; False means: nothing to do. ``after_sent``: a
    message this worker has just sent, recorded as sent by the same statement.

    One UPDATE does it: of two workers holding the same id, the second one's UPDATE waits for the row's lock (it is
    waited for, not skipped: every other holder keeps it for one short statement) and then finds the row no longer
    queued."""
    if after_sent is not None and after_sent.pk == message.pk:
        _mark_sent(after_sent)
        return False
    now = timezone.now()
    at = db_connection.ops.adapt_datetimefield_value(now)  # as the ORM would pass it (SQLite: text in UTC)
    sending, queued = MessageStatus.SENDING, MessageStatus.QUEUED
    with db_connection.cursor() as cursor:
        if after_sent is None:
            claimed = _CLAIM.run(cursor, [sending, at, message.pk, queued, at]) == 1
        else:
            sent = after_sent.pk
            values = [
                sent,
                MessageStatus.SENT,
                sending,
                sent,
                sent,
                at,
                sent,
                at,
                sent,
                sent,
                message.pk,
                sent,
                queued,
                at,
            ]
            # Outside a transaction (a worker) the statement is one by itself; inside one (eager tasks), a savepoint
            # keeps a failed statement from spoiling the caller's transaction.
            alone = transaction.atomic() if db_connection.in_atomic_block else contextlib.nullcontext()
            try:
                with alone:
                    changed = _SENT_AND_CLAIM.run(cursor, values)
            except DatabaseError as error:  # a deadlock: nothing was applied; one row at a time instead
                log.info("Recording %s and claiming %s together failed (%s); one at a time.", sent, message.pk, error)
                _mark_sent(after_sent)
                return claim(message)
            claimed = changed == 2
    if claimed:
        message.status, message.attempts, message.sending_at = MessageStatus.SENDING, message.attempts + 1, now
    return claimed


def _mark_sent(message: OutgoingMessage) -> None:
    with db_connection.cursor() as cursor:
        at = db_connection.ops.adapt_datetimefield_value(timezone.now())
        _SENT.run(cursor, [MessageStatus.SENT, at, message.pk])


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


def _failed(message: OutgoingMessage, error: Exception) -> datetime.timedelta | None:
    """Record a failed send of a claimed row. Returns the delay before the next attempt after a temporary failure,
    else None (the row is failed for good)."""
    temporary = _is_temporary(error)
    text = f"{type(error).__name__}: {error}"[:2000]
    if temporary and message.attempts < settings.MAIL_MAX_ATTEMPTS:
        delay = backoff(message.attempts)
        OutgoingMessage.objects.filter(pk=message.pk).update(
            status=MessageStatus.QUEUED, last_error=text, next_attempt_at=timezone.now() + delay, sending_at=None
        )
        log.warning("Message %s: temporary failure (%s); next attempt in %s", message.pk, text, delay)
        return delay
    OutgoingMessage.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED, last_error=text, sending_at=None)
    log.error("Message %s failed: %s", message.pk, text)
    return None


def deliver_many(message_ids: list[int], connection=None) -> tuple[list[int], datetime.timedelta] | None:
    """Send outbox rows one after the other (what a Celery task runs). Each is claimed just before it is sent and
    recorded as sent just after (with the claim of the next, see ``claim``), so a worker killed in the middle leaves
    at most the one in flight unrecorded. Returns the rows that failed for now and the delay after which all of
    them may be tried again, or None."""
    messages = OutgoingMessage.objects.in_bulk(message_ids)
    retry: list[int] = []
    longest = None
    sent = None  # sent and not yet recorded
    try:
        for message_id in message_ids:
            message = messages.get(message_id)
            if message is None:
                continue
            claimed, sent = claim(message, after_sent=sent), None
            if not claimed:
                continue
            try:
                _send(build_email(message), connection)
            except Exception as error:
                delay = _failed(message, error)
                if delay is not None:
                    retry.append(message_id)
                    longest = max(longest or delay, delay)
                continue
            sent = message
    finally:
        if sent is not None:
            _mark_sent(sent)
    return (retry, longest) if retry else None


def deliver(message_id: int, connection=None) -> datetime.timedelta | None:
    """Send one outbox row. Returns the delay before the next attempt after a temporary failure, else None."""
    outcome = deliver_many([message_id], connection)
    return outcome[1] if outcome else None


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
    connection = get_connection()  # opened by the first send, so that a refusal is the message's error
    try:
        deliver_many(ids, connection)
    finally:
        connection.close()
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

        def key(invitation, kind=kind, rule=rule):
            return f"{kind}:{invitation.pk}:r{rule.pk}"

        done = set(OutgoingMessage.objects.filter(key__in=[key(i) for i in invitations]).values_list("key", flat=True))
        with transaction.atomic():
            queued += len(queue(kind, [i for i in invitations if key(i) not in done], key=key))
    return queued
