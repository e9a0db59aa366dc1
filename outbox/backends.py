"""Mail backends of the outbox."""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class EmlFolderBackend(BaseEmailBackend):
    """Writes every message as its own ``.eml`` file in ``settings.MAIL_DIR``.

    The embedded default uses it so that mail really goes out somewhere a person can open it: any mail client
    opens an .eml file, attachments (the calendar file) included. (Django's file backend writes all the messages of
    a connection into one file.)
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
            path.write_bytes(message.message().as_bytes())
            sent += 1
        return sent
