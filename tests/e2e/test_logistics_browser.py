"""End to end in headless Chromium: a Dutch director answers the date poll and registers for Brussels; the
secretariat checks a participant in by typing their badge code, then by showing the badge to the camera."""

import datetime
import time

import pytest
from reportlab.graphics.barcode.qr import QrCodeWidget

from logistics import badges
from logistics.enums import LogisticsField, PollChoice
from logistics.models import Badge, DatePoll, MeetingLogistics, PollAnswer, Registration
from meetings import services
from meetings.enums import Answer, AttendanceMode, MeetingStatus, Presence
from meetings.models import Attendance
from members.services import open_account
from tests import factories
from tests.e2e.conftest import ARGS, CHROMIUM

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


def _at_the_door():
    """A meeting whose check-in is open now, one Belgian director accepted in person with a badge; the
    MeetingLogistics and the badge."""
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
    return logistics, director, Badge.objects.get()


def _open_check_in_as_secretariat(page, base, logistics):
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


def test_secretariat_checks_in_a_typed_badge_code(live_server, page):
    base = live_server.url
    logistics, director, badge = _at_the_door()
    code = badge.code
    _open_check_in_as_secretariat(page, base, logistics)

    page.fill("#id_code", f"{code[:4].lower()} {code[4:].lower()}")
    page.click("#check-in input[type=submit]")
    page.wait_for_load_state()
    assert "Welcome, Anne Peeters: checked in." in page.inner_text("#content-start, body")
    page.fill("#id_code", code)
    page.click("#check-in input[type=submit]")
    page.wait_for_load_state()
    assert "already checked in" in page.inner_text("body")
    assert list(Attendance.objects.values_list("person_id", "presence")) == [(director.pk, Presence.IN_PERSON)]


def test_check_in_without_javascript_takes_the_typed_code_and_offers_no_camera(live_server, page_without_js):
    base = live_server.url
    logistics, director, badge = _at_the_door()
    page = page_without_js
    _open_check_in_as_secretariat(page, base, logistics)

    assert page.locator("#scan-button").is_hidden()  # scan.js shows it; without it, nothing to click in vain
    page.fill("#id_code", badge.code)
    page.click("#check-in input[type=submit]")
    page.wait_for_load_state()

    assert "Welcome, Anne Peeters: checked in." in page.inner_text("body")
    assert list(Attendance.objects.values_list("person_id", "presence")) == [(director.pk, Presence.IN_PERSON)]


# --- Camera check-in ---------------------------------------------------------------------------------------------

Y4M_W, Y4M_H = 640, 480


def _badge_qr_y4m(token: str, path) -> None:
    """Writes at ``path`` a YUV4MPEG2 video (640 × 480, 4:2:0, 5 identical frames) of the badge's QR code for
    ``token``, made as the badge sheet makes it (reportlab's QR encoder, level M), black on white, centred with a
    quiet zone of at least four modules. Chromium plays it in a loop as its fake camera."""
    widget = QrCodeWidget(token, barLevel="M")
    widget.qr.make()
    modules = [[bool(m) for m in row] for row in widget.qr.modules]
    count = len(modules)
    box = (Y4M_H - 2 * 40) // count  # pixels per module; at least 40 px of white on every side
    assert box >= 4 and (Y4M_H - box * count) // 2 >= 4 * box
    left, top = (Y4M_W - box * count) // 2, (Y4M_H - box * count) // 2
    luma = bytearray(b"\xff" * (Y4M_W * Y4M_H))
    for r, row in enumerate(modules):
        for c, dark in enumerate(row):
            if dark:
                for y in range(top + r * box, top + (r + 1) * box):
                    start = y * Y4M_W + left + c * box
                    luma[start : start + box] = b"\x00" * box
    chroma = b"\x80" * (Y4M_W // 2 * Y4M_H // 2)  # no colour
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    path.write_bytes(f"YUV4MPEG2 W{Y4M_W} H{Y4M_H} F5:1 Ip A1:1 C420jpeg\n".encode() + frame * 5)


@pytest.fixture
def camera_page(browser, tmp_path):
    """``open(video) → page``: a page of a second Chromium whose camera plays ``video`` (a .y4m file) and which grants
    the camera without asking, as a secretariat phone that has allowed the check-in page once."""
    launched = []

    def open_with(video):
        camera = browser.browser_type.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                *ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        launched.append(camera)
        page = camera.new_context(locale="en-GB").new_page()
        page.set_default_timeout(15000)
        return page

    yield open_with
    for camera in launched:
        camera.close()


# Run in the page before its own scripts: no BarcodeDetector (as in Safari on iPhone and Firefox), and each
# form.submit() notes in sessionStorage (kept across the navigation it starts) the decoder scan.js says it used, the
# code field's value and whether the video was hidden (the camera off) at that moment.
AS_SAFARI_NOTING_SUBMITS = """
delete window.BarcodeDetector;
const submit = HTMLFormElement.prototype.submit;
HTMLFormElement.prototype.submit = function () {
  const noted = JSON.parse(sessionStorage.getItem("submits") || "[]");
  const button = document.getElementById("scan-button");
  noted.push([button.dataset.decoder, this.elements.code.value, document.getElementById("scan-video").hidden]);
  sessionStorage.setItem("submits", JSON.stringify(noted));
  return submit.call(this);
};
"""


def test_secretariat_checks_in_a_badge_read_by_the_camera_with_jsqr(live_server, camera_page, tmp_path):
    """Safari on iPhone and Firefox have no BarcodeDetector: it is taken away from this Chromium before the page
    loads (whether or not this build has one), so the vendored jsQR must read the badge from the camera's frames."""
    base = live_server.url
    logistics, director, badge = _at_the_door()
    token = badges.token_for(badge)
    video = tmp_path / "badge.y4m"
    _badge_qr_y4m(token, video)
    page = camera_page(video)
    page.add_init_script(AS_SAFARI_NOTING_SUBMITS)
    console = []
    page.on("console", lambda message: console.append(message.text))
    _open_check_in_as_secretariat(page, base, logistics)
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)

    page.get_by_role("button", name="Scan with the camera").click()
    page.get_by_text("Welcome, Anne Peeters: checked in.").wait_for()  # the page submitted the code it read

    assert page.evaluate("JSON.parse(sessionStorage.getItem('submits'))") == [["jsqr", token, True]]
    assert posts == [base + f"/admin/logistics/meetinglogistics/{logistics.pk}/check-in/"]  # read once, sent once
    assert "already checked in" not in page.inner_text("body")
    badge.refresh_from_db()
    assert badge.checked_in_at is not None
    assert list(Attendance.objects.values_list("person_id", "presence")) == [(director.pk, Presence.IN_PERSON)]
    assert not [m for m in console if "Content Security Policy" in m or "Content-Security-Policy" in m]
