"""Mail helpers shared by the apps."""

import smtplib
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend
from django.utils import timezone


def as_bytes(message) -> bytes:
    """What a backend writes or sends: the message's own bytes when it can write itself (the outbox's messages:
    ``serialise()``), else what Django's email classes build."""
    serialise = getattr(message, "serialise", None)
    return serialise() if serialise is not None else message.message().as_bytes(linesep="\r\n")


class SmtpBackend(EmailBackend):
    """Django's SMTP backend, for messages that can write themselves: an outbox message gives its envelope and its
    bytes directly (``meetings.delivery``), the same bytes Django would build for it at a fraction of the cost.
    Any other message goes Django's way."""

    def _send(self, email_message):
        envelope = getattr(email_message, "envelope", None)
        if envelope is None:
            return super()._send(email_message)
        if not email_message.recipients():
            return False
        sender, recipients = envelope()
        try:
            self.connection.sendmail(sender, recipients, as_bytes(email_message))
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True


class EmlFolderBackend(BaseEmailBackend):
    """Writes every message as its own ``.eml`` file in ``settings.MAIL_DIR``.

    The embedded default uses it so that mail really goes out somewhere a person can open it: any mail client
    opens an .eml file, attachments (the calendar file) included.
    """

    def send_messages(self, email_messages):
        folder = Path(settings.MAIL_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
            path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            path.write_bytes(as_bytes(message))
            sent += 1
        return sent
