"""Each rule of meetings lives in one function: these tests pin that function, and that its callers (portal,
answer links, admin, forms) follow it."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from meetings import links, services
from meetings.enums import Answer
from meetings.forms import AnswerForm
from tests import factories

pytestmark = pytest.mark.django_db
BEFORE = time_machine.travel(datetime.datetime(2027, 3, 1, 12, 0, tzinfo=factories.BRUSSELS), tick=False)
AFTER = time_machine.travel(datetime.datetime(2027, 4, 29, 12, 0, tzinfo=factories.BRUSSELS), tick=False)


# --- Whether answers are still allowed --------------------------------------------------------------------------


@BEFORE
def test_answer_closed_reason_names_withdrawn_cancelled_and_over():
    director = factories.director(factories.country("FR"))
    meeting = factories.meeting()
    invitation = services.invite(meeting, director)
    assert (invitation.answer_closed_reason, invitation.can_change_answer) == ("", True)
    with AFTER:
        assert invitation.answer_closed_reason == "over"
    services.cancel_meeting(meeting, reason="Storm")
    invitation.refresh_from_db()
    assert (invitation.answer_closed_reason, invitation.can_change_answer) == ("cancelled", False)
    services.withdraw_invitation(invitation, notify=False)
    invitation.refresh_from_db()
    assert invitation.answer_closed_reason == "withdrawn"


@BEFORE
def test_check_answerable_raises_with_the_reason_as_code():
    director = factories.director(factories.country("FR"))
    invitation = services.invite(factories.meeting(), director)
    services.check_answerable(invitation)  # open: nothing raised
    with AFTER, pytest.raises(ValidationError) as raised:
        services.check_answerable(invitation)
    assert raised.value.code == "over"
    assert raised.value.messages == ["The meeting is over; answers can no longer change."]


@BEFORE
def test_answer_form_refuses_once_the_meeting_is_over():
    director = factories.director(factories.country("FR"))
    invitation = services.invite(factories.meeting(), director)
    with AFTER:
        form = AnswerForm({"choice": "decline"}, invitation=invitation)
        assert form.is_valid() is False
    assert form.non_field_errors() == ["The meeting is over; answers can no longer change."]


@BEFORE
def test_admin_answer_fields_turn_read_only_when_the_rule_says_so(staff_client, staff):
    staff_client.force_login(staff)  # the session starts in the travelled-to time
    director = factories.director(factories.country("FR"))
    meeting = factories.meeting()
    invitation = services.invite(meeting, director)
    change = reverse("admin:meetings_invitation_change", args=[invitation.pk])
    assert b'name="answer"' in staff_client.get(change).content
    services.cancel_meeting(meeting, reason="Storm")
    assert b'name="answer"' not in staff_client.get(change).content


@BEFORE
def test_answer_link_of_a_cancelled_meeting_shows_the_cancellation(client):
    director = factories.director(factories.country("FR"))
    meeting = factories.meeting()
    invitation = services.invite(meeting, director)
    services.send_invitations(meeting)
    services.cancel_meeting(meeting, reason="Storm")
    response = client.get(reverse("meetings:answer", args=[links.token_for(invitation)]))
    assert response.status_code == 410
    invitation.refresh_from_db()
    assert invitation.answer == Answer.PENDING

