"""Times across a clock change (issue 18, section 4): agenda times are computed in absolute time and shown in the
meeting's zone, the same in the admin, the mails, the answer page and the portal; the portal's "your time" line
writes both dates when the meeting spans two days in the reader's zone, in the reader's language."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from meetings import links, mailmerge, services, times
from members.services import open_account
from outbox.models import MessageKind
from tests import factories

pytestmark = pytest.mark.django_db
BRUSSELS = factories.BRUSSELS
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
UTC = datetime.UTC
NOW = datetime.datetime(2027, 3, 1, 12, 0, tzinfo=BRUSSELS)


@pytest.fixture
def night_meeting():
    """A meeting from 20:00 on Saturday 27 March 2027 in Brussels, the night summer time begins (02:00 → 03:00),
    with items of 60, 420 and 60 minutes."""
    meeting = factories.meeting(
        title_en="Night exercise",
        starts_at=datetime.datetime(2027, 3, 27, 20, 0, tzinfo=BRUSSELS),
        ends_at=datetime.datetime(2027, 3, 28, 7, 0, tzinfo=BRUSSELS),
    )
    for n, minutes in enumerate((60, 420, 60), start=1):
        factories.agenda_item(meeting, title_en=f"Item {n}", position=n, duration_minutes=minutes)
    return meeting


def test_agenda_times_are_added_in_absolute_time_across_the_change_to_summer_time(night_meeting):
    entries = services.planned_agenda(night_meeting)
    assert [(e.number, f"{e.starts_at:%Y-%m-%d %H:%M %Z}") for e in entries] == [
        ("1", "2027-03-27 20:00 CET"),
        ("2", "2027-03-27 21:00 CET"),
        ("3", "2027-03-28 05:00 CEST"),  # 21:00 CET + 7 hours; a wall clock would say 04:00
    ]
    assert entries[2].starts_at.astimezone(UTC) == datetime.datetime(2027, 3, 28, 3, 0, tzinfo=UTC)


def test_agenda_times_are_added_in_absolute_time_across_the_change_to_winter_time():
    meeting = factories.meeting(
        starts_at=datetime.datetime(2027, 10, 30, 22, 0, tzinfo=BRUSSELS),
        ends_at=datetime.datetime(2027, 10, 31, 8, 0, tzinfo=BRUSSELS),
    )
    for n, minutes in enumerate((60, 420), start=1):
        factories.agenda_item(meeting, position=n, duration_minutes=minutes)
    factories.agenda_item(meeting, position=3, duration_minutes=30)
    third = services.planned_agenda(meeting)[2]
    assert f"{third.starts_at:%H:%M %Z}" == "05:00 CET"  # 23:00 CEST + 7 hours, the clock going back at 03:00


def test_the_admin_shows_the_planned_start_in_absolute_time(night_meeting, staff_client):
    response = staff_client.get(reverse("admin:meetings_meeting_change", args=[night_meeting.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "3 · 05:00" in page
    assert "3 · 04:00" not in page


def test_the_mail_shows_the_planned_start_in_absolute_time(night_meeting):
    invitation = factories.invitation(night_meeting, factories.director(email="dg@crisis.example"))
    composed = mailmerge.compose(MessageKind.INVITATION, invitation)
    assert "05:00  3. Item 3" in composed.text
    assert "04:00" not in composed.text
    assert "05:00</td>" in composed.html


def test_the_answer_page_shows_the_planned_start_in_the_meetings_zone(client):
    meeting = factories.meeting(
        starts_at=datetime.datetime(2027, 3, 28, 0, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Lisbon")),
        time_zone="Europe/Lisbon",
    )
    factories.agenda_item(meeting, position=1, duration_minutes=60)
    factories.agenda_item(meeting, position=2, duration_minutes=30)
    invitation = factories.invitation(meeting, factories.director())
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("meetings:answer", args=[links.token_for(invitation)])).content.decode()
    # Lisbon changes at 01:00 → 02:00: 00:30 + 60 minutes is 02:30 there (and not 03:30, Brussels' clock).
    assert "<time>00:30</time>" in page
    assert "<time>02:30</time>" in page


@pytest.fixture
def reader_in_new_york(night_meeting, client):
    def sign_in(language: str):
        with time_machine.travel(NOW, tick=False):
            person = factories.director(time_zone="America/New_York", preferred_language=language)
            services.invite(night_meeting, person)
            services.send_invitations(night_meeting)
            client.force_login(open_account(person))
            return client.get(reverse("portal:meeting", args=[night_meeting.pk])).content.decode()

    return sign_in


def test_the_portal_shows_agenda_times_in_the_meetings_zone_and_both_dates_of_the_readers_time(reader_in_new_york):
    page = reader_in_new_york("en")
    assert "<time>05:00</time>" in page and "<time>04:00</time>" not in page
    # 20:00 CET is 15:00 in New York (summer time there since 14 March); 07:00 CEST on the 28th is 01:00 there.
    assert "March 27, 2027 15:00 – March 28, 2027 01:00 (America/New_York)" in page


def test_the_portal_writes_the_readers_time_in_the_readers_language(reader_in_new_york):
    page = reader_in_new_york("fr")
    assert "27 mars 2027 15:00 – 28 mars 2027 01:00 (America/New_York)" in page


def test_a_span_within_one_day_in_the_readers_zone_is_written_with_one_date():
    start = datetime.datetime(2027, 3, 27, 20, 0, tzinfo=BRUSSELS)
    with translation.override("de"):
        assert times.span(start, start + datetime.timedelta(hours=3), NEW_YORK) == (
            "27. März 2027, 15:00–18:00 (America/New_York)"
        )
