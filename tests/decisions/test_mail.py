"""What the written procedure mails, as a real SMTP server receives it: each seat holder in their language with
the deadline in Brussels and in their own zone, signed links, and the adoption note (PDF)."""

from __future__ import annotations

import pytest

from decisions import services
from decisions.mail import SUBJECTS
from outbox.models import MessageKind
from tests import smtp
from tests.decisions.conftest import DEADLINE, SITE
from tests.meetings.mail.messages import in_language, received_for, text_of

pytestmark = pytest.mark.django_db

smtp_sink = smtp.smtp_sink


@pytest.fixture
def sink(smtp_sink, settings):
    smtp_sink.configure(settings)
    settings.SITE_URL = SITE
    return smtp_sink


def test_each_seat_holder_is_told_in_their_language_with_their_own_links_and_the_deadline_in_their_zone(
    sink, draft, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        procedure = services.open_procedure(draft.revisions.get(number=2), deadline=DEADLINE)

    sink.wait_for(4, timeout=20)
    received = received_for(sink, MessageKind.PROCEDURE)
    assert sorted(received) == ["deputy@fr.example", "dg@be.example", "dg@fr.example", "dg@nl.example"]
    for address, language in (("dg@be.example", "en"), ("dg@fr.example", "fr"), ("deputy@fr.example", "de")):
        message = received[address]
        assert message["Content-Language"] == language
        deadline = "May 7, 2027, 17:00 (Europe/Brussels)" if language == "en" else ", 17:00 (Europe/Brussels)"
        assert deadline in text_of(message)
        title = "Mandat" if language == "fr" else "Terms of reference"
        assert (
            str(message["Subject"])
            .strip()
            .startswith(in_language(language, SUBJECTS["opened"], title=title, deadline="")[:20])
        )
    paths = {a: f"{SITE}/written-procedure/{procedure.pk}/answer/" for a in received}
    for address, message in received.items():
        text = text_of(message)
        assert text.count(paths[address]) == 3  # no objection, comment, break silence
        assert "?choice=break-silence" in text
    assert "Le réseau se réunit trois fois par an." in text_of(received["dg@fr.example"])
    assert "18:00 Europe/Helsinki" in text_of(received["dg@nl.example"])  # Brussels 17:00 is Helsinki 18:00
    links_fr = {line for line in text_of(received["dg@fr.example"]).split() if "/answer/" in line}
    links_deputy = {line for line in text_of(received["deputy@fr.example"]).split() if "/answer/" in line}
    assert not links_fr & links_deputy  # each person's own token


def test_every_country_is_told_of_the_adoption_with_the_adopted_text_as_a_pdf(
    sink, draft, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        procedure = services.open_procedure(draft.revisions.get(number=2), deadline=DEADLINE)
    sink.wait_for(4, timeout=20)
    clock.move_to(DEADLINE)

    with django_capture_on_commit_callbacks(execute=True):
        services.close_procedure(procedure.pk)

    sink.wait_for(8, timeout=20)
    adopted = [
        r.message
        for r in sink.messages
        if r.message.get_content_maintype() == "multipart"
        and any(part.get_content_type() == "application/pdf" for part in r.message.walk())
    ]
    assert len(adopted) == 4  # one a seat holder, each in their language (the subject is translated)
    for message in adopted:
        pdfs = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
        assert len(pdfs) == 1
        assert pdfs[0].get_content().startswith(b"%PDF")
    english = next(m for m in adopted if m["To"] == "dg@be.example")
    assert "adopted by written procedure on May 7, 2027" in text_of(english)
