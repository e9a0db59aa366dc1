"""Every word of every message in its recipient's language (issue 18, section 1).

Each kind of message is rendered for a recipient of each language while another language is active (the sender's,
as when the secretariat works in the admin in Dutch), and no phrase of another language's catalogue may appear in it.
"""

from __future__ import annotations

import datetime
import functools
import html as html_module
import re
from pathlib import Path

import icalendar
import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from meetings import delivery, mailmerge, services
from meetings.enums import Answer, MeetingFormat, Visibility
from meetings.models import Document
from members.enums import Role
from members.services import open_account, send_access_link
from outbox.models import MessageKind, OutgoingMessage
from tests import factories
from tests.meetings.mail.messages import at

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.LANGUAGES]
LOCALE = Path(settings.BASE_DIR) / "locale"
# Placeholders, template variables and markup split a catalogue entry into the phrases a reader sees.
_SPLIT = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}|\{%.*?%\}|<[^>]+>|\n|[«»“”\"()\[\]:;,.!?…—–/]")


def _phrases(text: str) -> set[str]:
    return {p.strip(" \u00a0\u202f'’-").lower() for p in _SPLIT.split(text)} - {""}


@functools.cache
def _catalogue(language: str) -> polib.POFile | None:
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    return polib.pofile(str(path)) if path.exists() else None


@functools.cache
def _own_text(language: str) -> str:
    """Everything the language's own catalogue says (for English: the msgids), lower case, for checking whether a
    phrase is also a word of the reader's language."""
    words: list[str] = []
    for entry in _catalogue("fr") if language == "en" else _catalogue(language):
        if language == "en":
            words += [entry.msgid, entry.msgid_plural]
        else:
            words += [entry.msgstr, *entry.msgstr_plural.values()]
    return "\n".join(words).lower()


@functools.cache
def foreign_phrases(language: str) -> frozenset[str]:
    """Phrases of the other languages' catalogues that are no phrase of ``language``: at least four letters, not
    found (as words) in the reader's own catalogue, nor the same in every language."""
    own = _own_text(language)
    found: set[str] = set()
    for other in LANGUAGES:
        if other in (language, "en"):
            continue
        for entry in _catalogue(other):
            if entry.obsolete or "fuzzy" in entry.flags:
                continue
            for text in [entry.msgstr, *entry.msgstr_plural.values()]:
                found |= _phrases(text)
    if language != "en":  # English is a catalogue too: its msgids
        for entry in _catalogue("fr"):
            for text in (entry.msgid, entry.msgid_plural):
                found |= _phrases(text)
    return frozenset(
        p
        for p in found
        if sum(c.isalpha() for c in p) >= 4 and not re.search(r"(?<!\w)" + re.escape(p) + r"(?!\w)", own)
    )


def leaks(language: str, message: str) -> list[str]:
    """The other languages' phrases found, as whole words, in ``message`` (links and addresses left out)."""
    text = _WITHOUT_ADDRESSES.sub(" ", message).lower()
    return sorted(p for p in foreign_phrases(language) if re.search(r"(?<![\w%])" + re.escape(p) + r"(?![\w])", text))


def french_typography_faults(message: str) -> list[str]:
    """Places where a French message breaks the rule it keeps everywhere else: a non-breaking space before ``:``,
    ``;``, ``?`` and ``!`` (links, addresses and times left out)."""
    text = _WITHOUT_ADDRESSES.sub(" ", message)
    return [m.group(0) for m in re.finditer(r".{0,12}[^\u00a0\u202f][:;?!](?=\s|$)", text, flags=re.MULTILINE)]


def readable(row: OutgoingMessage) -> str:
    """What a reader of the row sees: subject, text, the HTML's text, and the calendar's text properties."""
    parts = [row.subject, row.body_text, html_module.unescape(re.sub(r"<[^>]+>", " ", row.body_html))]
    for attachment in row.attachments or []:
        if attachment.get("content_type") == "text/calendar":
            for event in icalendar.Calendar.from_ical(attachment["content"]).walk("VEVENT"):
                parts += [str(event.get(name, "")) for name in ("SUMMARY", "DESCRIPTION", "LOCATION")]
                parts.append(str(event["ORGANIZER"].params.get("CN", "")))
    return "\n".join(parts)


# Links and email addresses are no words of any language ("/answer/…", "secretariat@…").
_WITHOUT_ADDRESSES = re.compile(r"https?://\S+|\S+@\S+|/[\w/.?=&-]+")


def _titles(base: str) -> dict[str, str]:
    """A content field in every language (content is translated by the secretariat, not by the catalogue)."""
    words = {lang: f"{base}-{lang}" for lang in LANGUAGES}
    return {f"title_{lang}": word for lang, word in words.items()}


@pytest.fixture
def recipient_in(db):
    def make(language: str):
        person = factories.director(first_name="Alex", last_name="Quinn", preferred_language=language)
        meeting = factories.meeting(
            format=MeetingFormat.HYBRID,
            video_link="https://meet.example.org/dg",
            dial_in="+32 2 000 00 00",
            venue_address="Rue Ducale 4",
            answer_deadline=datetime.date(2027, 4, 9),
            venue_name="Egmont",
            **_titles("Plenary"),
        )
        factories.agenda_item(meeting, duration_minutes=30, **_titles("Ouverture"))
        Document.objects.create(
            meeting=meeting,
            visibility=Visibility.INVITEES,
            original_name="agenda.pdf",
            content_type="application/pdf",
            **_titles("Annex"),
        )
        invitation = factories.invitation(meeting, person)
        with translation.override(language):
            services.send_invitations(meeting)
        invitation.refresh_from_db()
        return person, meeting, invitation

    return make


def _another(language: str) -> str:
    """A language other than the recipient's, active while their message is made."""
    return "nl" if language != "nl" else "de"


def _make(kind: str, person, meeting, invitation) -> None:
    """Queue one message of ``kind`` for ``person`` (the invitation already went out)."""
    if kind == MessageKind.UPDATE:
        meeting.starts_at += datetime.timedelta(minutes=30)
        meeting.ends_at += datetime.timedelta(minutes=30)
        meeting.venue_city = "Antwerpen"
        services.save_meeting(meeting)
    elif kind == MessageKind.CANCELLATION:
        services.cancel_meeting(meeting, reason="Egmont X.")
    elif kind in (MessageKind.ANSWER_REMINDER, MessageKind.INVITATION):
        delivery.queue(kind, [invitation], key_suffix=":again")
    elif kind == MessageKind.MEETING_REMINDER:
        invitation.answer = Answer.ACCEPTED
        invitation.mode = "online"
        invitation.save()
        delivery.queue(kind, [invitation])
    elif kind == MessageKind.CONFIRMATION:
        services.record_answer(invitation, answer=Answer.ACCEPTED, mode="online", remarks="Veg.")
    elif kind == MessageKind.ACTION_REMINDER:
        conclusion = factories.conclusion(meeting, text_en="We agree.", text_fr="Accord.", text_nl="Akkoord.")
        action = factories.action(
            conclusion,
            owner_country=person.organisation.country,
            **_titles("Exercise"),
            due_date=datetime.date(2027, 3, 10),
        )
        for overdue in (False, True):
            delivery.queue_action_reminder(action, person, key=f"test:{overdue}", overdue=overdue)
    elif kind == MessageKind.ACCOUNT:
        send_access_link(person)
    elif kind == MessageKind.ALERT:
        from alerts import services as alerts

        factories.mandate(person, Role.CONTACT_POINT)  # the 24/7 contact point gets the alert's first step
        texts = {
            f"{field}_{lang}": f"{word}-{lang}"
            for field, word in (("body", "Bora"), ("request", "Mistral"))
            for lang in LANGUAGES
        }
        alerts.send_alert(factories.alert(factories.staff_user(), **_titles("Sirocco"), **texts))
    elif kind == MessageKind.PROCEDURE:
        from decisions import services as decisions
        from decisions.models import Draft

        draft = Draft.objects.create(meeting=meeting, **_titles("Solstice"))
        revision = decisions.publish_revision(draft, [{code: f"Text-{code}" for code in LANGUAGES}])
        decisions.open_procedure(
            revision, deadline=meeting.starts_at + datetime.timedelta(days=30), countries=[person.organisation.country]
        )
    elif kind in (MessageKind.QUESTIONNAIRE, MessageKind.QUESTIONNAIRE_REMINDER):
        from questionnaires import services as questionnaires

        asked = factories.questionnaire(factories.staff_user(), **_titles("Tundra"), reminder_days=[2])
        asked.countries.set([person.organisation.country])
        questionnaires.open_questionnaire(asked)
        if kind == MessageKind.QUESTIONNAIRE_REMINDER:
            questionnaires.send_due_reminders(now=asked.deadline - datetime.timedelta(days=2))
    elif kind in (MessageKind.POLL_REMINDER, MessageKind.SAVE_THE_DATE):
        from logistics import polls
        from logistics.models import DatePoll

        poll = DatePoll.objects.create(**_titles("Kalmar"))
        poll.countries.set([person.organisation.country])
        slot = poll.slots.create(starts_at=datetime.datetime(2027, 9, 14, 10, 0, tzinfo=factories.BRUSSELS))
        poll.slots.create(starts_at=datetime.datetime(2027, 9, 15, 10, 0, tzinfo=factories.BRUSSELS))
        if kind == MessageKind.POLL_REMINDER:
            polls.remind(poll)
        else:
            polls.choose(poll, slot)
    else:
        raise AssertionError(f"no case for {kind}: every kind of message must be checked here")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", MessageKind.values)
def test_every_kind_of_message_is_in_its_recipients_language_whatever_language_is_active(recipient_in, kind, language):
    person, meeting, invitation = recipient_in(language)
    already = set(OutgoingMessage.objects.values_list("pk", flat=True))
    with translation.override(_another(language)):
        _make(kind, person, meeting, invitation)
    rows = OutgoingMessage.objects.filter(kind=kind, person=person).exclude(pk__in=already)
    assert rows, f"no {kind} message was made"
    for row in rows:
        assert row.language == language
        found = leaks(language, readable(row))
        assert not found, f"{kind} in {language} says, in another language: {found}"
        if language == "fr":
            assert not french_typography_faults(readable(row)), f"{kind}: {french_typography_faults(readable(row))}"


def test_the_password_reset_mail_is_in_the_persons_language_not_the_pages(recipient_in, client):
    """An account mail asked for from a page shown in Dutch goes out in the account holder's French."""
    person, _meeting, _invitation = recipient_in("fr")
    open_account(person)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    with translation.override("en"):  # the page's Dutch must not stay active for the tests after this one
        client.post(reverse("account_reset_password"), {"email": person.email}, HTTP_ACCEPT_LANGUAGE="nl")
    row = OutgoingMessage.objects.get(kind=MessageKind.ACCOUNT, person=person)
    assert row.language == "fr"
    assert not leaks("fr", readable(row))
    assert not french_typography_faults(readable(row))


@pytest.mark.parametrize("language", ["en", "fr", "de"])
def test_a_change_saved_in_dutch_names_the_changed_fields_in_each_recipients_language(recipient_in, language):
    """The issue's example: the secretariat, working in Dutch, moves the start from 09:30 to 10:00 and the end from
    16:30 to 17:00. The update says what changed in the recipient's words: text, HTML and calendar description."""
    person, meeting, _invitation = recipient_in(language)
    with translation.override("nl"):
        meeting.starts_at = at(2027, 4, 28, 10, 0)
        meeting.ends_at = at(2027, 4, 28, 17, 0)
        services.save_meeting(meeting)
    row = OutgoingMessage.objects.get(kind=MessageKind.UPDATE, person=person)
    with translation.override(language):
        start, end = str(mailmerge.CHANGED_FIELD_LABELS["starts_at"]), str(mailmerge.CHANGED_FIELD_LABELS["ends_at"])
    assert "begin, einde" not in row.body_text
    ics = icalendar.Calendar.from_ical(row.attachments[0]["content"])
    description = str(ics.walk("VEVENT")[0]["DESCRIPTION"])
    html_text = html_module.unescape(re.sub(r"<[^>]+>", " ", row.body_html))
    for where, text in (("text", row.body_text), ("HTML", html_text), ("calendar", description)):
        assert f"{start}, {end}" in text, f"{where}: {text}"
        assert "begin, einde" not in text and "einde" not in text, where
        assert not leaks(language, text), where


def test_the_leak_check_finds_another_languages_words():
    """The check can fail: the Dutch labels the issue found are caught in an English message."""
    assert "einde" in leaks("en", "Changed: begin, einde.")
    assert leaks("fr", "Changed: start, end.")
    assert not leaks("en", "Changed: start, end.")
    assert french_typography_faults("Quand: demain. Motif\u00a0: aucun") == ["Quand:"]


@pytest.mark.parametrize("kind", [MessageKind.INVITATION, MessageKind.UPDATE, MessageKind.CANCELLATION])
def test_an_assistant_who_reads_another_language_gets_their_own_copy_in_it(recipient_in, kind):
    """Assistants are copied on their director's meeting mail; one who reads another language than the director gets
    a copy of their own, in theirs, instead of the director's French in copy."""
    director, meeting, invitation = recipient_in("fr")
    same = factories.person(director.organisation, first_name="Chloé", preferred_language="fr")
    other = factories.person(director.organisation, first_name="Dieter", preferred_language="de")
    for assistant in (same, other):
        factories.mandate(assistant, role="assistant")
    already = set(OutgoingMessage.objects.values_list("pk", flat=True))
    with translation.override("nl"):
        _make(kind, director, meeting, invitation)
    rows = OutgoingMessage.objects.filter(kind=kind).exclude(pk__in=already)
    to_director = rows.get(person=director)
    assert to_director.cc == [same.email]
    copy = rows.get(person=other)
    assert (copy.to, copy.language, copy.cc, copy.invitation_id) == (other.email, "de", [], invitation.pk)
    assert not leaks("de", readable(copy))
    with translation.override("de"):
        assert copy.body_text.startswith(f"Guten Tag {director.full_name},")
