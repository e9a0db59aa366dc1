"""The portal's meeting page on a 390 px phone: the practical details stack, and no word is broken in the middle."""

import datetime

import pytest
from django.test import Client

from meetings import services
from meetings.enums import MeetingFormat
from members.enums import Role
from members.services import open_account
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Words (letters and apostrophes; a hyphen is a fair place to break) that the browser laid out on more than one
# line: a word broken mid-word. A web address may break anywhere, so link texts with "://" are left out.
BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest("a") && node.data.includes("://")) continue;
      const pattern = /[\\p{L}'’]+/gu;
      for (const match of node.data.matchAll(pattern)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("language", ["en", "fr", "nl", "de"])
def test_portal_meeting_page_on_a_phone_breaks_no_word(live_server, browser, language):
    start = (datetime.datetime.now(factories.BRUSSELS) + datetime.timedelta(days=30)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    chair = factories.person(first_name="Bartholomeus", last_name="Raeymaekers-Vandenberghe")
    factories.mandate(chair, Role.DIRECTOR_GENERAL)
    meeting = factories.meeting(
        title_en="Meeting of the directors-general of the national crisis centres",
        format=MeetingFormat.HYBRID,
        venue_name="Secretariat-General of the Benelux Union",
        venue_address="Regentschapsstraat 39",
        venue_city="Brussels",
        video_link="https://meet.example.org/directors-general-of-the-national-crisis-centres",
        starts_at=start,
        answer_deadline=(start - datetime.timedelta(days=7)).date(),
        chair=chair,
    )
    director = factories.director(factories.country("FR", name_en="France"), preferred_language=language)
    services.invite(meeting, director)
    services.send_invitations(meeting)
    user = open_account(director)
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}, is_mobile=True)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    try:
        page = context.new_page()
        assert page.goto(live_server.url + f"/meetings/{meeting.pk}/").status == 200
        assert page.locator("html").get_attribute("lang") == language
        details = page.locator("dl.facts")
        assert details.locator("dd").count() >= 5
        assert page.evaluate(BROKEN_WORDS, "dl.facts, h1, .agenda") == []
        # The details use the card's width: each value is below its term, not squeezed beside it.
        card = details.bounding_box()
        for i in range(details.locator("dd").count()):
            assert details.locator("dd").nth(i).bounding_box()["width"] >= card["width"] * 0.9
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    finally:
        context.close()
