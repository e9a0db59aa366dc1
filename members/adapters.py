"""allauth, adapted: no open sign-up (the secretariat creates accounts), and account emails (password reset)
go through the outbox like every other message."""

from __future__ import annotations

import uuid
from email.utils import make_msgid

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        from meetings.delivery import store_single
        from meetings.models import MessageKind, OutgoingMessage
        from members.models import Person

        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        message = self.render_mail(template_prefix, email, ctx)
        html = next((body for body, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
        store_single(
            OutgoingMessage(
                key=f"account:{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4().hex}",
                kind=MessageKind.ACCOUNT,
                person=Person.objects.filter(email__iexact=email).first(),
                to=email,
                language=translation.get_language() or "en",
                subject=message.subject[:300],
                body_text=message.body,
                body_html=html,
                message_id=make_msgid(domain=settings.MAIL_MESSAGE_ID_DOMAIN),
            )
        )
