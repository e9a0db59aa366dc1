"""A secretariat member without two-factor authentication sets it up in a real browser and gets in.

The browser's own requests while the set-up page is open (its favicon, other icons, a script's fetch) must never be
redirected to the set-up page: each visit of that page makes a new secret, and the code typed for the secret shown
would then be refused as incorrect."""

import pytest

from members.models import User
from members.services import ensure_secretariat_group
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


def test_staff_without_totp_sets_it_up_while_the_browser_fetches_icons_and_gets_into_the_admin(live_server, page):
    user = User.objects.create_user(email="new.secretary@example.org", password=PASSWORD, is_staff=True)
    user.groups.add(ensure_secretariat_group())
    base = live_server.url
    asset_answers: dict[str, int] = {}
    page.on(
        "response",
        lambda r: (
            asset_answers.__setitem__(r.url.removeprefix(base), r.status)
            if r.request.resource_type in ("image", "fetch", "other")
            else None
        ),
    )
    console = []
    page.on("console", lambda m: console.append(m.text))

    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    # The admin sends the staff member to the set-up, which asks for the password again first.
    page.goto(base + "/admin/")
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    page.wait_for_load_state("networkidle")
    secret = page.input_value("#authenticator_secret")
    assert len(secret) == 32

    # What a browser asks for while the page is open: icons (as images) and a script's request for a page.
    page.evaluate(
        """async () => {
            const load = (src) => new Promise((done) => {
                const image = new Image();
                image.onload = image.onerror = done;
                image.src = src;
            });
            await load('/favicon.ico?from=image');
            await load('/apple-touch-icon.png');
            await fetch('/', {redirect: 'manual'});
        }"""
    )
    assert asset_answers["/favicon.ico?from=image"] == 200
    assert asset_answers["/apple-touch-icon.png"] == 403  # refused, never redirected to the set-up
    assert asset_answers["/"] == 403
    assert page.input_value("#authenticator_secret") == secret

    page.fill("input[name=code]", factories.totp_code(secret))
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/2fa/totp/activate/" not in page.url
    assert page.locator("text=Incorrect code").count() == 0
    response = page.goto(base + "/admin/")
    assert response.status == 200
    assert page.url == base + "/admin/"
    # The Permissions-Policy names only features the browser knows.
    assert response.headers["permissions-policy"].startswith("accelerometer=()")
    assert not [m for m in console if "Permissions-Policy" in m or "Unrecognized feature" in m]


def test_browser_shows_the_favicon_on_portal_pages(live_server, page):
    response = page.goto(live_server.url + "/accounts/login/")
    assert response.status == 200
    icon = page.evaluate("() => document.querySelector('link[rel=icon][type=\"image/svg+xml\"]').href")
    assert icon == live_server.url + "/static/img/favicon.svg"
    assert page.request.get(live_server.url + "/favicon.ico").status == 200
