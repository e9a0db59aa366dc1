"""End to end in headless Chromium (Debian's package, driven by Playwright) against a live server."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from meetings import links, services
from meetings.enums import Answer, Visibility
from meetings.models import Document
from members.enums import Role
from members.services import open_account
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def world():
    """A future meeting (in 30 days) the director is invited to, with a document, and the director's account."""
    start = (datetime.datetime.now(factories.BRUSSELS) + datetime.timedelta(days=30)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    director = factories.director(factories.country("FR"), first_name="Claire", last_name="Dubois")
    deputy = factories.person(director.organisation, first_name="Julien", last_name="Moreau")
    factories.mandate(deputy, role=Role.DEPUTY)
    meeting = factories.meeting(
        title_en="Spring meeting",
        title_de="Frühjahrssitzung",
        starts_at=start,
        answer_deadline=(start - datetime.timedelta(days=7)).date(),
    )
    meeting.agenda_items.create(title_en="Welcome", duration_minutes=15, position=1)
    invitation = services.invite(meeting, director)
    services.send_invitations(meeting)
    Document.objects.create(
        meeting=meeting,
        title_en="Programme",
        visibility=Visibility.INVITEES,
        original_name="programme.pdf",
        content_type="application/pdf",
        file=SimpleUploadedFile("programme.pdf", PDF),
    )
    user = open_account(director)
    user.set_password(PASSWORD)
    user.save()
    return {"meeting": meeting, "invitation": invitation, "user": user, "deputy": deputy}


def _log_in(page, base, email):
    page.goto(base + "/")
    assert "/accounts/login/" in page.url  # anonymous visitors go to the login page
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/")


def test_director_logs_in_answers_downloads_and_switches_language(live_server, page, world):
    base = live_server.url
    _log_in(page, base, world["user"].email)
    page.get_by_role("link", name="Spring meeting").first.click()
    assert page.get_by_role("heading", name="Spring meeting").is_visible()
    assert "Welcome" in page.inner_text("ol.agenda")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Programme").click()
    download = download_info.value
    assert download.suggested_filename == "programme.pdf"
    assert Path(download.path()).read_bytes() == PDF

    page.get_by_role("link", name="Answer").first.click()
    page.get_by_label("I will attend").check()
    page.get_by_label("Remarks").fill("Vegetarian")
    page.get_by_role("button", name="Confirm my answer").click()
    assert "Your answer is registered" in page.inner_text("main")
    world["invitation"].refresh_from_db()
    assert (world["invitation"].answer, world["invitation"].remarks) == (Answer.ACCEPTED, "Vegetarian")

    page.select_option("#language-select", "de")
    page.get_by_role("button", name="Change language").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("link", name="Sitzungen").is_visible()
    assert page.get_by_role("heading", name="Frühjahrssitzung").is_visible()


def test_keyboard_reaches_the_content_with_a_visible_focus(live_server, page, world):
    _log_in(page, live_server.url, world["user"].email)
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box and box["x"] >= 0  # the skip link shows itself when focused
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_core_tasks_work_with_javascript_off(live_server, page_without_js, world):
    page = page_without_js
    base = live_server.url
    _log_in(page, base, world["user"].email)
    page.goto(base + f"/meetings/{world['meeting'].pk}/answer/")
    page.get_by_label("I will send a substitute").check()
    page.select_option("select[name=substitute]", str(world["deputy"].pk))
    page.get_by_role("button", name="Confirm my answer").click()
    assert "Your answer is registered" in page.inner_text("main")
    world["invitation"].refresh_from_db()
    assert world["invitation"].answer == Answer.DELEGATED and world["invitation"].substitute == world["deputy"]


def test_one_click_link_confirms_before_answering(live_server, page, world):
    url = links.answer_url(world["invitation"], "decline").replace("http://127.0.0.1:8000", live_server.url)
    page.goto(url)
    assert page.get_by_label("I cannot attend").is_checked()
    world["invitation"].refresh_from_db()
    assert world["invitation"].answer == Answer.PENDING  # opening the link changed nothing
    page.get_by_role("button", name="Confirm my answer").click()
    assert "your answer is registered" in page.inner_text("h1").lower()
    world["invitation"].refresh_from_db()
    assert world["invitation"].answer == Answer.DECLINED
