"""allauth, adapted: no open sign-up (the secretariat creates accounts), a password reset only for the registry's
active people, and account emails (password reset) go through the outbox in the person's language like every
other message.

The login address is the registry's (``services.change_email``): members cannot manage their addresses, so
``/accounts/email/`` is closed in ``network/urls.py``.
"""

from __future__ import annotations

import logging
import uuid

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from outbox.models import MessageKind
from outbox.services import new_message, store_single

from .models import Person, User
from .services import language_of

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False

    def send_password_reset_mail(self, user, email: str, context: dict) -> None:
        """A reset link goes only to an active person of the registry with an active account, at the registry's
        address. For any other address nothing is sent, and the page answers the same (``ACCOUNT_PREVENT_ENUMERATION``;
        ``ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS`` is off, so an unknown address gets no mail either)."""
        person = Person.objects.filter(user=user, is_active=True, user__is_active=True).first()
        if person is None or person.email.lower() != email.strip().lower():
            logger.info("Password reset not sent: the address is no active member's login.")
            return
        self.send_mail("account/email/password_reset_key", person.email, context)

    def format_email_subject(self, subject: str) -> str:
        """The site's name before the subject, in the language the mail is rendered in (``send_mail`` makes it the
        recipient's); ``ACCOUNT_EMAIL_SUBJECT_PREFIX`` would be the same words for every reader."""
        return f"{gettext('DG Network')} · {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Write the message to the outbox, in the language of the person the address belongs to. An address that
        is no active account's gets nothing (allauth would otherwise write to any address typed into a form)."""
        if not User.objects.filter(email__iexact=email, is_active=True).exists():
            logger.info("Account email %s not sent: the address is no active account's.", template_prefix)
            return
        person = Person.objects.filter(email__iexact=email).first()
        language = language_of(person) if person is not None else translation.get_language() or "en"
        request = allauth_context.request
        with translation.override(language):
            ctx = {
                "request": request,
                "email": email,
                "current_site": get_current_site(request),
                # Our frame around allauth's messages (templates/account/email/base_message.txt): the greeting by
                # name and the signature every other mail has.
                "person": person,
                "portal_url": settings.SITE_URL + reverse("portal:dashboard"),
                "secretariat_email": settings.SECRETARIAT_EMAIL,
                **context,
            }
            message = self.render_mail(template_prefix, email, ctx)
        html = next((body for body, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
        store_single(
            new_message(
                key=f"account:{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4().hex}",
                kind=MessageKind.ACCOUNT,
                person=person,
                to=email,
                language=language,
                subject=message.subject,
                text=message.body,
                html=html,
            )
        )
