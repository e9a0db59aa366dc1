from __future__ import annotations

import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

from .identity import person_of

ALLOWED_WITHOUT_2FA = ("/accounts/", "/static/", "/healthz", "/i18n/", "/answer/")


class IdleSessionMiddleware:
    """Ends a session after ``SESSION_COOKIE_AGE`` seconds without a request, without writing the session on every
    request (as ``SESSION_SAVE_EVERY_REQUEST`` would: one UPDATE and a commit per page view).

    A session in use is saved again, with a fresh expiry in the database and on its cookie, once a twelfth of its
    age has passed since it was last saved; so it ends between eleven twelfths of the idle time and the full idle
    time after its last request (55 to 60 minutes by default). Sessions nobody touched are left alone: a visitor
    without one does not get one.
    """

    STAMP = "_idle_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.accessed or session.is_empty():
            return response
        now = int(time.time())
        # Stamped whenever it is saved anyway; otherwise the stamp marks it modified, and SessionMiddleware saves it
        # and renews the cookie.
        if session.modified or now - session.get(self.STAMP, 0) >= settings.SESSION_COOKIE_AGE // 12:
            session[self.STAMP] = now
        return response


class PersonLanguageMiddleware:
    """A signed-in member who has not picked a language on this browser reads the portal in their profile's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        request.person = None
        if user is not None and user.is_authenticated:
            # Looked up once per request; the portal's views use request.person.
            request.person = person_of(user)
            person = request.person
            if (
                person is not None
                and person.preferred_language
                and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            ):
                translation.activate(person.preferred_language)
                request.LANGUAGE_CODE = person.preferred_language
        return self.get_response(request)


class StaffTwoFactorMiddleware:
    """Secretariat staff must set up two-factor authentication (TOTP) before using the portal or the admin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_staff
            and not request.path.startswith(ALLOWED_WITHOUT_2FA)
            and not _two_factor_known(request)
        ):
            messages.warning(request, _("Secretariat accounts need two-factor authentication: set it up to go on."))
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def _two_factor_known(request) -> bool:
    """Whether the staff user has TOTP, remembered in the session once it is true (it is checked again at the
    next sign-in)."""
    if request.session.get("staff_has_2fa"):
        return True
    if has_two_factor(request.user):
        request.session["staff_has_2fa"] = True
        return True
    return False


def has_two_factor(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class NoIndexMiddleware:
    """The portal is for members only: ask search engines never to index it (the public news pages excepted)."""

    PUBLIC_PREFIXES = ("/news/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(self.PUBLIC_PREFIXES):
            response.headers.setdefault("X-Robots-Tag", "noindex, nofollow")
        return response
