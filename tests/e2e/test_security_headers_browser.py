"""The Content-Security-Policy (no inline script or style) does not break the pages: a real browser reports no
violation on the main portal and admin pages, and the security headers are sent."""

import pytest

from members.services import open_account
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


def _violations(page):
    messages = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    return messages


def _sign_in(page, base, email, *, totp=False):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    if totp:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        page.fill("input[name=code]", factories.totp_code())
        page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_portal_and_admin_pages_raise_no_csp_violation(live_server, page):
    director = factories.director(factories.country("FR"))
    meeting = factories.meeting()
    staff = factories.staff_user(email="staff.csp@example.org", password=PASSWORD)
    user = open_account(director)
    user.set_password(PASSWORD)
    user.save()
    violations = _violations(page)
    base = live_server.url
    response = page.goto(base + "/accounts/login/")
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    _sign_in(page, base, user.email)
    for path in ("/", "/meetings/", "/lessons/", "/actions/", "/directory/", "/profile/"):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    _sign_in(page, base, staff.email, totp=True)
    for path in (
        "/admin/",
        f"/admin/meetings/meeting/{meeting.pk}/change/",
        "/admin/members/person/",
        "/admin/meetings/meeting/add/",
        "/board/",
    ):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert "/accounts/login/" not in page.url
    assert violations == []
