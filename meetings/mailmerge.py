"""What invitees are told: each message rendered in its reader's language and the meeting's time zone.

A meeting's messages go to hundreds of people at once, so the kinds sent to many (invitation, update, cancellation,
reminders) are a mail merge: rendered once per meeting, kind, language and shape of invitation with stand-ins for
the words that differ from one person to the next (a name, the director a substitute stands in for, the answer
links' key), then filled in for each person. A confirmation repeats one person's own answer and is rendered for that
person alone.

``compose`` is the entry point; it returns a ``Composed`` message (subject, text, HTML, attachments as stored on the
outbox row). Queueing it is ``delivery``'s job; building and sending the email, the outbox's.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.services import language_of as language_of  # imported from here by the meetings' pages
from outbox.models import MessageKind

from . import calendar, links
from .agenda import planned_agenda
from .models import Document, Invitation, Meeting
from .visibility import visibilities_for


def site_url(path: str) -> str:
    return settings.SITE_URL + path


def when(meeting: Meeting) -> str:
    """The meeting's date and time in its own time zone, in the active language."""
    start, end = meeting.local_start, meeting.local_end
    day = date_format(start, "DATE_FORMAT")
    if start.date() == end.date():
        return f"{day}, {start:%H:%M}–{end:%H:%M} ({meeting.time_zone})"
    return f"{day} {start:%H:%M} – {date_format(end, 'DATE_FORMAT')} {end:%H:%M} ({meeting.time_zone})"


def documents_for(invitation: Invitation) -> list[Document]:
    """The documents an email to this invitee lists: the rule of ``visibility.documents``."""
    shown = visibilities_for(invitation.capacity)
    return list(invitation.meeting.documents.filter(is_archived=False, visibility__in=shown))


@dataclass
class Composed:
    """One message as the outbox stores it. ``attachments``: ``[{filename, content_type, content, method}]``, the
    content as text."""

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

# The words that differ from one invitee to the next, as stand-ins in the rendered forms. Letters and digits only,
# so that no escaping (HTML, iCalendar TEXT) or translation touches them.
NAME = "DGNstandinNAME7q"
DIRECTOR = "DGNstandinDIRECTOR7q"
LINK_KEY = "DGNstandinLINKKEY7q"


class _StandIn:
    """What a form's templates may know of an invitation: what every invitation of the same shape shares, and
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


def shape(kind: str, invitation: Invitation, language: str | None = None) -> tuple:
    """What decides a message's wording apart from the names and links: invitations alike in these share one
    rendering. ``language``: the reader's, by default the invitee's."""
    return (
        invitation.meeting_id,
        kind,
        language or language_of(invitation.person),
        invitation.capacity,
        invitation.answer,
        invitation.delegated_from_id is not None,
    )


# What an update calls each field a change can touch (``MeetingChange.changes`` keeps field names). Looked up when a
# message is rendered, so in its reader's language, never in the language of whoever saved the change.
CHANGED_FIELD_LABELS = {
    "format": gettext_lazy("format"),
    "starts_at": gettext_lazy("start"),
    "ends_at": gettext_lazy("end"),
    "time_zone": gettext_lazy("time zone"),
    "venue_name": gettext_lazy("venue"),
    "venue_address": gettext_lazy("address"),
    "venue_city": gettext_lazy("city"),
    "video_link": gettext_lazy("video-conference link"),
    "dial_in": gettext_lazy("dial-in"),
}


def changed_in_words(fields: list[str]) -> list[str]:
    """The names of changed fields in the active language, in the order given."""
    return [str(CHANGED_FIELD_LABELS.get(field, field)) for field in fields]


def _context(invitation, *, urls: dict[str, str], shared: dict, **extra) -> dict:
    """A message's template context; call it with the reader's language active (every word is looked up now).
    ``extra``: more context; ``changed_fields`` (field names) becomes ``changed``, in words."""
    meeting = invitation.meeting
    if "changed_fields" in extra:
        extra["changed"] = changed_in_words(extra.pop("changed_fields"))
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


def render(template: str, context: dict) -> tuple[str, str]:
    """``templates/email/<template>.txt`` and ``.html`` rendered with ``context``: (text, HTML)."""
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
            attachments.append(
                {
                    "filename": "meeting.ics",
                    "content_type": "text/calendar",
                    "method": self.method,
                    "content": self.calendar.fill(invitation, words).decode("utf-8"),
                }
            )
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
    text, html = render(TEMPLATES[kind], context)
    form = Form(_subject(kind, meeting), text, html)
    if kind in (MessageKind.INVITATION, MessageKind.UPDATE):
        form.calendar, form.method = calendar.InvitationCalendar(meeting, description=text), "REQUEST"
    elif kind == MessageKind.CANCELLATION:
        form.calendar, form.method = calendar.InvitationCalendar(meeting, cancel=True), "CANCEL"
    return form


@contextlib.contextmanager
def as_they_read_it(invitation: Invitation, language: str | None = None):
    """The reader's language (by default the invitee's) and the meeting's time zone, active for the block."""
    language = language or language_of(invitation.person)
    with translation.override(language), timezone.override(invitation.meeting.zone):
        yield


def compose(
    kind: str, invitation: Invitation, *, shared: dict | None = None, language: str | None = None, **extra
) -> Composed:
    """Render one message of ``kind`` (a ``MessageKind`` with a template) for ``invitation``, in the invitee's
    language (or ``language``: the copy for an assistant who reads another) and the meeting's time zone. Calls that
    pass the same ``shared`` dict (one per sending and meeting) render each shape of message once and fill it in for
    each person. ``extra``: more template context. Raises what rendering raises (a template error, ``ValueError``
    for a kind without a template)."""
    meeting = invitation.meeting
    shared = shared if shared is not None else {}
    if kind in PERSONAL:
        with as_they_read_it(invitation, language):
            context = _context(invitation, urls=links.answer_urls(invitation), shared=shared, kind=kind, **extra)
            text, html = render(TEMPLATES[kind], context)
            # An answer brings the person's calendar copy in line with it (cancelled when they give the place up).
            method, content = calendar.copy_ics(invitation)
            attachment = {"filename": "meeting.ics", "content_type": "text/calendar", "method": method}
            return Composed(_subject(kind, meeting), text, html, [{**attachment, "content": content.decode()}])
    forms = shared.setdefault("forms", {})
    key = shape(kind, invitation, language)  # the language is part of the shape
    if key not in forms:
        with as_they_read_it(invitation, language):
            forms[key] = _form(kind, invitation, shared, extra)
    # Filling in needs no language or time zone: names and a token.
    return forms[key].fill(invitation)
