"""What meetings send: the messages of a meeting's invitations, changes, answers and reminders, queued in the outbox.

The ``queue_*`` functions are called by the meeting services inside their transaction. Each message has a unique key
(such as ``invitation:42:0``), so the same message is never made twice. What the messages say is ``mailmerge``'s;
storing, handing over and sending them is the outbox's (``outbox.services``).
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from members.enums import Role
from members.models import Mandate, Person
from members.services import language_of
from outbox.models import MessageKind, MessageStatus, OutgoingMessage, error_text
from outbox.services import new_message, store

from . import calendar
from .enums import Answer, MeetingStatus
from .mailmerge import Composed, compose, render, site_url

# Imported from here by the portal and the answer pages.
from .mailmerge import documents_for as documents_for
from .mailmerge import when as when
from .models import Invitation, Meeting, MeetingChange, ReminderKind, ReminderRule

log = logging.getLogger(__name__)

# Copied to the invitee's assistants (or, for an assistant who reads another language, sent to them in theirs).
COPIED = {MessageKind.INVITATION, MessageKind.UPDATE, MessageKind.CANCELLATION}


# --- Who reads what ---------------------------------------------------------------------------------------------


def assistants_for(people: list[Person], *, on: datetime.date) -> dict[int, list[Person]]:
    """Each person's assistants on a day (assistants of the person's organisation, by person id): they are copied
    on the person's invitations. One query for any number of people."""
    by_organisation: dict[int, dict[int, Person]] = {}
    mandates = (
        Mandate.objects.active_on(on)
        .filter(organisation_id__in={p.organisation_id for p in people}, role=Role.ASSISTANT, person__is_active=True)
        .select_related("person")
        .order_by("pk")
    )
    for mandate in mandates:
        by_organisation.setdefault(mandate.organisation_id, {})[mandate.person_id] = mandate.person
    return {p.pk: [a for a in by_organisation.get(p.organisation_id, {}).values() if a.pk != p.pk] for p in people}


# --- Queueing -----------------------------------------------------------------------------------------------------


def _row(
    kind: str,
    key: str,
    invitation: Invitation,
    composed: Composed,
    *,
    cc: list[str] | None = None,
    reader: Person | None = None,
):
    """The outbox row of ``composed``; to the invitee, or to ``reader`` (an assistant's own copy)."""
    reader = reader or invitation.person
    return new_message(
        key=key,
        kind=kind,
        meeting=invitation.meeting,
        invitation=invitation,
        person=reader,
        to=reader.email,
        cc=cc,
        language=language_of(reader),
        subject=composed.subject,
        text=composed.text,
        html=composed.html,
        attachments=composed.attachments,
    )


def _not_composed(kind: str, key: str, invitation: Invitation, error: Exception) -> OutgoingMessage:
    """The row of a message that could not be composed: failed, with the reason, so that the others still go and
    the secretariat sees which one did not."""
    log.exception("Message %s could not be composed", key)
    row = _row(kind, key, invitation, Composed("", "", "", []))
    row.status = MessageStatus.FAILED
    row.last_error = "Could not be composed: " + error_text(error)
    return row


def queue(
    kind: str, invitations: list[Invitation], *, key_suffix: str = "", key=None, shared: dict | None = None, **extra
) -> list[int]:
    """Compose and store one message of ``kind`` per invitation; returns the new rows' ids. The key says what the
    message is for (by default kind, invitation and the meeting's revision), so the same message is never made twice.
    ``shared`` (for invitations of one meeting) keeps the agenda and the rendered forms for later calls of the same
    sending. A message that cannot be composed is stored as failed with the reason; the others go."""
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
            # Assistants who read the invitee's language are copied; the others get a copy of their own in theirs.
            language = language_of(invitation.person)
            assistants = copied.get(invitation.person_id, [])
            cc = [a for a in assistants if language_of(a) == language]
            try:
                composed = compose(kind, invitation, shared=forms, **extra)
                copies = [
                    (a, compose(kind, invitation, shared=forms, language=language_of(a), **extra))
                    for a in assistants
                    if a not in cc
                ]
            except DatabaseError:
                raise  # the database's fault, not this message's: the caller's transaction is spoiled
            except Exception as error:  # one message's fault must not stop a meeting's sending
                rows.append(_not_composed(kind, message_key, invitation, error))
                continue
            rows.append(_row(kind, message_key, invitation, composed, cc=[a.email for a in cc]))
            for assistant, copy in copies:
                rows.append(_row(kind, f"{message_key}:copy:{assistant.pk}", invitation, copy, reader=assistant))
    return store(rows)


def queue_invitations(invitations: list[Invitation], *, shared: dict | None = None) -> list[int]:
    return queue(MessageKind.INVITATION, invitations, shared=shared)


def update_recipients(meeting: Meeting):
    """Who hears of a change: every standing invitation that went out, except those who declined or delegated
    (their substitute hears instead)."""
    return (
        meeting.invitations.live()
        .filter(sent_at__isnull=False)
        .exclude(answer__in=calendar.GIVES_UP_PLACE)
        .select_related("person__organisation", "meeting")
    )


def queue_update(meeting: Meeting, change: MeetingChange) -> list[int]:
    """Tell every standing invitee of ``change``. The changed fields go by name (as ``change.changes`` keeps
    them); ``mailmerge`` puts them in words in each reader's language."""
    return queue(MessageKind.UPDATE, list(update_recipients(meeting)), changed_fields=list(change.changes))


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
    row = new_message(
        key=key,
        kind=MessageKind.ACTION_REMINDER,
        person=person,
        to=person.email,
        language=language,
        subject=subject,
        text=text,
        html=html,
    )
    return len(store([row]))


# --- Reminders ------------------------------------------------------------------------------------------------------


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Queue every reminder that is due and not sent yet, for meetings whose invitations went out. Each reminder
    reaches each person once (the outbox key), and only people invited before it was due."""
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
