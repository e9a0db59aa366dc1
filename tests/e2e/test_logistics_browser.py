"""End to end in headless Chromium: a Dutch director answers the date poll and registers for Brussels; the
secretariat checks a participant in by typing their badge code."""

import datetime
import time

import pytest

from logistics import badges
from logistics.enums import LogisticsField, PollChoice
from logistics.models import Badge, DatePoll, MeetingLogistics, PollAnswer, Registration
from meetings import services
from meetings.enums import Answer, AttendanceMode, MeetingStatus, Presence
from meetings.models import Attendance
from members.services import open_account
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


def _log_in(page, base, email):
    page.goto(base + "/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/")


def _account(person):
    user = open_account(person)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_dutch_director_answers_the_poll_and_registers_for_brussels(live_server, page):
    base = live_server.url
    director = factories.director(
        factories.country("NL"), first_name="Sanne", last_name="de Vries", preferred_language="nl"
    )
    _account(director)
    poll = DatePoll.objects.create(title_en="Brussels meeting", title_nl="Vergadering in Brussel")
    poll.countries.set([director.organisation.country])
    start = (datetime.datetime.now(factories.BRUSSELS) + datetime.timedelta(days=30)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    slots = [poll.slots.create(starts_at=start + datetime.timedelta(days=d)) for d in (0, 1)]
    meeting = factories.meeting(title_en="Brussels meeting", title_nl="Vergadering in Brussel", starts_at=start)
    MeetingLogistics.objects.create(meeting=meeting, fields=list(LogisticsField.values))
    services.invite(meeting, director)
    services.send_invitations(meeting)

    _log_in(page, base, director.email)
    assert page.locator("html").get_attribute("lang") == "nl"
    page.goto(base + f"/polls/{poll.pk}/")
    assert page.get_by_role("heading", name="Vergadering in Brussel").is_visible()
    page.check(f"input[name=slot_{slots[0].pk}][value=yes]")
    page.check(f"input[name=slot_{slots[1].pk}][value=if_need_be]")
    page.click("#poll-answer button[type=submit]")
    page.wait_for_url(base + f"/polls/{poll.pk}/")
    assert page.locator("#poll-grid tfoot").inner_text().count("1 / 0 / 0") == 1
    assert dict(PollAnswer.objects.values_list("slot_id", "choice")) == {
        slots[0].pk: PollChoice.YES,
        slots[1].pk: PollChoice.IF_NEED_BE,
    }

    page.goto(base + f"/meetings/{meeting.pk}/answer/")
    page.check("input[name=choice][value=accept]")
    page.click("main form button[type=submit]")
    page.wait_for_url(base + f"/meetings/{meeting.pk}/registration/")  # accepting in person asks the logistics
    nights = page.locator("#id_nights")
    assert not nights.is_visible()  # only with a hotel
    page.check("#id_hotel")
    nights.fill("2")
    page.fill("#id_arrival_at", start.strftime("%Y-%m-%dT08:00"))
    page.select_option("#id_arrival_by", "train")
    page.check("input[name=diets][value=vegetarian]")
    page.fill("#id_accessibility", "Rolstoel")
    page.click("#registration button[type=submit]")
    page.wait_for_url(base + f"/meetings/{meeting.pk}/")
    assert page.locator(f"a[href='/meetings/{meeting.pk}/registration/']").is_visible()  # to change it later

    saved = Registration.objects.get()
    assert (saved.hotel, saved.nights, saved.arrival_by, saved.diets, saved.accessibility) == (
        True,
        2,
        "train",
        ["vegetarian"],
        "Rolstoel",
    )
    assert saved.arrival_at == start.replace(hour=8, minute=0)


def _fresh_totp_code() -> str:
    remaining = 30 - time.time() % 30
    if remaining < 4:
        time.sleep(remaining + 0.5)
    return factories.totp_code()


def test_secretariat_checks_in_a_typed_badge_code(live_server, page):
    base = live_server.url
    now = datetime.datetime.now(factories.BRUSSELS).replace(second=0, microsecond=0)
    meeting = factories.meeting(
        starts_at=now - datetime.timedelta(minutes=10), ends_at=now + datetime.timedelta(hours=5)
    )
    meeting.status = MeetingStatus.INVITED
    meeting.save()
    director = factories.director(factories.country("BE"), first_name="Anne", last_name="Peeters")
    factories.sent_invitation(meeting, director, answer=Answer.ACCEPTED, mode=AttendanceMode.IN_PERSON)
    logistics = MeetingLogistics.objects.create(meeting=meeting)
    badges.issue_badges(meeting)
    code = Badge.objects.get().code
    staff = factories.staff_user(email="secretariat@example.org", password=PASSWORD)

    page.goto(base + f"/admin/logistics/meetinglogistics/{logistics.pk}/check-in/")
    page.fill("input[name=login]", staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.fill("input[name=code]", _fresh_totp_code())
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    page.goto(base + f"/admin/logistics/meetinglogistics/{logistics.pk}/check-in/")

    page.fill("#id_code", f"{code[:4].lower()} {code[4:].lower()}")
    page.click("#check-in input[type=submit]")
    page.wait_for_load_state()
    assert "Welcome, Anne Peeters: checked in." in page.inner_text("#content-start, body")
    page.fill("#id_code", code)
    page.click("#check-in input[type=submit]")
    page.wait_for_load_state()
    assert "already checked in" in page.inner_text("body")
    assert list(Attendance.objects.values_list("person_id", "presence")) == [(director.pk, Presence.IN_PERSON)]
