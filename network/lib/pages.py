"""Pages reached from a mailed one-click link, without signing in: they speak their addressee's language.

Used by every such page (an answer to an invitation, a written procedure's answer, an alert's acknowledgement, a date
poll's answer), so the rule is written once.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation


def link_language(request: HttpRequest, addressee_language: str | None = None) -> str:
    """The language a link page speaks: the one the visitor chose on this site (the language cookie), else the
    addressee's (``addressee_language``, a code of ``settings.LANGUAGES``, or ``None`` when the link names nobody),
    else the active one."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES):
        return chosen
    return addressee_language or translation.get_language()


def render_in(request: HttpRequest, template: str, context: dict, *, language: str, status: int = 200) -> HttpResponse:
    """``template`` rendered in ``language``, which ``Content-Language`` states (the middleware would give the
    visitor's)."""
    with translation.override(language):
        response = render(request, template, context, status=status)
    response.headers["Content-Language"] = language
    return response
