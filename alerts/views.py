"""The page behind the one-click acknowledgement link in an alert: no login needed, the signed token is the key.

A GET shows the alert and a button; only the POST (with CSRF) acknowledges, so mail scanners and link previews
cannot acknowledge for anyone. A tampered or foreign link, or an alert already closed: a clear page, nothing changed.
"""

from __future__ import annotations

from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from members.services import language_of
from network.lib.pages import link_language, render_in

from . import links, services
from .enums import AlertStatus


def _language(request, recipient) -> str:
    """The recipient's language (a 24/7 mailbox reads the alert's) unless the visitor chose one."""
    if recipient is None:
        return link_language(request)
    if recipient.person is not None:
        return link_language(request, language_of(recipient.person))
    return link_language(request, recipient.target.alert.language)


@never_cache
@require_http_methods(["GET", "POST"])
def acknowledge(request, token):
    try:
        recipient = links.recipient_from(token)
    except links.LinkError as error:
        return render_in(
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
        return render_in(
            request, "alerts/link_unusable.html", {**context, "reason": "closed"}, language=language, status=410
        )
    if request.method == "POST":
        try:
            counted = services.acknowledge(target, by=services.acknowledger_name(recipient), via="link")
        except services.Closed:
            return render_in(
                request, "alerts/link_unusable.html", {**context, "reason": "closed"}, language=language, status=410
            )
        target.refresh_from_db()
        return render_in(request, "alerts/acknowledged.html", {**context, "counted": counted}, language=language)
    return render_in(request, "alerts/acknowledge.html", context, language=language)
