"""The secretariat's meeting pages in a real browser: errors in hidden language tabs are marked and named, the page
fits 1280 px without overlapping buttons, and axe-core finds no critical or serious violation in our own markup."""

import datetime
import json
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext

from meetings.enums import MeetingStatus
from meetings.models import AgendaItem, Meeting
from network.templatetags.translation_errors import LANGUAGE_AFTER_FIELD
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"

# Violations that come from Django's own admin markup, which we do not template: (rule, CSS selector axe reports).
# None at present: our admin scripts name or unnest what Django's markup leaves (network/static/js/).
DJANGO_OWN: set[tuple[str, str]] = set()


@pytest.fixture
def meeting():
    """An invited meeting with a long agenda (main items with long titles and sub-items) and a country's director."""
    start = datetime.datetime.now(factories.BRUSSELS).replace(microsecond=0, second=0) + datetime.timedelta(days=40)
    m = factories.meeting(
        title_en="Meeting of the directors-general of the national crisis centres on the Ukraine crisis",
        starts_at=start,
        answer_deadline=(start - datetime.timedelta(days=7)).date(),
        status=MeetingStatus.INVITED,
    )
    for n in range(1, 6):
        parent = factories.agenda_item(
            m,
            position=n * 10,
            title_en=f"Reception and integration of displaced people: lessons from the first weeks, part {n}",
            duration_minutes=30,
        )
        factories.agenda_item(m, parent=parent, position=10, title_en=f"Round table {n}", duration_minutes=15)
    director = factories.director(factories.country("FR", name_en="France"))
    factories.invitation(m, director)
    return m


def _admin_page(browser, live_server, *, language="en", width=1280, height=900):
    """A browser tab signed in as a secretariat member (with two-factor authentication), in ``language``."""
    user = factories.staff_user()
    client = Client()
    client.force_login(user)
    # bypass_csp: axe-core is injected as an inline script, which the site's Content-Security-Policy refuses.
    context = browser.new_context(locale="en-GB", viewport={"width": width, "height": height}, bypass_csp=True)
    cookies = [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    cookies.append({"name": "django_language", "value": language, "url": live_server.url})
    context.add_cookies(cookies)
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


# True once our admin scripts have run: they run in jQuery's ready handlers, which may come after the load event.
# A page with translated fields (class "mt") is done only once each of them (but the inline's blank template row) sits
# in a language tab.
SCRIPTS_DONE = """() => Array.from(document.querySelectorAll('.mt:not([name*="__prefix__"])'))
        .every(field => field.closest('.ui-tabs-panel'))
    && !document.querySelector('.ui-tabs-nav li > a[href]')
    && !document.querySelector('.help-tooltip[aria-label]:not([role])')"""


def _serious_violations(page) -> list[dict]:
    """axe-core's critical and serious violations on the page, less the listed ones of Django's own markup."""
    page.wait_for_function(SCRIPTS_DONE)
    if not AXE.exists():
        from tests.helpers import unavailable

        unavailable(f"axe-core is not installed at {AXE} (cd tests/e2e && npm ci)")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in ("critical", "serious"):
            continue
        nodes = [
            node["target"]
            for node in violation["nodes"]
            if (violation["id"], " ".join(map(str, node["target"]))) not in DJANGO_OWN
        ]
        if nodes:
            found.append({"rule": violation["id"], "help": violation["help"], "nodes": nodes})
    return found


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None
    return box


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_meeting_admin_pages_have_no_serious_accessibility_violation(live_server, browser, meeting):
    page = _admin_page(browser, live_server)
    try:
        for path in (
            f"/admin/meetings/meeting/{meeting.pk}/change/",
            "/admin/meetings/meeting/add/",
            "/admin/meetings/meeting/",
        ):
            assert page.goto(live_server.url + path).status == 200
            page.wait_for_load_state("load")
            violations = _serious_violations(page)
            assert violations == [], path + "\n" + json.dumps(violations, indent=1)
    finally:
        page.context.close()


def test_language_tabs_switch_panels_without_loading_the_page_into_them(live_server, browser, meeting):
    """The tabs' links lose their href (axe-core's "nested-interactive"); jQuery UI then takes each tab for a remote
    one and would fetch the page itself into the panel on every switch: a second form with its own Save row."""
    page = _admin_page(browser, live_server, language="fr")
    try:
        path = f"/admin/meetings/meeting/{meeting.pk}/change/"
        page.goto(live_server.url + path)
        page.wait_for_function(SCRIPTS_DONE)
        fetched = []
        page.on("request", lambda request: fetched.append(request.url) if path in request.url else None)
        page.locator("li[aria-controls='tab_id_title_de'] a").click()
        page.select_option("#modeltranslation-main-switch", index=2)
        page.locator("#agenda_items-group .add-row a").click()
        page.wait_for_function(SCRIPTS_DONE)
        page.locator("li[aria-controls='tab_id_agenda_items-10-title_en'] a").click()
        page.locator("li[aria-controls='tab_id_title_en'] a").click()
        page.wait_for_load_state("networkidle")
        assert page.locator("#id_title_en").is_visible() and not page.locator("#id_title_de").is_visible()
        assert page.locator("#id_agenda_items-10-title_en").is_visible()
        assert fetched == []
        assert page.locator("#meeting_form").count() == 1
        assert page.locator("input[name=_save]").count() == 1
    finally:
        page.context.close()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_meeting_page_fits_1280_pixels_without_overlapping_buttons(live_server, browser, meeting, language):
    page = _admin_page(browser, live_server, language=language)
    try:
        page.goto(live_server.url + f"/admin/meetings/meeting/{meeting.pk}/change/")
        page.wait_for_load_state("load")
        page.wait_for_function(SCRIPTS_DONE)
        title = _box(page.locator("#content h1").first)
        buttons = page.locator("ul.object-tools li a")
        assert buttons.count() >= 5
        boxes = [_box(buttons.nth(i)) for i in range(buttons.count())]
        for i, box in enumerate(boxes):
            assert not _overlap(box, title), (i, box, title)
            for j, other in enumerate(boxes[i + 1 :], start=i + 1):
                assert not _overlap(box, other), (i, j, box, other)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 1280
    finally:
        page.context.close()


def test_missing_english_title_in_french_is_marked_on_its_tab_and_named_at_the_top(live_server, browser, meeting):
    page = _admin_page(browser, live_server, language="fr")
    try:
        page.goto(live_server.url + "/admin/meetings/meeting/add/")
        page.wait_for_function(SCRIPTS_DONE)
        assert page.locator("html").get_attribute("lang") == "fr"
        page.locator("#tab_id_title_fr").wait_for(state="attached")
        page.locator("li[aria-controls='tab_id_title_fr'] a").click()
        page.fill("#id_title_fr", "Réunion de printemps")
        page.fill("#id_starts_at_0", "2030-04-28")
        page.fill("#id_starts_at_1", "09:30")
        page.fill("#id_ends_at_0", "2030-04-28")
        page.fill("#id_ends_at_1", "16:30")
        page.fill("#id_venue_name", "Centre de crise")
        page.fill("#id_venue_city", "Bruxelles")
        page.locator("#agenda_items-group .add-row a").click()
        row = page.locator("#agenda_items-group tr.form-row.dynamic-agenda_items").first
        row.locator("li[aria-controls='tab_id_agenda_items-0-title_fr'] a").click()
        page.fill("#id_agenda_items-0-title_fr", "Tour de table")
        page.fill("#id_agenda_items-0-position", "10")
        page.fill("#id_agenda_items-0-duration_minutes", "30")
        with page.expect_navigation():
            page.locator("input[name=_save]").click()

        page.wait_for_function(SCRIPTS_DONE)
        assert "Corrigez les erreurs ci-dessous" in page.locator("p.errornote").inner_text()
        with translation.override("fr"):  # the messages of network/templatetags/translation_errors.py, in French
            english = str(LANGUAGE_AFTER_FIELD["en"])  # "anglais" once the catalogue has it
            title = gettext(
                "%(field)s (%(language)s) is required: it is what readers see when their own language is left empty."
            ) % {"field": capfirst(gettext("title")), "language": english}
            row = gettext("%(item)s %(number)d: %(text)s") % {
                "item": capfirst(gettext("agenda item")),
                "number": 1,
                "text": title,
            }
            marker = pgettext("marker on a language tab whose field has an error", "error")
        assert page.locator("#translation-errors li").all_inner_texts() == [title, row]
        french = row.replace("\u00a0", " ")
        assert english == "English" or french.startswith("Point de l’ordre du jour 1 : Titre (anglais) est obligatoire")
        # Each field's English tab is marked with a class and with words, not colour only, and it is shown.
        for field_id in ("id_title_en", "id_agenda_items-0-title_en"):
            tab = page.locator(f"li[aria-controls='tab_{field_id}']")
            assert "translation-tab-error" in (tab.get_attribute("class") or "")
            assert tab.inner_text().endswith(f"({marker})")
            assert page.locator(f"#{field_id}").is_visible()
        # The tabs still work once their links have no href: by the language switch and by a click.
        page.select_option("#modeltranslation-main-switch", index=3)
        assert page.locator("#id_title_de").is_visible() and not page.locator("#id_title_en").is_visible()
        page.locator("li[aria-controls='tab_id_title_nl'] a").click()
        assert page.locator("#id_title_nl").is_visible() and not page.locator("#id_title_de").is_visible()
        assert not Meeting.objects.filter(title_fr="Réunion de printemps").exists()
        assert not AgendaItem.objects.filter(title_fr="Tour de table").exists()
        assert _serious_violations(page) == []
    finally:
        page.context.close()
