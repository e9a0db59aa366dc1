import datetime
import io

import pytest
from django.core.management import call_command

from logistics import badges, polls
from logistics.enums import PollStatus
from logistics.models import Badge, DatePoll, Registration
from meetings.enums import Presence

pytestmark = pytest.mark.django_db


def test_demo_holds_the_poll_that_chose_28_april_2022_with_registrations_and_badges():
    call_command("load_demo", stdout=io.StringIO())
    counts = (DatePoll.objects.count(), Registration.objects.count(), Badge.objects.count())
    call_command("load_demo", stdout=io.StringIO())

    poll = DatePoll.objects.get()
    assert (DatePoll.objects.count(), Registration.objects.count(), Badge.objects.count()) == counts
    assert poll.status == PollStatus.CLOSED
    assert poll.chosen_slot.starts_at.astimezone(poll.zone) == datetime.datetime(2022, 4, 28, 9, 30, tzinfo=poll.zone)
    assert poll.meeting.starts_at == poll.chosen_slot.starts_at
    grid = polls.grid(poll)
    assert grid.missing == []
    assert max(range(3), key=lambda i: grid.totals[i]["yes"]) == 1  # the 28th had the most yeses
    meeting = poll.meeting
    assert Registration.objects.filter(invitation__meeting=meeting).count() == counts[1] > 10
    checked_in = Badge.objects.filter(meeting=meeting).exclude(checked_in_at=None)
    assert checked_in.count() == meeting.attendances.filter(presence=Presence.IN_PERSON).count()
    # A member of Belgium's delegation (not in the registry) checked in: the register has his row, once.
    delegate = Badge.objects.get(meeting=meeting, for_delegate=True)
    assert delegate.checked_in_at is not None
    row = meeting.attendances.get(person=None)
    assert (row.name, row.presence, row.delegation_of_id) == (
        delegate.name,
        Presence.IN_PERSON,
        delegate.invitation.person_id,
    )
    assert row.organisation.country.code == "BE"
    assert badges.badges_pdf(meeting)[:4] == b"%PDF"
