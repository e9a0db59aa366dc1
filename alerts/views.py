"""The page behind the one-click acknowledgement link in an alert: no login needed, the signed token is the key.

A GET shows the alert and a button; only the POST (with CSRF) acknowledges, so mail scanners and link previews
cannot acknowledge for anyone. A tampered or foreign link, or an alert already closed: a clear page, nothing changed.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from members.services import language_of

from . import links, services
from .enums import AlertStatus


def _language(request, recipient) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES):
        return chosen
    if recipient is not None and recipient.person is not None:
        return language_of(recipient.person)
    if recipient is not None:
        return recipient.target.alert.language
    return translation.get_language()


def _page(request, template: str, context: dict, *, language: str, status: int = 200):
    with translation.override(language):
        response = render(request, template, context, status=status)
    response.headers["Content-Language"] = language
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def acknowledge(request, token):
    try:
        recipient = links.recipient_from(token)
    except links.LinkError as error:
        return _page(
            request,
            "alerts/link_unusable.html",
            {"reason": error.reason},
            language=_language(request, None),
            status=400,
        )
    language = _language(request, recipient)
    target = recipient.target
    alert = target.alert
    context = {"alert": alert, "target": target, "recipient": recipient, "texts": services.texts_of(alert, language)}
    if alert.status != AlertStatus.SENT:
        return _page(
            request, "alerts/link_unusable.html", {**context, "reason": "closed"}, language=language, status=410
        )
    if request.method == "POST":
        try:
            counted = services.acknowledge(target, by=services.acknowledger_name(recipient), via="link")
        except services.Closed:
            return _page(
                request, "alerts/link_unusable.html", {**context, "reason": "closed"}, language=language, status=410
            )
        target.refresh_from_db()
        return _page(request, "alerts/acknowledged.html", {**context, "counted": counted}, language=language)
    return _page(request, "alerts/acknowledge.html", context, language=language)
