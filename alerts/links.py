"""One-click acknowledgement links: signed per recipient of an alert, usable without logging in.

The token names only the recipient row; the salt is this purpose's own, so a link signed for another purpose (a
meeting's answer link) is refused. Opening a link shows a confirmation page; only its POST acknowledges, so mail
scanners and link previews cannot acknowledge for anyone."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import AlertRecipient

SALT = "alerts.acknowledge-link"


class LinkError(Exception):
    """The link cannot be used; ``reason`` is ``invalid`` (tampered with, another purpose's, unknown)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def token_for(recipient: AlertRecipient) -> str:
    return signing.dumps({"r": recipient.pk}, salt=SALT, compress=False)


def acknowledge_url(recipient: AlertRecipient) -> str:
    return settings.SITE_URL + reverse("alerts:acknowledge", args=[token_for(recipient)])


def recipient_from(token: str) -> AlertRecipient:
    """The recipient row a token names, with its country row and alert; raises ``LinkError``."""
    try:
        pk = int(signing.loads(token, salt=SALT)["r"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise LinkError("invalid") from error
    recipient = (
        AlertRecipient.objects.select_related("target__alert", "target__country", "target__organisation", "person")
        .filter(pk=pk)
        .first()
    )
    if recipient is None:
        raise LinkError("invalid")
    return recipient
