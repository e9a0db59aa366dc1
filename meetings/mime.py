"""The outbox's messages written out as the bytes that go over SMTP, without building a tree of ``email`` objects.

Every outbox message has one shape: a plain-text body, usually an HTML alternative, sometimes a calendar file. For
that shape, ``write`` produces byte for byte what Django's ``EmailMultiAlternatives.message().as_bytes()`` produces
(the tests compare the two on generated messages, accented names, folded subjects and long lines included). It uses
the same pieces for everything that needs care: Django's header rules (``forbid_multi_line_headers``, which encodes
non-ASCII words and addresses), the email package's header folding (the message's own policy) and its base64 writer.
What it leaves out is the cost of the general case: building a tree of ``Message`` objects, parsing the parameters
back out of every ``Content-Type`` it has just written, and walking the tree again to serialise it. That was about
two thirds of what a Celery worker spends on a message.

Anything outside that shape (no text body, a line longer than SMTP allows, a file that is not a calendar, a header
Django would treat specially) returns None, and the caller lets Django build the message as usual.
"""

from __future__ import annotations

import functools
import re
from email import base64mime
from email.policy import Compat32

from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, EmailMultiAlternatives, forbid_multi_line_headers

CRLF = "\r\n"
# Headers that Django sets itself, or treats apart when they come as extra headers.
_OWN_HEADERS = {"from", "to", "cc", "bcc", "reply-to", "date", "subject", "mime-version", "content-type"}
# Headers whose values recur from message to message (folded once, see _fold_same).
_RECURRING = {"Subject", "From", "Reply-To", "Auto-Submitted", "Content-Language"}
_BOUNDARY = re.compile(r"[0-9A-Za-z-]{1,70}")


class _Compat32(Compat32):
    """The email package's default policy, minus its cost on plain headers: it runs every header of every part
    through ``Header.encode``. An ASCII value that fits on its line comes out of that unchanged, so it is written as
    it is; anything else goes the usual way."""

    def _fold(self, name, value, sanitize):
        if (
            isinstance(value, str)
            and value.isascii()
            and len(name) + 2 + len(value) <= (self.max_line_length or 78)
            and "\r" not in value
            and "\n" not in value
        ):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


# The policy outbox messages are serialised with, both ways (Django's ``message()`` is given it too).
POLICY = _Compat32()
_SMTP = POLICY.clone(linesep=CRLF)
_fold = _SMTP.fold_binary


@functools.lru_cache(maxsize=64)
def _fold_same(name: str, value: str) -> bytes:
    """A header that is the same on many messages (the parts' own headers; subject, sender, language), folded
    once. Never used for the recipients' addresses or anything else personal."""
    return _fold(name, value)


def _header(name: str, value) -> bytes:
    """A top-level header as Django sets it (``forbid_multi_line_headers``: no line breaks; non-ASCII words and
    addresses encoded), folded."""
    return _fold(*forbid_multi_line_headers(name, value, "utf-8"))


@functools.lru_cache(maxsize=64)
def _header_same(name: str, value: str) -> bytes:
    """``_header`` for the values that recur from message to message (subject, sender, language): written once."""
    return _header(name, value)


@functools.lru_cache(maxsize=16)
def _multipart_header(subtype: str, length: int) -> tuple[bytes, bytes]:
    """A multipart's Content-Type with a stand-in boundary of ``length`` characters, folded once: a boundary of
    letters, digits and hyphens folds the same whatever its characters, so each message's is put in its place."""
    stand_in = "0" * length
    return _fold("Content-Type", f'multipart/{subtype}; boundary="{stand_in}"'), stand_in.encode("ascii")


def _crlf(text: str) -> str:
    """Every line end (CRLF, CR or LF, as the email package's NLCRE finds them) written as CRLF."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", CRLF)


def _has_long_lines(text: str) -> bool:
    """Django's test (``SafeMIMEText.set_payload``): such a text is sent quoted-printable, which is left to Django.
    A line of at most 249 characters is at most 996 bytes, so only longer ones are measured."""
    limit = RFC5322_EMAIL_LINE_LENGTH_LIMIT
    return any(
        len(line) > limit // 4 and len(line.encode(errors="surrogateescape")) > limit for line in text.splitlines()
    )


def _text_part(subtype: str, text: str) -> tuple[bytes, bytes]:
    """A ``SafeMIMEText`` part (8bit, or 7bit when it is ASCII): its headers and its body with CRLF line ends."""
    headers = (
        _fold_same("Content-Type", f'text/{subtype}; charset="utf-8"')
        + _fold_same("MIME-Version", "1.0")
        + _fold_same("Content-Transfer-Encoding", "7bit" if text.isascii() else "8bit")
    )
    return headers, _crlf(text).encode("utf-8")


def _calendar_part(filename: str, content: str, method: str) -> tuple[bytes, bytes]:
    """The calendar file as ``delivery`` attaches it: ``MIMEText(content, "calendar", "utf-8")`` (base64), then the
    ``method`` parameter (setting it moves Content-Type after the other headers), then the Content-Disposition."""
    headers = (
        _fold_same("MIME-Version", "1.0")
        + _fold_same("Content-Transfer-Encoding", "base64")
        + _fold_same("Content-Type", f'text/calendar; charset="utf-8"; method="{method}"')
        + _fold_same("Content-Disposition", f'attachment; filename="{filename}"')
    )
    return headers, base64mime.body_encode(content.encode("utf-8")).replace("\n", CRLF).encode("ascii")


def _multipart(subtype: str, boundary: str, parts: list[tuple[bytes, bytes]]) -> tuple[bytes, bytes]:
    """A multipart's headers and body, as the email package's generator writes them (no preamble, no epilogue):
    each part is its headers, a blank line and its body."""
    if _BOUNDARY.fullmatch(boundary):
        folded, stand_in = _multipart_header(subtype, len(boundary))
        content_type = folded.replace(stand_in, boundary.encode("ascii"))
    else:
        content_type = _fold("Content-Type", f'multipart/{subtype}; boundary="{boundary}"')
    headers = content_type + _fold_same("MIME-Version", "1.0")
    between = f"{CRLF}--{boundary}{CRLF}".encode("ascii")
    body = (
        f"--{boundary}{CRLF}".encode("ascii")
        + between.join(h + CRLF.encode("ascii") + b for h, b in parts)
        + f"{CRLF}--{boundary}--{CRLF}".encode("ascii")
    )
    return headers, body


def _calendar_parts(email, calendars: dict[str, str]) -> list[tuple[bytes, bytes]] | None:
    parts = []
    for attachment in email.attachments:
        if not (isinstance(attachment, tuple) and attachment[2] == "text/calendar"):
            return None
        filename, content, _mimetype = attachment
        method = calendars.get(filename, "")
        plain_name = filename.isascii() and not any(c in filename for c in '"\\\r\n')
        if not (method.isalnum() and method.isascii() and isinstance(content, str) and content and plain_name):
            return None
        parts.append(_calendar_part(filename, content, method))
    return parts


def write(email: EmailMultiAlternatives, *, date: str, boundaries, calendars: dict[str, str]) -> bytes | None:
    """The message's bytes, or None when it is not of the outbox's shape.

    Serialised with ``POLICY`` and CRLF line ends. ``date`` is the Date header;
    ``boundaries`` yields the multipart boundaries, outermost first, as ``message()`` sets them; ``calendars`` gives
    the METHOD of each calendar attachment by file name."""
    extra = {name.lower() for name in email.extra_headers}
    if (
        email.encoding not in (None, "utf-8")
        or (email.content_subtype, email.mixed_subtype, email.alternative_subtype) != ("plain", "mixed", "alternative")
        or email.bcc
        or not isinstance(email.body, str)
        or not email.body
        or _has_long_lines(email.body)
        or extra & _OWN_HEADERS
        or "message-id" not in extra
    ):
        return None
    html = None
    if email.alternatives:
        (html, mimetype), *others = email.alternatives
        if others or mimetype != "text/html" or not isinstance(html, str) or _has_long_lines(html):
            return None
    attachments = _calendar_parts(email, calendars)
    if attachments is None:
        return None

    text = _text_part("plain", email.body)
    if html is None and not attachments:
        top = text  # a single text part: its headers open the message
    elif not attachments:
        top = _multipart("alternative", next(boundaries), [text, _text_part("html", html)])
    else:
        outer = next(boundaries)
        if html is not None:
            text = _multipart("alternative", next(boundaries), [text, _text_part("html", html)])
        top = _multipart("mixed", outer, [text, *attachments])

    headers = [("Subject", email.subject), ("From", email.from_email)]
    for name, values in (("To", email.to), ("Cc", email.cc), ("Reply-To", email.reply_to)):
        if values:
            headers.append((name, ", ".join(str(v) for v in values)))
    headers.append(("Date", date))
    headers += email.extra_headers.items()
    top_headers, body = top
    written = [top_headers]
    for name, value in headers:
        written.append(_header_same(name, str(value)) if name in _RECURRING else _header(name, value))
    return b"".join(written) + CRLF.encode("ascii") + body
