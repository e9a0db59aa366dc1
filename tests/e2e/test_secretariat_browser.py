"""End to end in headless Chromium against a live server: the portal in French with its calendar file, the
secretariat's two-factor login and board, and bad input (forged CSRF token, someone else's meeting, script in a
remark)."""

import datetime
import secrets
import string
import time
from pathlib import Path

import icalendar
import pytest

from meetings import services
from meetings.enums import Answer
from members.services import open_account
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
STAFF_PASSWORD = "a long secretariat passphrase 42"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def world():
    """A future meeting (in 30 days) with a French and a Belgian director invited, a second meeting only the
    Belgian director is invited to, and the French director's account."""
    start = (datetime.datetime.now(factories.BRUSSELS) + datetime.timedelta(days=30)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    director = factories.director(
        factories.country("FR", name_en="France", name_fr="France"), first_name="Claire", last_name="Dubois"
    )
    other = factories.director(
        factories.country("BE", name_en="Belgium", name_fr="Belgique"), first_name="Bart", last_name="Peeters"
    )
    meeting = factories.meeting(
        title_en="Spring meeting",
        title_fr="Réunion de printemps",
        starts_at=start,
        answer_deadline=(start - datetime.timedelta(days=7)).date(),
    )
    invitation = services.invite(meeting, director)
    services.invite(meeting, other)
    services.send_invitations(meeting)
    elsewhere = factories.meeting(title_en="Bilateral meeting", starts_at=start + datetime.timedelta(days=10))
    services.invite(elsewhere, other)
    services.send_invitations(elsewhere)
    user = open_account(director)
    user.set_password(PASSWORD)
    user.save()
    return {"meeting": meeting, "invitation": invitation, "user": user, "elsewhere": elsewhere}


def _log_in(page, base, email):
    page.goto(base + "/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/")


def _fresh_totp_code() -> str:
    """The current code, waiting out the last seconds of a 30-second window so it is still valid when posted."""
    remaining = 30 - time.time() % 30
    if remaining < 4:
        time.sleep(remaining + 0.5)
    return factories.totp_code()


def _accept(page, base, meeting, remarks=""):
    page.goto(base + f"/meetings/{meeting.pk}/answer/")
    page.get_by_label("I will attend").check()
    page.get_by_label("Remarks").fill(remarks)
    page.get_by_role("button", name="Confirm my answer").click()
    page.wait_for_url(base + f"/meetings/{meeting.pk}/")


def test_director_reads_the_portal_in_french_and_downloads_the_calendar_file(live_server, page, world):
    base, meeting = live_server.url, world["meeting"]
    _log_in(page, base, world["user"].email)
    assert page.locator("html").get_attribute("lang") == "en"

    page.select_option("#language-select", "fr")
    with page.expect_navigation():
        page.click("form.language-switch button[type=submit]")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("link", name="Réunions", exact=True).is_visible()
    assert page.get_by_role("link", name="Meetings", exact=True).count() == 0

    page.get_by_role("link", name="Réunions", exact=True).click()
    page.wait_for_url(base + "/meetings/")
    page.locator(f'main a[href="/meetings/{meeting.pk}/"]').first.click()
    page.wait_for_url(base + f"/meetings/{meeting.pk}/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == "Réunion de printemps"

    with page.expect_download() as download_info:
        page.locator(f'a[href="/meetings/{meeting.pk}/calendar.ics"]').click()
    download = download_info.value
    assert download.suggested_filename == f"meeting-{meeting.local_start:%Y-%m-%d}.ics"
    parsed = icalendar.Calendar.from_ical(Path(download.path()).read_bytes())
    events = [c for c in parsed.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]) == f"{meeting.uid}@dg-network"
    assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
    start = event.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Brussels"
    assert (start.hour, start.minute) == (9, 30)
    assert start == meeting.starts_at


def test_secretariat_logs_in_with_two_factor_and_sees_the_answer_on_the_board(live_server, browser, page, world):
    base = live_server.url
    _log_in(page, base, world["user"].email)
    _accept(page, base, world["meeting"])
    world["invitation"].refresh_from_db()
    assert world["invitation"].answer == Answer.ACCEPTED

    staff = factories.staff_user(email="secretariat@example.org", password=STAFF_PASSWORD)
    context = browser.new_context(locale="en-GB")
    try:
        secretariat = context.new_page()
        secretariat.set_default_timeout(15000)
        secretariat.goto(base + "/board/")
        assert "/accounts/login/" in secretariat.url  # the board is not public
        secretariat.fill("input[name=login]", staff.email)
        secretariat.fill("input[name=password]", STAFF_PASSWORD)
        secretariat.click("main button[type=submit]")
        secretariat.wait_for_url("**/accounts/2fa/authenticate/**")

        secretariat.fill("input[name=code]", "000000" if factories.totp_code() != "000000" else "111111")
        secretariat.get_by_role("button", name="Sign In").click()
        secretariat.wait_for_load_state()
        assert "/accounts/2fa/authenticate/" in secretariat.url  # a wrong code does not let anyone in

        secretariat.fill("input[name=code]", _fresh_totp_code())
        secretariat.get_by_role("button", name="Sign In").click()
        secretariat.wait_for_url(lambda url: "/accounts/" not in url)

        response = secretariat.goto(base + "/board/")
        assert response.status == 200 and secretariat.url == base + "/board/"
        assert secretariat.locator("h1").inner_text() == "Secretariat's board"
        rows = secretariat.locator("table.data tbody tr")
        france = rows.filter(has=secretariat.locator("th", has_text="France"))
        belgium = rows.filter(has=secretariat.locator("th", has_text="Belgium"))
        assert france.count() == 1 and belgium.count() == 1
        assert france.locator("td").nth(0).inner_text() == "Claire Dubois"
        assert france.locator(".badge").inner_text() == "Accepted (In person)"  # an in-person meeting
        assert belgium.locator(".badge").inner_text() == "Pending"
    finally:
        context.close()


def test_bad_input_is_refused_or_neutralised(live_server, page, world):
    base, meeting, invitation = live_server.url, world["meeting"], world["invitation"]
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _log_in(page, base, world["user"].email)

    # A forged CSRF token (well-formed, but not this session's): 403 and nothing recorded.
    page.goto(base + f"/meetings/{meeting.pk}/answer/")
    page.get_by_label("I will attend").check()
    page.get_by_label("Remarks").fill("forged")
    forged = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(64))
    token_input = page.locator("main form[method=post] input[name=csrfmiddlewaretoken]")  # the answer form's own
    assert token_input.count() == 1 and len(token_input.input_value()) == 64
    token_input.evaluate("(input, token) => { input.value = token; }", forged)
    assert token_input.input_value() == forged
    with page.expect_response(lambda r: r.request.method == "POST" and "/answer/" in r.url) as response_info:
        page.get_by_role("button", name="Confirm my answer").click()
    assert response_info.value.status == 403
    invitation.refresh_from_db()
    assert (invitation.answer, invitation.remarks, invitation.answered_at) == (Answer.PENDING, "", None)

    # Someone else's meeting: 404 on every URL, while the director's own meeting opens.
    assert page.goto(base + f"/meetings/{meeting.pk}/").status == 200
    other = world["elsewhere"].pk
    for path in (f"/meetings/{other}/", f"/meetings/{other}/answer/", f"/meetings/{other}/calendar.ics"):
        assert page.goto(base + path).status == 404, path

    # Script in the remarks: stored as typed, shown as text, never run.
    _accept(page, base, meeting, remarks=SCRIPT)
    invitation.refresh_from_db()
    assert (invitation.answer, invitation.remarks) == (Answer.ACCEPTED, SCRIPT)
    my_answer = page.locator("section[aria-labelledby=my-answer]")
    assert SCRIPT in my_answer.inner_text()
    assert my_answer.locator("script").count() == 0
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content()
    page.goto(base + f"/meetings/{meeting.pk}/answer/")
    assert page.get_by_label("Remarks").input_value() == SCRIPT
    page.wait_for_timeout(300)
    assert dialogs == []
