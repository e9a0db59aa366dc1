"""The server-error page, which needs neither the database nor the session: when the database cannot be reached
(it is restarting or failing over) it answers 503 and says so, asking to try again shortly; any other error is a
500 that says it was logged. Django calls it for errors raised in views and in middleware alike."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

RETRY_AFTER_SECONDS = 30


def server_error(request) -> HttpResponse:
    error = sys.exc_info()[1]
    unavailable = isinstance(error, (OperationalError, InterfaceError))
    language = translation.get_language_from_request(request)  # cookie or Accept-Language: no database
    with translation.override(language):
        # Rendered without the request: context processors would reach for the session and the user.
        html = render_to_string(
            "error.html", {"unavailable": unavailable, "retry_after": RETRY_AFTER_SECONDS, "language": language}
        )
    response = HttpResponse(html, status=503 if unavailable else 500)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
