"""Headers and sign-in rules every response follows: Permissions-Policy, the language a page is sent in, the
favicon, and the staff two-factor requirement that redirects page navigations only."""

import pytest
from django.conf import settings
from django.test import Client

from members.models import User
from members.services import ensure_secretariat_group, open_account
from tests import factories

pytestmark = pytest.mark.django_db

# A browser's own requests, as Chromium sends them.
NAVIGATION = {
    "HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "HTTP_SEC_FETCH_DEST": "document",
    "HTTP_SEC_FETCH_MODE": "navigate",
}
FAVICON_FETCH = {
    "HTTP_ACCEPT": "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
    "HTTP_SEC_FETCH_DEST": "image",
    "HTTP_SEC_FETCH_MODE": "no-cors",
}


@pytest.fixture
def staff_without_totp(client):
    user = User.objects.create_user(email="new.staff@example.org", password="correct horse battery staple")
    user.is_staff = True
    user.save()
    user.groups.add(ensure_secretariat_group())
    # Signed in through the forms: setting up TOTP asks for the password again (allauth's reauthentication).
    response = client.post("/accounts/login/", {"login": user.email, "password": "correct horse battery staple"})
    assert response.status_code == 302
    response = client.post("/accounts/reauthenticate/", {"password": "correct horse battery staple"})
    assert response.status_code == 302
    return user


# --- Permissions-Policy -------------------------------------------------------------------------------------------


def test_every_response_denies_camera_microphone_and_geolocation(client):
    for path in ("/accounts/login/", "/news/", "/healthz", "/favicon.ico"):
        policy = client.get(path)["Permissions-Policy"]
        features = dict(item.split("=", 1) for item in policy.split(", "))
        assert features["camera"] == "()", path
        assert features["microphone"] == "()", path
        assert features["geolocation"] == "()", path
        assert features["payment"] == "()", path
        assert set(features.values()) == {"()"}, path


# --- Favicon ------------------------------------------------------------------------------------------------------


def test_favicon_is_served_at_the_root_and_linked_from_portal_and_admin_pages(staff_client):
    response = staff_client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    anonymous = Client()
    for client, path in [(anonymous, "/accounts/login/"), (anonymous, "/news/")] + [
        (staff_client, path) for path in ("/", "/admin/", "/admin/members/person/")
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        assert '<link rel="icon" href="/static/img/favicon.ico" sizes="48x48">' in page, path
        assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page, path


# --- Staff two-factor requirement ---------------------------------------------------------------------------------


def test_staff_without_totp_opening_a_page_is_sent_to_the_set_up(client, staff_without_totp):
    for path in ("/", "/admin/", "/board/"):
        response = client.get(path, **NAVIGATION)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/2fa/totp/activate/", path
    # A client that says nothing about what it wants (a link followed by a script-less tool) is a page too.
    assert client.get("/admin/")["Location"] == "/accounts/2fa/totp/activate/"


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("get", "/admin/jsi18n/", {"HTTP_ACCEPT": "*/*", "HTTP_SEC_FETCH_DEST": "script"}),
        ("get", "/meetings/1/report.pdf", {"HTTP_ACCEPT": "*/*", "HTTP_SEC_FETCH_DEST": "empty"}),
        ("get", "/", {"HTTP_ACCEPT": "application/json"}),
        ("get", "/apple-touch-icon.png", {"HTTP_ACCEPT": "image/png,*/*;q=0.8"}),
        ("post", "/admin/members/person/", NAVIGATION),
    ],
)
def test_staff_without_totp_is_refused_without_a_redirect_for_anything_but_a_page(
    client, staff_without_totp, method, path, headers
):
    response = getattr(client, method)(path, **headers)
    assert response.status_code == 403
    assert "Location" not in response


def test_favicon_and_assets_are_served_to_staff_without_totp_and_the_secret_stays(client, staff_without_totp):
    page = client.get("/accounts/2fa/totp/activate/", **NAVIGATION)
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert client.get("/favicon.ico", **FAVICON_FETCH).status_code == 200
    # Static files are not collected in the tests (a 404 here), but never redirected to the set-up.
    assert "Location" not in client.get("/static/img/favicon.svg", **FAVICON_FETCH)
    # The set-up form accepts a code for the secret the page showed.
    code = factories.totp_code(secret)
    response = client.post("/accounts/2fa/totp/activate/", {"code": code}, **NAVIGATION)
    assert response.status_code == 302
    assert client.get("/admin/", **NAVIGATION).status_code == 200


# --- Language: cookie and the page's language ---------------------------------------------------------------------


def test_language_cookie_is_lax_http_only_and_secure_outside_debug(client):
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/news/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "de"
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"] is True  # the test settings run with DEBUG off, as production does
    assert cookie["httponly"] is True


def _lang(response) -> str:
    html = response.content.decode()
    start = html.index("<html lang=") + len('<html lang="')
    return html[start : html.index('"', start)]


@pytest.mark.parametrize(
    ("cookie", "accept", "expected"),
    [
        ("xx", None, "en"),
        (None, "xx", "en"),
        ('"><script>', None, "en"),
        (None, "fr-BE,fr;q=0.9", "fr"),
        ("de", "fr", "de"),
        ("nl", None, "nl"),
    ],
)
def test_page_language_and_content_language_come_only_from_supported_languages(client, cookie, accept, expected):
    if cookie is not None:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    extra = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
    for path in ("/accounts/login/", "/news/"):
        response = client.get(path, **extra)
        assert response.status_code == 200
        assert _lang(response) == expected, path
        assert response["Content-Language"] == expected, path


def test_forged_language_cookie_gives_a_member_their_profile_language(client):
    person = factories.director(preferred_language="fr")
    client.force_login(open_account(person))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    response = client.get("/profile/")
    assert _lang(response) == "fr"
    assert response["Content-Language"] == "fr"


@pytest.mark.parametrize(("cookie", "expected"), [(None, "de"), ("xx", "de"), ("nl", "nl")])
def test_answer_link_page_speaks_the_invitees_language_and_says_so_in_its_header(client, cookie, expected):
    from meetings import links

    person = factories.director(preferred_language="de")
    invitation = factories.invitation(factories.meeting(), person)
    if cookie is not None:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = client.get(f"/answer/{links.token_for(invitation)}/")
    assert response.status_code == 200
    assert _lang(response) == expected
    assert response["Content-Language"] == expected


def test_not_found_and_not_allowed_pages_speak_the_readers_language(client):
    person = factories.person(factories.organisation(None, kind="eu_body"), preferred_language="fr")
    factories.mandate(person, "observer")
    client.force_login(open_account(person))
    missing = client.get("/meetings/999999/")
    assert missing.status_code == 404
    assert _lang(missing) == "fr" and missing["Content-Language"] == "fr"
    refused = client.get("/lessons/new/")  # lessons come from a country; an EU body has none
    assert refused.status_code == 403
    assert _lang(refused) == "fr" and refused["Content-Language"] == "fr"
    anonymous = Client()
    elsewhere = anonymous.get("/news/no-such-summary/", HTTP_ACCEPT_LANGUAGE="de")
    assert elsewhere.status_code == 404
    assert _lang(elsewhere) == "de" and elsewhere["Content-Language"] == "de"
