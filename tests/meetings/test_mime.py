"""The outbox's messages are written directly (meetings.mime): byte for byte what Django's email classes build."""

from __future__ import annotations

import email
import email.policy
import itertools

from django.core.mail.message import sanitize_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetings import delivery
from meetings.models import OutgoingMessage

# Text as people write it: accents, other scripts, punctuation that headers treat specially, all line ends.
words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("\n\r\t <>\"'=;,:?_-"),
    max_size=120,
)
names = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "Zs")) | st.sampled_from(".'-"), max_size=40)
mailbox = st.builds(
    lambda name, local: f"{name.strip()} <{local}@example.org>" if name.strip() else f"{local}@example.org",
    names,
    st.from_regex(r"[a-z][a-z0-9.]{0,20}", fullmatch=True).filter(lambda s: not s.endswith(".") and ".." not in s),
)
calendar = st.builds(
    lambda method, text: {
        "filename": "meeting.ics",
        "content_type": "text/calendar",
        "method": method,
        "content": "BEGIN:VCALENDAR\r\n" + text + "\r\nEND:VCALENDAR\r\n",
    },
    st.sampled_from(["REQUEST", "CANCEL"]),
    words,
)


def _both(row: OutgoingMessage) -> tuple[bytes, bytes]:
    """The directly written bytes and Django's, with the same Date and the same multipart boundaries."""
    built = delivery.build_email(row)
    counter = itertools.count()
    built.new_boundary = lambda: f"dgnetwork-{next(counter):032x}"
    direct = built.serialise()
    counter = itertools.count()
    return direct, built.message().as_bytes(linesep="\r\n")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subject=words.map(lambda s: s.replace("\r", " ").replace("\n", " ")),
    to=mailbox,
    cc=st.lists(mailbox, max_size=3),
    text=words.filter(lambda s: s.strip()),
    html=st.none() | words,
    attachments=st.lists(calendar, max_size=1),
    language=st.sampled_from(["en", "fr", "nl", "de"]),
)
def test_written_directly_the_bytes_are_those_djangos_email_classes_build(
    subject, to, cc, text, html, attachments, language
):
    row = OutgoingMessage(
        to=to,
        cc=cc,
        subject=subject,
        body_text=text,
        body_html=html or "",
        attachments=attachments,
        message_id="<x.1@dg-network.example.org>",
        language=language,
    )
    direct, django = _both(row)
    assert direct == django
    parsed = email.message_from_bytes(direct, policy=email.policy.default)
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n").replace("\r", "\n") == text.replace(
        "\r\n", "\n"
    ).replace("\r", "\n")


def test_every_shape_of_outbox_message_is_written_directly_and_the_rest_is_left_to_django():
    """Invitations (text, HTML, calendar), reminders (text, HTML), account emails (text only): written directly.
    A line longer than SMTP allows (sent quoted-printable) or another kind of file: built by Django, same result."""
    from meetings import mime

    ics = {"filename": "meeting.ics", "content_type": "text/calendar", "method": "REQUEST", "content": "BEGIN:X\r\n"}
    long_line = "Réunion " * 200
    cases = {
        "invitation": ({"body_html": "<p>Hé</p>", "attachments": [ics]}, True),
        "reminder": ({"body_html": "<p>Hé</p>"}, True),
        "account": ({}, True),
        "calendar only": ({"attachments": [ics]}, True),
        "long line": ({"body_text": long_line, "body_html": "<p>x</p>"}, False),
        "long html line": ({"body_html": long_line}, False),
        "a pdf": ({"attachments": [{"filename": "a.pdf", "content_type": "application/pdf", "content": "x"}]}, False),
    }
    for label, (fields, direct_expected) in cases.items():
        row = OutgoingMessage(
            to="Zoë Ångström <zoe@example.org>",
            subject="Invitation : réunion des directeurs généraux, Bruxelles, 28 avril 2022, 09:30–16:30 (heure de "
            "Bruxelles) — ordre du jour et documents",
            body_text=fields.pop("body_text", "Madame,\n\nBienvenue.\n"),
            message_id="<x.2@dg-network.example.org>",
            language="fr",
            **fields,
        )
        built = delivery.build_email(row)
        written = mime.write(
            built,
            date=built.date,
            boundaries=iter(built.new_boundary, None),
            calendars=built.calendar_methods,
        )
        assert (written is not None) == direct_expected, label
        direct, django = _both(row)
        assert direct == django, label


# Addresses as they come: plain ones of every allowed character, with display names, quoted or non-ASCII local
# parts, internationalised domains, over-long labels, and text that is no address at all.
atext = st.text(alphabet="abcXYZ019!#$%&'*+/=?^_`{|}~-", min_size=1, max_size=8)
label = st.text(alphabet="abz09-", min_size=1, max_size=8) | st.just("a" * 64) | st.sampled_from(["bücher", "例え"])
addresses = st.one_of(
    st.builds(
        lambda local, labels: f"{'.'.join(local)}@{'.'.join(labels)}",
        st.lists(atext, min_size=1, max_size=3),
        st.lists(label, min_size=1, max_size=3),
    ),
    st.builds(lambda name, local: f"{name} <{local}@example.org>", names, atext),
    st.builds(lambda local: f'"{local}"@example.org', words),
    st.builds(lambda local: f"{local}@example.org", st.text(alphabet='éßab. ()<>,;:@\\"[]', min_size=1, max_size=8)),
    words,
)


@settings(max_examples=500, deadline=None)
@given(address=addresses)
def test_envelope_addresses_are_those_djangos_backend_gives_the_server(address):
    try:
        expected = sanitize_address(address, "utf-8")
    except ValueError:
        expected = ValueError
    try:
        given_address = delivery.envelope_address(address)
    except ValueError:
        given_address = ValueError
    assert given_address == expected


def test_a_plain_address_is_taken_as_it_is_and_any_other_is_parsed():
    assert delivery._PLAIN_ADDRESS.fullmatch("dg.general+crisis@centre-de-crise.example.be")
    for parsed in ("Claire Dubois <claire@example.org>", "a..b@example.org", "claire@bücher.example", "x@" + "a" * 64):
        assert not delivery._PLAIN_ADDRESS.fullmatch(parsed)
