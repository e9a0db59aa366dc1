from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

ALLOWED_WITHOUT_2FA = ("/accounts/", "/static/", "/healthz", "/i18n/", "/answer/")


class PersonLanguageMiddleware:
    """A signed-in member who has not picked a language on this browser reads the portal in their profile's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            person = getattr(user, "person", None)
            if person is not None and person.preferred_language:
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
            and not has_two_factor(user)
        ):
            messages.warning(request, _("Secretariat accounts need two-factor authentication: set it up to go on."))
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def has_two_factor(user) -> bool:
    from allauth.mfa.models import Authenticator

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
