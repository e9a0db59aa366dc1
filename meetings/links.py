"""One-click answer links: signed per invitation, valid until the meeting ends, usable without logging in.

The token names only the invitation. Opening a link shows a confirmation page; only its POST changes the answer,
so mail scanners and link previews that follow links cannot answer for anyone.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .models import Invitation

SALT = "meetings.answer-link"

CHOICES = ("accept", "accept-in-person", "accept-online", "decline", "substitute")


class LinkError(Exception):
    """The link cannot be used; ``reason`` is one of: invalid, expired, withdrawn. ``invitation`` is the one the
    link names when the token itself is good (expired, withdrawn), so the page can speak the invitee's language."""

    def __init__(self, reason: str, invitation: Invitation | None = None):
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def token_for(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk}, salt=SALT, compress=False)


def answer_url(invitation: Invitation, choice: str | None = None) -> str:
    url = settings.SITE_URL + reverse("meetings:answer", args=[token_for(invitation)])
    return f"{url}?choice={choice}" if choice else url


def answer_urls(invitation: Invitation) -> dict[str, str]:
    """The page and every one-click choice, signed once."""
    return urls_for_token(token_for(invitation))


def urls_for_token(token: str) -> dict[str, str]:
    url = settings.SITE_URL + reverse("meetings:answer", args=[token])
    return {
        "page": url,
        **{choice.replace("-", "_"): f"{url}?choice={choice}" for choice in CHOICES},
    }


def invitation_from(token: str) -> Invitation:
    """The invitation a token names; raises ``LinkError`` if the token was tampered with, the meeting is over
    or the invitation was withdrawn. (A cancelled meeting is told on the page itself.)"""
    try:
        data = signing.loads(token, salt=SALT)
        pk = int(data["i"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise LinkError("invalid") from error
    invitation = (
        Invitation.objects.select_related("meeting", "person__organisation__country", "substitute")
        .filter(pk=pk)
        .first()
    )
    if invitation is None:
        raise LinkError("invalid")
    if invitation.meeting.ends_at <= timezone.now():
        raise LinkError("expired", invitation)
    if invitation.withdrawn_at is not None:
        raise LinkError("withdrawn", invitation)
    return invitation
