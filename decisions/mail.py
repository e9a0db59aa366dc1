"""What the written procedure tells people, queued in the outbox: each message rendered in its reader's language,
with the deadline in Brussels time and in the reader's own zone, and (for the seat holders) signed answer links.

Events mailed to the countries concerned: ``opened``, ``reminder``, ``extended``, ``withdrawn``, ``adopted`` (with
the adoption note, PDF). A failed procedure is told to the meeting's chair and the secretariat (``queue_failed``).
Each message has a unique outbox key, so the same message is never made twice.
"""

from __future__ import annotations

import base64
import zoneinfo
from types import SimpleNamespace

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from members.identity import seat_holders
from members.models import Person
from members.services import language_of
from outbox.models import MessageKind
from outbox.services import new_message, store

from . import links
from .models import ProcedureCountry, WrittenProcedure
from .notes import adoption_note_pdf

SUBJECTS = {
    "opened": gettext_noop("Written procedure: %(title)s — answer by %(deadline)s"),
    "reminder": gettext_noop("Reminder — written procedure: %(title)s — answer by %(deadline)s"),
    "extended": gettext_noop("Written procedure extended: %(title)s — new deadline %(deadline)s"),
    "withdrawn": gettext_noop("Written procedure withdrawn: %(title)s"),
    "adopted": gettext_noop("Adopted by written procedure: %(title)s"),
}


def site_url(path: str) -> str:
    return settings.SITE_URL + path


def deadline_for(procedure: WrittenProcedure, zone: str | None) -> str:
    """The deadline in the procedure's zone (Brussels), and in ``zone`` too when it differs, in the active
    language: "12 May 2027, 17:00 (Europe/Brussels; 18:00 Europe/Helsinki)"."""
    local = procedure.local_deadline
    text = f"{date_format(local, 'DATE_FORMAT')}, {local:%H:%M} ({procedure.time_zone}"
    if zone and zone != procedure.time_zone:
        theirs = timezone.localtime(procedure.deadline, zoneinfo.ZoneInfo(zone))
        day = "" if theirs.date() == local.date() else f"{date_format(theirs, 'DATE_FORMAT')} "
        text += f"; {day}{theirs:%H:%M} {zone}"
    return text + ")"


def _subject(event: str, procedure: WrittenProcedure, deadline: str) -> str:
    return _(SUBJECTS[event]) % {"title": procedure.revision.draft.title, "deadline": deadline}


def render(template: str, context: dict) -> tuple[str, str]:
    text = render_to_string(f"email/{template}.txt", context).strip() + "\n"
    html = render_to_string(f"email/{template}.html", context)
    return text, html


def _message(event: str, procedure: WrittenProcedure, entry: ProcedureCountry, person: Person, *, key: str):
    language = language_of(person)
    with translation.override(language):
        deadline = deadline_for(procedure, person.time_zone)
        context = {
            "event": event,
            "person": person,
            "procedure": procedure,
            "draft": procedure.revision.draft,
            "revision": procedure.revision,
            "paragraphs": list(procedure.revision.paragraphs.order_by("number")),
            "country": entry.country,
            "deadline": deadline,
            "adopted_on": date_format(procedure.local_deadline, "DATE_FORMAT"),
            "urls": links.urls_for(procedure, entry.country, person) if procedure.is_open else None,
            "procedure_url": site_url(reverse("portal:procedure", args=[procedure.pk])),
            "portal_url": site_url(reverse("portal:dashboard")),
            "secretariat_email": settings.SECRETARIAT_EMAIL,
        }
        text, html = render("written_procedure", context)
        attachments = []
        if event == "adopted":
            attachments.append(
                {
                    "filename": f"{_('adopted')}-{procedure.revision.draft_id}.pdf",
                    "content_type": "application/pdf",
                    "content": base64.b64encode(adoption_note_pdf(procedure)).decode("ascii"),
                    "encoding": "base64",
                }
            )
        subject = _subject(event, procedure, deadline)
    return new_message(
        key=key,
        kind=MessageKind.PROCEDURE,
        person=person,
        to=person.email,
        language=language,
        subject=subject,
        text=text,
        html=html,
        attachments=attachments,
    )


def queue_to_countries(
    procedure: WrittenProcedure, event: str, *, unanswered_only: bool = False, suffix: str = ""
) -> int:
    """One message of ``event`` to each person who holds the seat of each country the procedure concerns (only
    countries with no answer yet when ``unanswered_only``). Keys name the procedure, event, deadline, country and
    person (and ``suffix``), so calling again makes nothing new. Returns how many rows were stored."""
    entries = procedure.countries.select_related("country")
    if unanswered_only:
        entries = entries.filter(answer="")
    stamp = int(procedure.deadline.timestamp())
    rows = []
    for entry in entries:
        for person in seat_holders(entry.country).select_related("organisation"):
            key = f"procedure:{procedure.pk}:{event}{suffix}:{stamp}:{entry.country_id}:{person.pk}"
            rows.append(_message(event, procedure, entry, person, key=key))
    return len(store(rows))


def queue_failed(procedure: WrittenProcedure, objections: list[ProcedureCountry]) -> int:
    """Tell the chair of the draft's meeting (when there is one) and the secretariat that silence was broken, with
    each objection and its reason."""
    draft = procedure.revision.draft
    recipients: list[tuple[str, str, Person | None]] = []
    chair = draft.meeting.chair if draft.meeting_id else None
    if chair is not None and chair.is_active:
        recipients.append((chair.email, language_of(chair), chair))
    recipients.append((settings.SECRETARIAT_EMAIL, settings.LANGUAGE_CODE, None))
    rows = []
    for address, language, person in recipients:
        with translation.override(language):
            context = {
                # The secretariat's address is greeted as a group.
                "person": person or SimpleNamespace(full_name=pgettext("greeting", "colleagues")),
                "procedure": procedure,
                "draft": draft,
                "revision": procedure.revision,
                "objections": objections,
                "deadline": deadline_for(procedure, person.time_zone if person else None),
                "draft_url": site_url(reverse("portal:draft", args=[draft.pk])),
                "portal_url": site_url(reverse("portal:dashboard")),
                "secretariat_email": settings.SECRETARIAT_EMAIL,
            }
            text, html = render("written_procedure_failed", context)
            subject = _("Silence broken: %(title)s") % {"title": draft.title}
        rows.append(
            new_message(
                key=f"procedure:{procedure.pk}:failed:{address.lower()}",
                kind=MessageKind.PROCEDURE,
                person=person,
                to=address,
                language=language,
                subject=subject,
                text=text,
                html=html,
            )
        )
    return len(store(rows))
