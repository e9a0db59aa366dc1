import datetime
import io
import json
from html import unescape

import pypdf
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext

from logistics import badges, checkin, registration
from logistics.models import Badge, Delegate, MeetingLogistics, Registration
from meetings import exports
from meetings.enums import Answer, MeetingStatus, Presence
from meetings.models import Attendance
from network import privacy
from tests import factories
from tests.helpers import form_data

from .conftest import at

pytestmark = pytest.mark.django_db


def _badge(world) -> Badge:
    badges.issue_badges(world["meeting"])
    return Badge.objects.get(invitation=world["in_person"], for_delegate=False)


def _delegation(world) -> tuple[Badge, Badge]:
    """Belgium's director named Jan Janssens (not in the registry) in her delegation; badges issued: (hers, his)."""
    registration = Registration.objects.create(invitation=world["in_person"])
    Delegate.objects.create(registration=registration, name="Jan Janssens", function="Adviser")
    badges.issue_badges(world["meeting"])
    return (
        Badge.objects.get(invitation=world["in_person"], for_delegate=False),
        Badge.objects.get(invitation=world["in_person"], for_delegate=True),
    )


def _pdf_text(content: bytes) -> str:
    """The PDF's text with every run of white space (line breaks in table cells) as one space."""
    return " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages).split())


def test_typed_code_checks_in_and_fills_the_register(brussels):
    badge = _badge(brussels)
    typed = f"{badge.code[:4].lower()}-{badge.code[4:].lower()}"

    done = checkin.check_in(brussels["meeting"], typed, now=at(9, 0))

    assert done.attendance.presence == Presence.IN_PERSON
    assert done.attendance.invitation == brussels["in_person"]
    badge.refresh_from_db()
    assert badge.checked_in_at == at(9, 0)
    rows = exports.attendance_rows(brussels["meeting"])
    assert rows[1][2:4] == ["Anne Peeters", "Present in person"]


def test_qr_token_checks_in(brussels):
    badge = _badge(brussels)

    checkin.check_in(brussels["meeting"], badges.token_for(badge), now=at(8, 30))

    assert Attendance.objects.get(person=brussels["be"]).presence == Presence.IN_PERSON


def test_repeated_scan_is_refused_and_the_register_changes_once(brussels):
    badge = _badge(brussels)
    checkin.check_in(brussels["meeting"], badge.code, now=at(9, 0))
    before = Attendance.objects.get(person=brussels["be"]).recorded_at

    with pytest.raises(ValidationError) as refused:
        checkin.check_in(brussels["meeting"], badge.code, now=at(9, 5))

    assert refused.value.code == "already"
    assert "already checked in at 09:00" in refused.value.messages[0]
    assert Attendance.objects.filter(meeting=brussels["meeting"]).count() == 1
    assert Attendance.objects.get(person=brussels["be"]).recorded_at == before
    badge.refresh_from_db()
    assert badge.checked_in_at == at(9, 0)


def test_code_of_another_meeting_is_refused(brussels):
    other = factories.meeting(title_en="Autumn meeting", starts_at=at(9, 30, day=29))
    badge = _badge(brussels)

    with pytest.raises(ValidationError) as refused:
        checkin.check_in(other, badge.code, now=at(9, 0, day=29))

    assert refused.value.code == "other_meeting"
    assert "Spring meeting" in refused.value.messages[0]
    with pytest.raises(ValidationError) as refused:
        checkin.check_in(other, badges.token_for(badge), now=at(9, 0, day=29))
    assert refused.value.code == "other_meeting"
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(("now", "code"), [(at(8, 29), "not_yet"), (at(16, 31), "over")])
def test_code_outside_the_window_is_refused(brussels, now, code):
    badge = _badge(brussels)

    with pytest.raises(ValidationError) as refused:
        checkin.check_in(brussels["meeting"], badge.code, now=now)

    assert refused.value.code == code
    assert not Attendance.objects.exists()
    badge.refresh_from_db()
    assert badge.checked_in_at is None


def test_window_opens_an_hour_before_the_start(brussels):
    assert checkin.window(brussels["meeting"]) == (at(8, 30), at(16, 30))


def test_unknown_and_forged_codes_are_refused(brussels):
    _badge(brussels)
    for scanned in ("ZZZZZZZZ", "eyJtIjoxLCJjIjoiQUJDRCJ9:forged:sig"):
        with pytest.raises(ValidationError) as refused:
            checkin.check_in(brussels["meeting"], scanned, now=at(9, 0))
        assert refused.value.code == "unknown"


def test_online_check_in_records_present_online_once(brussels):
    invitation = brussels["online"]

    checkin.check_in_online(invitation, now=at(9, 40))
    with pytest.raises(ValidationError) as refused:
        checkin.check_in_online(invitation, now=at(9, 45))

    assert refused.value.code == "already"
    assert Attendance.objects.get(person=brussels["fr"]).presence == Presence.ONLINE


def test_online_check_in_is_for_online_invitees(brussels):
    with pytest.raises(ValidationError) as refused:
        checkin.check_in_online(brussels["in_person"], now=at(9, 40))
    assert refused.value.code == "not_online"


def test_roll_call_records_every_member_invitee_of_the_country(brussels):
    deputy = factories.person(brussels["be"].organisation)
    factories.sent_invitation(brussels["meeting"], deputy, answer=Answer.PENDING)
    country = brussels["be"].organisation.country

    with time_machine.travel(at(10, 0), tick=False):
        count = checkin.roll_call(brussels["meeting"], country, Presence.ONLINE)
        rows = checkin.roll_call_rows(brussels["meeting"])

    assert count == 2
    assert set(Attendance.objects.values_list("person_id", "presence")) == {
        (brussels["be"].pk, Presence.ONLINE),
        (deputy.pk, Presence.ONLINE),
    }
    assert [(r["country"].code, r["presence"]) for r in rows] == [("BE", Presence.ONLINE), ("FR", "")]


def test_walk_in_joins_the_register_without_invitation(brussels):
    guest = factories.person(brussels["be"].organisation, first_name="Tom", last_name="Walker")

    checkin.add_walk_in(brussels["meeting"], guest)

    row = Attendance.objects.get(person=guest)
    assert (row.invitation, row.presence, row.note) == (None, Presence.IN_PERSON, "walk-in")
    with pytest.raises(ValidationError):
        checkin.add_walk_in(brussels["meeting"], brussels["be"])


def test_admin_check_in_page_takes_a_typed_code(brussels, staff_client, staff):
    from logistics.models import MeetingLogistics

    logistics = MeetingLogistics.objects.create(meeting=brussels["meeting"])
    badge = _badge(brussels)
    url = reverse("admin:logistics_meetinglogistics_checkin", args=[logistics.pk])

    with time_machine.travel(at(9, 0), tick=False):
        staff_client.force_login(staff)  # a session of that day
        first = staff_client.post(url, {"code": badge.code}, follow=True)
        again = staff_client.post(url, {"code": badge.code})

    assert "Welcome, Anne Peeters: checked in." in first.content.decode()
    assert again.status_code == 400
    assert "already checked in" in again.content.decode()
    assert Attendance.objects.filter(person=brussels["be"], presence=Presence.IN_PERSON).count() == 1


def test_roll_call_page_records_a_country(brussels, staff_client, staff):
    from logistics.models import MeetingLogistics

    logistics = MeetingLogistics.objects.create(meeting=brussels["meeting"])
    url = reverse("admin:logistics_meetinglogistics_rollcall", args=[logistics.pk])
    country = brussels["fr"].organisation.country

    with time_machine.travel(at(10, 0), tick=False):
        staff_client.force_login(staff)
        response = staff_client.post(url, {"country": country.pk, "presence": Presence.ABSENT})

    assert response.status_code == 302
    assert Attendance.objects.get(person=brussels["fr"]).presence == Presence.ABSENT


def test_check_in_page_alone_may_use_the_camera(brussels, staff_client):
    from logistics.models import MeetingLogistics

    logistics = MeetingLogistics.objects.create(meeting=brussels["meeting"])

    page = staff_client.get(reverse("admin:logistics_meetinglogistics_checkin", args=[logistics.pk]))
    other = staff_client.get(reverse("admin:logistics_meetinglogistics_rollcall", args=[logistics.pk]))

    assert "camera=(self)" in page["Permissions-Policy"]
    assert "microphone=()" in page["Permissions-Policy"]
    assert "camera=()" in other["Permissions-Policy"]
    assert 'id="scan-button"' in page.content.decode()


def test_check_in_page_loads_the_scanner_once_and_the_vendored_decoder(brussels, staff_client):
    from logistics.models import MeetingLogistics

    logistics = MeetingLogistics.objects.create(meeting=brussels["meeting"])

    content = staff_client.get(reverse("admin:logistics_meetinglogistics_checkin", args=[logistics.pk])).content
    html = unescape(content.decode())  # the attributes as the browser reads them

    assert html.count('logistics/scan.js"') == 1  # twice, one click opened the camera twice
    assert html.count('vendor/jsqr/jsQR.js"') == 1  # the decoder where there is no BarcodeDetector; never a CDN
    assert html.index("vendor/jsqr/jsQR.js") < html.index("logistics/scan.js")
    assert '<button type="button" id="scan-button" hidden' in html  # shown by scan.js: without it, a typed code
    video_name = gettext("Camera view for reading the badge's QR code")
    assert f'<video id="scan-video" hidden playsinline muted width="320" aria-label="{video_name}">' in html
    for name, text in [
        ("unsupported", "This browser cannot read QR codes with the camera: type the code."),
        ("refused", "The camera was refused: allow it in the browser's settings, or type the code."),
        ("no-camera", "No camera could be started: type the code."),
        ("scanning", "Scanning: hold the badge's QR code in front of the camera."),
        ("stop", "Stop the camera"),
    ]:
        assert f'data-{name}="{gettext(text)}"' in html


def test_portal_offers_online_check_in_during_the_window_only(brussels, client):
    from members.services import open_account

    meeting_url = reverse("portal:meeting", args=[brussels["meeting"].pk])
    check_in_url = reverse("portal:check_in", args=[brussels["meeting"].pk])
    with time_machine.travel(at(7, 0), tick=False):
        client.force_login(open_account(brussels["fr"]))
        assert check_in_url not in client.get(meeting_url).content.decode()
    with time_machine.travel(at(9, 40), tick=False):
        client.force_login(open_account(brussels["fr"]))
        assert check_in_url in client.get(meeting_url).content.decode()
        assert client.post(check_in_url).status_code == 302
        client.force_login(open_account(brussels["be"]))  # in person: checks in at the door
        assert check_in_url not in client.get(meeting_url).content.decode()
        client.post(check_in_url)

    assert list(Attendance.objects.values_list("person_id", "presence")) == [(brussels["fr"].pk, Presence.ONLINE)]


def test_delegates_badge_puts_them_in_the_register_and_its_pdf_once(brussels):
    meeting = brussels["meeting"]
    hers, his = _delegation(brussels)
    organisation = str(brussels["be"].organisation.name)

    done = checkin.check_in(meeting, f"{his.code[:4].lower()}-{his.code[4:]}", now=at(9, 0))
    checkin.check_in_online(brussels["online"], now=at(9, 40))

    row = Attendance.objects.get(meeting=meeting, person=None)
    assert done.attendance == row
    assert (row.name, row.delegation_of, row.invitation, row.presence) == (
        "Jan Janssens",
        brussels["be"],
        None,
        Presence.IN_PERSON,
    )
    assert not Attendance.objects.filter(person=brussels["be"]).exists()  # his badge does not check her in
    # He counts for Belgium, the country of the invitee he came with.
    text = _pdf_text(exports.attendance_pdf(meeting))
    assert "2 present (1 in person, 1 online) from 2 countries" in text
    assert "Jan Janssens" in text and "delegation of Anne Peeters" in text

    recorded = row.recorded_at
    with pytest.raises(ValidationError) as refused:
        checkin.check_in(meeting, badges.token_for(his), now=at(9, 5))
    assert refused.value.code == "already"
    assert "Jan Janssens already checked in at 09:00" in refused.value.messages[0]
    assert Attendance.objects.filter(meeting=meeting, person=None).count() == 1
    row.refresh_from_db()
    assert row.recorded_at == recorded

    checkin.check_in(meeting, hers.code, now=at(9, 10))
    assert exports.attendance_rows(meeting)[1:] == [
        ["Country BE", organisation, "Anne Peeters", "Present in person", ""],
        ["Country BE", organisation, "Jan Janssens", "Present in person", "delegation of Anne Peeters"],
        ["Country FR", str(brussels["fr"].organisation.name), "Claire Dubois", "Present online", ""],
    ]
    text = _pdf_text(exports.attendance_pdf(meeting))
    assert "3 present (2 in person, 1 online) from 2 countries" in text


def test_printed_badge_of_a_delegate_dropped_from_the_registration_checks_in_the_delegate(brussels):
    MeetingLogistics.objects.create(meeting=brussels["meeting"], fields=["delegation"], deadline=at(12, 0, day=20))
    _hers, his = _delegation(brussels)

    registration.save_registration(brussels["in_person"], answers={}, delegates=[], now=at(9, 0, day=1))

    his.refresh_from_db()
    assert (his.delegate, his.for_delegate) == (None, True)  # printed: kept, unlinked
    done = checkin.check_in(brussels["meeting"], his.code, now=at(9, 0))
    assert (done.attendance.name, done.attendance.delegation_of) == ("Jan Janssens", brussels["be"])
    assert not Attendance.objects.filter(person=brussels["be"]).exists()


def test_register_keeps_a_delegate_when_the_registration_and_its_needs_are_gone(brussels):
    _hers, his = _delegation(brussels)
    checkin.check_in(brussels["meeting"], his.code, now=at(9, 0))

    Delegate.objects.get().delete()
    registration.erase_sensitive(now=at(9, 0) + datetime.timedelta(days=90))

    row = Attendance.objects.get(meeting=brussels["meeting"], person=None)
    assert (row.name, row.delegation_of, row.presence) == ("Jan Janssens", brussels["be"], Presence.IN_PERSON)
    assert exports.attendance_rows(brussels["meeting"])[1][2:] == [
        "Jan Janssens",
        "Present in person",
        "delegation of Anne Peeters",
    ]
    row.note = "Left at noon"
    row.save()
    assert exports.attendance_rows(brussels["meeting"])[1][4] == "delegation of Anne Peeters; Left at noon"


def test_admin_check_in_page_welcomes_a_delegation_member(brussels, staff_client, staff):
    logistics = MeetingLogistics.objects.create(meeting=brussels["meeting"])
    _hers, his = _delegation(brussels)
    url = reverse("admin:logistics_meetinglogistics_checkin", args=[logistics.pk])

    with time_machine.travel(at(9, 0), tick=False):
        staff_client.force_login(staff)
        page = staff_client.post(url, {"code": his.code}, follow=True)

    assert "Welcome, Jan Janssens (delegation of Anne Peeters): checked in." in page.content.decode()
    assert Attendance.objects.filter(meeting=brussels["meeting"], name="Jan Janssens").count() == 1


def test_admin_register_shows_a_delegation_member_and_saves_around_them(brussels, staff_client):
    meeting = brussels["meeting"]
    _hers, his = _delegation(brussels)
    checkin.check_in(meeting, his.code, now=at(9, 0))
    row = Attendance.objects.get(meeting=meeting, person=None)
    meeting.status = MeetingStatus.HELD
    meeting.save(update_fields=["status"])
    meeting_url = reverse("admin:meetings_meeting_change", args=[meeting.pk])

    page = staff_client.get(meeting_url)
    listing = staff_client.get(reverse("admin:meetings_attendance_changelist"))
    change = staff_client.get(reverse("admin:meetings_attendance_change", args=[row.pk]))

    assert page.status_code == listing.status_code == change.status_code == 200
    assert "Jan Janssens (delegation of Anne Peeters)" in page.content.decode()
    assert "Jan Janssens (delegation of Anne Peeters)" in listing.content.decode()
    # The meeting's form saves with his row in the register, his presence changed there.
    data = form_data(page.content, "meeting_form")
    index = next(k.split("-")[1] for k, v in data.items() if k.endswith("-id") and v == str(row.pk))
    data[f"attendances-{index}-presence"] = Presence.ONLINE
    response = staff_client.post(meeting_url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    row.refresh_from_db()
    assert (row.person, row.name, row.presence) == (None, "Jan Janssens", Presence.ONLINE)
    # Giving his row a person of the registry is refused with a message, not a server error.
    data = form_data(staff_client.get(meeting_url).content, "meeting_form")
    data[f"attendances-{index}-person"] = str(brussels["fr"].pk)
    response = staff_client.post(meeting_url, data)
    assert response.status_code == 200
    assert "names no person of the registry" in response.content.decode()
    row.refresh_from_db()
    assert row.person is None


def test_invitees_personal_data_export_lists_the_delegation_member_the_register_names(brussels):
    _hers, his = _delegation(brussels)
    checkin.check_in(brussels["meeting"], his.code, now=at(9, 0))

    exported = privacy.export_person(brussels["be"])

    json.dumps(exported)
    assert exported["attendance"] == []
    assert exported["delegation_attendance"] == [
        {"meeting": str(brussels["meeting"].title), "name": "Jan Janssens", "presence": Presence.IN_PERSON}
    ]
