"""The reminder schedule as the secretariat sets it on the meeting's admin page, through to the mails (issue 18)."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from meetings import services
from meetings.enums import Answer
from meetings.models import Meeting, ReminderRule
from outbox.models import MessageKind, OutgoingMessage
from tests import factories
from tests.helpers import form_data
from tests.meetings.mail.messages import at, received_for, send

pytestmark = pytest.mark.django_db
PREFIX = "reminder_rules"


def _schedule(meeting) -> list[tuple[str, int, bool]]:
    return sorted(meeting.reminder_rules.values_list("kind", "days_before", "active"))


def _rows(data: dict) -> list[dict]:
    total = int(data[f"{PREFIX}-TOTAL_FORMS"])
    return [
        {field: data.get(f"{PREFIX}-{i}-{field}") for field in ("kind", "days_before", "active")} for i in range(total)
    ]


def _due_reminders(capture) -> str:
    out = io.StringIO()
    with capture(execute=True):
        call_command("send_due_reminders", stdout=out)
    return out.getvalue()


def test_new_meeting_form_offers_the_default_schedule(staff_client):
    page = staff_client.get(reverse("admin:meetings_meeting_add"))
    rows = _rows(form_data(page.content, "meeting_form"))
    assert rows == [
        {"kind": "pending", "days_before": "14", "active": "on"},
        {"kind": "pending", "days_before": "7", "active": "on"},
        {"kind": "accepted", "days_before": "2", "active": "on"},
    ]


def test_schedule_set_on_the_meeting_page_decides_when_reminders_reach_the_invitees(
    staff_client, sink, django_capture_on_commit_callbacks
):
    c = django_capture_on_commit_callbacks
    # A new meeting: the prefilled schedule, edited (14 → 10 days) and the meeting reminder removed from the form.
    data = form_data(staff_client.get(reverse("admin:meetings_meeting_add")).content, "meeting_form")
    data.update(
        title_en="Helsinki meeting",
        format="in_person",
        starts_at_0="2027-05-12",
        starts_at_1="10:00",
        ends_at_0="2027-05-12",
        ends_at_1="15:00",
        time_zone="Europe/Helsinki",
        answer_deadline="2027-04-30",
        venue_name="Hall",
        venue_city="Helsinki",
    )
    data[f"{PREFIX}-0-days_before"] = "10"
    data[f"{PREFIX}-TOTAL_FORMS"] = "2"
    for field in ("kind", "days_before", "active"):
        data.pop(f"{PREFIX}-2-{field}")
    response = staff_client.post(reverse("admin:meetings_meeting_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = Meeting.objects.get(title_en="Helsinki meeting")
    assert _schedule(meeting) == [("pending", 7, True), ("pending", 10, True)]

    # Its page: the 7-day reminder switched off, a meeting reminder the day before added.
    change = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    data = form_data(staff_client.get(change).content, "meeting_form")
    rows = _rows(data)
    assert [(r["kind"], r["days_before"]) for r in rows] == [("pending", "10"), ("pending", "7")]
    data.pop(f"{PREFIX}-1-active")
    data.update(
        {
            f"{PREFIX}-TOTAL_FORMS": "3",
            f"{PREFIX}-2-kind": "accepted",
            f"{PREFIX}-2-days_before": "1",
            f"{PREFIX}-2-active": "on",
            f"{PREFIX}-2-meeting": str(meeting.pk),
        }
    )
    response = staff_client.post(change, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert _schedule(meeting) == [("accepted", 1, True), ("pending", 7, False), ("pending", 10, True)]

    anna = factories.director(email="anna@crisis.example")
    invitation = factories.invitation(meeting, anna)
    send(meeting, c)
    helsinki = meeting.zone

    def on(day, hour, minute=0):
        return time_machine.travel(datetime.datetime(2027, *day, hour, minute, tzinfo=helsinki), tick=False)

    # The default's 14 days would have been 16 April; the schedule says 10 days: 20 April, 09:00 in Helsinki.
    with on((4, 16), 9):
        _due_reminders(c)
    with on((4, 20), 8, 59):
        _due_reminders(c)
    assert not OutgoingMessage.objects.filter(kind=MessageKind.ANSWER_REMINDER).exists()
    with on((4, 20), 9):
        _due_reminders(c)
    with on((4, 23), 9, 30):  # 7 days before: switched off
        _due_reminders(c)
    assert list(OutgoingMessage.objects.filter(kind=MessageKind.ANSWER_REMINDER).values_list("to", flat=True)) == [
        "anna@crisis.example"
    ]
    assert list(received_for(sink, MessageKind.ANSWER_REMINDER)) == ["anna@crisis.example"]

    with time_machine.travel(at(2027, 4, 24, 12, 0), tick=False), c(execute=True):
        services.record_answer(invitation, answer=Answer.ACCEPTED)
    with on((5, 10), 10):  # two days before: the default's, not in this schedule
        _due_reminders(c)
    assert not OutgoingMessage.objects.filter(kind=MessageKind.MEETING_REMINDER).exists()
    with on((5, 11), 10):  # one day before the start (10:00 in Helsinki)
        _due_reminders(c)
    assert list(received_for(sink, MessageKind.MEETING_REMINDER)) == ["anna@crisis.example"]


def test_a_copy_keeps_the_schedule_of_the_meeting_copied():
    meeting = factories.meeting()
    ReminderRule.objects.create(meeting=meeting, kind="pending", days_before=21)
    ReminderRule.objects.create(meeting=meeting, kind="accepted", days_before=3, active=False)
    copy = services.copy_meeting(meeting)
    assert _schedule(copy) == [("accepted", 3, False), ("pending", 21, True)]
    assert _schedule(services.copy_meeting(factories.meeting())) == [
        ("accepted", 2, True),
        ("pending", 7, True),
        ("pending", 14, True),
    ]
