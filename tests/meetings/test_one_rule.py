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


# --- Seat counting ------------------------------------------------------------------------------------------------


def test_seat_tally_counts_pending_and_accepted_member_invitations_only():
    from meetings.enums import Capacity
    from meetings.models import SeatAllowance

    fr, de = factories.country("FR"), factories.country("DE")
    meeting = factories.meeting()
    director_fr, director_de = factories.director(fr), factories.director(de)
    factories.invitation(meeting, director_fr)
    factories.invitation(meeting, factories.person(director_fr.organisation), answer=Answer.DECLINED)
    factories.invitation(meeting, director_de, withdrawn_at=datetime.datetime(2027, 1, 1, tzinfo=factories.BRUSSELS))
    factories.invitation(meeting, factories.person(director_de.organisation), capacity=Capacity.OBSERVER)
    SeatAllowance.objects.create(meeting=meeting, country=fr, seats=2)
    tally = services.seat_tally(meeting)
    assert tally.used == {fr.pk: 1}
    assert (tally.seats(fr.pk), tally.seats(de.pk)) == (2, 1)
    assert (tally.is_free(fr.pk), tally.is_free(de.pk)) == (True, True)
    tally.take(fr.pk)
    assert tally.is_free(fr.pk) is False


def test_network_preview_and_single_invite_agree_on_a_raised_seat_count():
    from meetings.models import SeatAllowance

    fr = factories.country("FR")
    director = factories.director(fr)
    meeting = factories.meeting()
    factories.invitation(meeting, factories.person(director.organisation))  # the deputy holds France's seat
    planned, skipped = services.network_invitees(meeting)
    assert [s.reason for s in skipped] == ["Country FR's seat is taken"]
    with pytest.raises(ValidationError) as raised:
        services.check_invitable(meeting, director, capacity="member")
    assert raised.value.code == "seat_taken"
    SeatAllowance.objects.create(meeting=meeting, country=fr, seats=2)
    planned, skipped = services.network_invitees(meeting)
    assert ([p.person for p in planned], skipped) == ([director], [])
    services.check_invitable(meeting, director, capacity="member")  # free now: nothing raised


# --- Answer counts ------------------------------------------------------------------------------------------------


def _answered_meeting():
    meeting = factories.meeting()
    for code, answer in (("BE", Answer.ACCEPTED), ("FR", Answer.DECLINED), ("DE", Answer.PENDING)):
        factories.invitation(meeting, factories.director(factories.country(code)), answer=answer)
    factories.invitation(
        meeting,
        factories.director(factories.country("NL")),
        withdrawn_at=datetime.datetime(2027, 1, 1, tzinfo=factories.BRUSSELS),
    )
    return meeting


def test_answer_counts_are_the_same_annotated_and_aggregated():
    from meetings.models import Meeting

    meeting = _answered_meeting()
    expected = {"invited": 3, "accepted": 1, "declined": 1, "delegated": 0, "pending": 1}
    assert services.answer_counts(meeting) == expected
    annotated = services.with_answer_counts(Meeting.objects.filter(pk=meeting.pk)).get()
    assert services.answer_counts(annotated) == expected


def test_admin_meeting_list_shows_the_services_summary(staff_client):
    meeting = _answered_meeting()
    page = staff_client.get(reverse("admin:meetings_meeting_changelist"))
    assert page.status_code == 200
    assert services.answer_summary(meeting) in page.content.decode()
    assert "invited 3 · accepted 1 · declined 1 · delegated 0 · pending 1" in page.content.decode()


# --- Building an outbox row ---------------------------------------------------------------------------------------


def test_new_message_cuts_the_subject_and_makes_a_message_id(settings):
    from outbox.models import MessageKind, MessageStatus
    from outbox.services import new_message

    row = new_message(
        key="account:test", kind=MessageKind.ACCOUNT, to="a@example.org", language="fr", subject="x" * 400, text="t"
    )
    assert (row.pk, row.status, len(row.subject), row.cc, row.attachments, row.body_html) == (
        None,
        MessageStatus.QUEUED,
        300,
        [],
        [],
        "",
    )
    assert row.message_id.startswith("<") and row.message_id.endswith(f"@{settings.MAIL_MESSAGE_ID_DOMAIN}>")


def test_access_link_row_is_built_by_new_message(settings):
    from members.services import send_access_link
    from outbox.models import MessageKind, OutgoingMessage

    person = factories.director(factories.country("FR"), preferred_language="fr")
    send_access_link(person)
    row = OutgoingMessage.objects.get(person=person)
    assert (row.kind, row.to, row.language, row.cc, row.attachments) == (
        MessageKind.ACCOUNT,
        person.email,
        "fr",
        [],
        [],
    )
    assert row.key.startswith(f"access:{person.pk}:") and row.message_id.endswith(
        f"@{settings.MAIL_MESSAGE_ID_DOMAIN}>"
    )


# --- Answer validation, remarks, and record_answer's cases ------------------------------------------------------


@BEFORE
def test_check_answer_validates_and_changes_nothing():
    director = factories.director(factories.country("FR"))
    stranger = factories.person(factories.organisation(factories.country("DE")))
    meeting = factories.meeting()
    invitation = services.invite(meeting, director)
    with pytest.raises(ValidationError) as raised:
        services.check_answer(invitation, answer=Answer.DELEGATED, substitute=stranger)
    assert raised.value.code == "substitute_organisation"
    colleague = factories.person(director.organisation)
    assert services.check_answer(invitation, answer=Answer.DELEGATED, substitute=colleague) == ""
    assert services.check_answer(invitation, answer=Answer.ACCEPTED) == "in_person"
    invitation.refresh_from_db()
    assert (invitation.answer, invitation.answered_at, meeting.invitations.count()) == (Answer.PENDING, None, 1)


@BEFORE
def test_an_answer_cannot_go_back_to_pending():
    director = factories.director(factories.country("FR"))
    invitation = services.invite(factories.meeting(), director)
    services.record_answer(invitation, answer=Answer.DECLINED)
    invitation.refresh_from_db()
    with pytest.raises(ValidationError) as raised:
        services.check_answer(invitation, answer=Answer.PENDING)
    assert raised.value.messages == ["An answer cannot be taken back to pending."]


@BEFORE
def test_remarks_only_keep_the_answer_and_enter_the_history():
    director = factories.director(factories.country("FR"))
    invitation = services.invite(factories.meeting(), director)
    before = invitation.history.count()
    services.record_answer(invitation, answer=Answer.PENDING, remarks="  Vegetarian. ")
    invitation.refresh_from_db()
    assert (invitation.answer, invitation.remarks, invitation.answered_at) == (Answer.PENDING, "Vegetarian.", None)
    assert invitation.history.count() == before + 1
    assert invitation.history.first().remarks == "Vegetarian."


@BEFORE
def test_admin_remarks_on_a_pending_invitation_go_through_the_service(staff_client, staff):
    from tests.helpers import form_data

    staff_client.force_login(staff)
    director = factories.director(factories.country("FR"))
    invitation = services.invite(factories.meeting(), director)
    url = reverse("admin:meetings_invitation_change", args=[invitation.pk])
    data = form_data(staff_client.get(url).content, "invitation_form")
    data["remarks"] = "Wheelchair access."
    assert staff_client.post(url, data).status_code == 302
    invitation.refresh_from_db()
    assert (invitation.answer, invitation.remarks) == (Answer.PENDING, "Wheelchair access.")
    assert invitation.history.first().history_user == staff


@BEFORE
def test_admin_answer_breaking_a_rule_is_refused_with_the_services_words(staff_client, staff):
    from tests.helpers import form_data

    staff_client.force_login(staff)
    director = factories.director(factories.country("FR"))
    invitation = services.invite(factories.meeting(), director)
    services.record_answer(invitation, answer=Answer.DECLINED)
    url = reverse("admin:meetings_invitation_change", args=[invitation.pk])
    data = form_data(staff_client.get(url).content, "invitation_form")
    data["answer"] = Answer.PENDING
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "An answer cannot be taken back to pending." in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.answer == Answer.DECLINED


# --- The meeting's state, and the admin's steps -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        ("draft", {"invite", "send", "cancel"}),
        ("invited", {"invite", "send", "cancel", "held"}),
        ("held", {"close"}),
        ("closed", set()),
        ("cancelled", set()),
    ],
)
def test_status_rules_allow_each_step_in_its_states(status, allowed):
    from meetings.models import Meeting

    meeting = Meeting(status=status)
    assert {step for step in services.STATUS_RULES if services.allows(meeting, step)} == allowed


def test_require_status_says_the_status_in_words():
    meeting = factories.meeting()
    services.cancel_meeting(meeting, reason="Storm")
    meeting.refresh_from_db()
    with pytest.raises(ValidationError) as raised:
        services.require_status(meeting, "invite")
    assert raised.value.code == "meeting_closed"
    assert raised.value.messages == ["Invitations cannot be added to a meeting that is cancelled."]
    with pytest.raises(ValidationError) as raised:
        services.mark_held(meeting)
    assert raised.value.messages == ["Only a meeting whose invitations went out can be marked as held."]


@BEFORE
def test_admin_shows_only_the_buttons_the_status_allows(staff_client, staff):
    staff_client.force_login(staff)
    meeting = factories.meeting()
    page = staff_client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk])).content.decode()
    assert reverse("admin:meetings_meeting_cancel", args=[meeting.pk]) in page
    assert reverse("admin:meetings_meeting_held", args=[meeting.pk]) not in page
    services.cancel_meeting(meeting, reason="Storm")
    page = staff_client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk])).content.decode()
    assert reverse("admin:meetings_meeting_cancel", args=[meeting.pk]) not in page
    assert reverse("admin:meetings_meeting_send", args=[meeting.pk]) not in page


@BEFORE
def test_admin_step_refused_by_the_service_goes_back_with_its_words(staff_client, staff):
    staff_client.force_login(staff)
    meeting = factories.meeting()
    response = staff_client.post(reverse("admin:meetings_meeting_close", args=[meeting.pk]), follow=True)
    assert response.redirect_chain == [(reverse("admin:meetings_meeting_change", args=[meeting.pk]), 302)]
    assert "Only a meeting that was held can be closed." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == "draft"


@BEFORE
def test_admin_cancel_without_a_reason_stays_on_its_page(staff_client, staff):
    staff_client.force_login(staff)
    meeting = factories.meeting()
    response = staff_client.post(reverse("admin:meetings_meeting_cancel", args=[meeting.pk]), {"reason": " "})
    assert response.status_code == 200
    assert "Give the reason for cancelling." in response.content.decode()
    response = staff_client.post(reverse("admin:meetings_meeting_cancel", args=[meeting.pk]), {"reason": "Storm"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancellation_reason) == ("cancelled", "Storm")


@BEFORE
def test_admin_agenda_choices_are_the_meetings_own_items(staff_client, staff):
    from meetings.models import AgendaItem

    staff_client.force_login(staff)
    meeting, other = factories.meeting(), factories.meeting(title_en="Other")
    main = AgendaItem.objects.create(meeting=meeting, title_en="Main", position=1)
    sub = AgendaItem.objects.create(meeting=meeting, title_en="Sub", parent=main, position=2)
    foreign = AgendaItem.objects.create(meeting=other, title_en="Foreign", position=1)
    page = staff_client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk])).content.decode()
    parent_select = page[page.index('name="agenda_items-0-parent"') :].split("</select>")[0]
    assert f'value="{main.pk}"' in parent_select and f'value="{sub.pk}"' not in parent_select
    document_select = page[page.index('name="documents-__prefix__-agenda_item"') :].split("</select>")[0]
    assert f'value="{sub.pk}"' in document_select and f'value="{foreign.pk}"' not in document_select
