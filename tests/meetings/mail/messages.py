"""What the mail tests share: reading the messages a real SMTP server received, sending a meeting's invitations
with the hand-over after commit, and outbox rows written without one."""

from __future__ import annotations

import datetime
from email.message import EmailMessage

import icalendar
import psycopg2
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from meetings import delivery, mailmerge, services
from outbox.models import MessageKind, OutgoingMessage
from tests import factories
from tests.factories import BRUSSELS

SITE = "https://dg.example.org"
UTC = datetime.UTC
T0 = datetime.datetime(2027, 3, 1, 10, 0, tzinfo=BRUSSELS)  # "now" when the invitations go out


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BRUSSELS)


def send(meeting, capture) -> int:
    with capture(execute=True):
        return services.send_invitations(meeting)


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # lines end in CRLF on the wire


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content().replace("\r\n", "\n")


def calendar_of(message: EmailMessage) -> tuple[icalendar.Calendar, EmailMessage]:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return icalendar.Calendar.from_ical(parts[0].get_content()), parts[0]


def event_of(cal: icalendar.Calendar) -> icalendar.Event:
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def received_for(sink, kind: str) -> dict[str, EmailMessage]:
    """The messages of one kind that reached the server, by recipient (checked against the outbox rows)."""
    rows = {m.message_id: m for m in OutgoingMessage.objects.filter(kind=kind)}
    out = {}
    for r in sink.messages:
        if r.message_id in rows:
            assert r.message["To"] == rows[r.message_id].to
            assert r.message["To"] not in out, f"{kind} reached {r.message['To']} twice"
            out[str(r.message["To"])] = r.message
    return out


def in_language(language: str, msgid: str, **params) -> str:
    with translation.override(language):
        return gettext(msgid) % params if params else gettext(msgid)


def outbox_rows(count: int) -> list[OutgoingMessage]:
    """``count`` invitations of one meeting, their messages written to the outbox and not handed to a worker."""
    meeting = factories.meeting()
    rows = []
    for n in range(count):
        invitation = factories.invitation(meeting, factories.director(email=f"dg{n}@crisis.example"))
        composed = mailmerge.compose(MessageKind.INVITATION, invitation)
        rows.append(delivery._row(MessageKind.INVITATION, f"test:{n}", invitation, composed))
        rows[-1].save()
    return rows


def other_session():
    """A second PostgreSQL session on the test database, as another process would hold (to lock rows)."""
    db = connection.settings_dict
    return psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
