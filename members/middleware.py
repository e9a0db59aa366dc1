from __future__ import annotations

import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseForbidden
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
    """A signed-in member who has not picked a language on this browser reads the portal in their profile's.

    A language cookie counts as a choice only when it names one of ``LANGUAGES`` (LocaleMiddleware ignores any
    other value, so a forged ``django_language=xx`` gives the profile's language, or English).
    """

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
                and person.preferred_language in supported_languages()
                and not _chose_language(request)
            ):
                translation.activate(person.preferred_language)
                request.LANGUAGE_CODE = person.preferred_language
        return self.get_response(request)


def supported_languages() -> frozenset[str]:
    from django.conf import settings

    return frozenset(code for code, _name in settings.LANGUAGES)


def _chose_language(request) -> bool:
    from django.conf import settings

    return request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in supported_languages()


# Paths a staff user without two-factor authentication may still reach: signing in and setting up TOTP
# (/accounts/), assets, the health check, the language switch and the one-click answer links.
ALLOWED_WITHOUT_2FA = ("/accounts/", "/static/", "/media/", "/favicon.ico", "/healthz", "/i18n/", "/answer/")


def is_page_navigation(request) -> bool:
    """Whether ``request`` is a person opening a page (which may be redirected to another page), rather than a
    browser fetching an asset, a script's request or a form being sent.

    The rule: only GET and HEAD; when the browser says what the response is for (``Sec-Fetch-Dest``, sent by every
    current browser), only ``document``; otherwise (older clients) the ``Accept`` header, when there is one, must
    name ``text/html``. So ``/favicon.ico`` fetched by a browser (``Sec-Fetch-Dest: image``, ``Accept: image/*``),
    a stylesheet, a ``fetch()`` or a POST is never a navigation.
    """
    if request.method not in ("GET", "HEAD"):
        return False
    destination = request.headers.get("Sec-Fetch-Dest")
    if destination:
        return destination == "document"
    accept = request.headers.get("Accept")
    return accept is None or "text/html" in accept


class StaffTwoFactorMiddleware:
    """Secretariat staff must set up two-factor authentication (TOTP) before using the portal or the admin.

    A staff user without TOTP who opens a page is redirected to the set-up page; any other request outside
    ``ALLOWED_WITHOUT_2FA`` (an asset, a script's request, a POST) is refused with 403 and never redirected: a
    redirected favicon request would load the set-up page a second time, which makes a new secret, and the code the
    person then types (for the secret they see) would never match.
    """

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
            if not is_page_navigation(request):
                return HttpResponseForbidden(
                    _("Secretariat accounts need two-factor authentication: set it up to go on."),
                    content_type="text/plain; charset=utf-8",
                )
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


class PermissionsPolicyMiddleware:
    """Sends ``Permissions-Policy`` from ``settings.PERMISSIONS_POLICY`` (feature → allowed origins; an empty list
    denies the feature to every page and frame)."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.value = ", ".join(
            f"{feature}=({' '.join(origins)})" for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.value:
            response.headers.setdefault("Permissions-Policy", self.value)
        return response
