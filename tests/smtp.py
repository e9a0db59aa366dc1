"""A real SMTP server for tests and benchmarks: aiosmtpd on 127.0.0.1 and a free port.

It keeps every message it accepts (parsed with the ``email`` package), can be told to refuse for a while (a 4xx or
5xx answer to MAIL, RCPT and DATA) and to accept again, and can be slow (it takes a while to confirm each message it
has received, as a busy relay does). Use it in a test with the ``smtp_sink`` fixture; ``configure(settings)`` points the
in-process app at it, ``env()`` gives the variables for a child process (a Celery worker).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import email
import email.policy
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests.helpers import free_port

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    """One message as the server accepted it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802 - aiosmtpd's name
        if refusal := self.sink._refusal():
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if refusal := self.sink._refusal():
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if refusal := self.sink._refusal():
            return refusal
        self.sink._keep(envelope)
        if self.sink.delay:
            # A slow relay: it has the message and takes its time to confirm it. A client that dies meanwhile
            # does not know it was delivered, as with a real server.
            with self.sink._receiving():
                await asyncio.sleep(self.sink.delay)
        return "250 Message accepted for delivery"


class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps what it receives. Thread-safe: aiosmtpd runs in its own thread.

    ``parse=False`` only counts the messages (a benchmark's sink); ``delay`` is the pause before each DATA is
    confirmed."""

    def __init__(self, *, port: int | None = None, delay: float = 0.0, parse: bool = True):
        self.host = HOST
        self.port = port or free_port()
        self.delay = delay
        self.parse = parse
        self._lock = threading.Condition()
        self._messages: list[Received] = []
        self._count = 0
        self._refusing: str | None = None
        self._refuse_after: tuple[int, str] | None = None
        self.refused = 0
        self._in_data = 0
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, ready_timeout=10)

    # --- Life cycle ----------------------------------------------------------------------------------------------

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- What the app needs to use it ----------------------------------------------------------------------------

    def configure(self, settings) -> None:
        """Point the in-process app's mail at this server (``settings`` is pytest-django's fixture)."""
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = self.host
        settings.EMAIL_PORT = self.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 10

    def env(self) -> dict[str, str]:
        """The variables that point a child process (a Celery worker) at this server."""
        return {"EMAIL_HOST": self.host, "EMAIL_PORT": str(self.port)}

    # --- Refusing ------------------------------------------------------------------------------------------------

    def refuse(self, code: int = 421, text: str = "Service not available") -> None:
        """Answer every MAIL, RCPT and DATA with ``code text`` until ``accept()``."""
        with self._lock:
            self._refusing = f"{code} {text}"

    def refuse_after(self, count: int, code: int = 421, text: str = "Service not available") -> None:
        """Accept until ``count`` messages are in, then refuse (the server goes away in the middle of a batch)."""
        with self._lock:
            self._refuse_after = (count, f"{code} {text}")

    def accept(self) -> None:
        with self._lock:
            self._refusing = None
            self._refuse_after = None

    @property
    def refusing(self) -> bool:
        with self._lock:
            return self._refusing is not None

    def _refusal(self) -> str | None:
        with self._lock:
            if self._refusing:
                self.refused += 1
            return self._refusing

    @property
    def receiving(self) -> int:
        """How many messages are kept but not yet confirmed to their sender (only while the sink is slow)."""
        with self._lock:
            return self._in_data

    @contextlib.contextmanager
    def _receiving(self):
        with self._lock:
            self._in_data += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_data -= 1

    def _keep(self, envelope) -> None:
        received = None
        if self.parse:
            raw = envelope.original_content or envelope.content
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            received = Received(envelope.mail_from, tuple(envelope.rcpt_tos), parsed, raw)
        with self._lock:
            if received is not None:
                self._messages.append(received)
            self._count += 1
            if self._refuse_after and self._count >= self._refuse_after[0]:
                self._refusing, self._refuse_after = self._refuse_after[1], None
            self._lock.notify_all()

    # --- Reading what arrived ------------------------------------------------------------------------------------

    @property
    def messages(self) -> list[Received]:
        with self._lock:
            return list(self._messages)

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    def message_ids(self) -> collections.Counter[str]:
        """How many times each Message-ID arrived."""
        return collections.Counter(r.message_id for r in self.messages)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.messages if address in r.rcpt_tos]

    def wait_for(self, count: int, timeout: float = 30.0) -> int:
        """Block until at least ``count`` messages arrived; returns the count, raises ``AssertionError`` on time-out."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._count < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"the SMTP sink got {self._count} messages, expected {count}, in {timeout}s")
                self._lock.wait(left)
            return self._count


@pytest.fixture
def smtp_sink():
    """A fresh SMTP server for one test, stopped after it."""
    with SmtpSink() as sink:
        yield sink
