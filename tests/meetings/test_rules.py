"""The rules of meetings, through the service layer every caller uses."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from meetings import services
from meetings.enums import Answer, AttendanceMode, Capacity, MeetingFormat, MeetingStatus, Presence
from meetings.models import Attendance, Invitation, Meeting, MeetingChange, SeatAllowance
from members.enums import OrganisationKind, Participation, Role
from members.models import Presidency
from tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date
BEFORE = time_machine.travel(datetime.datetime(2027, 3, 1, 12, 0, tzinfo=factories.BRUSSELS), tick=False)
AFTER = time_machine.travel(datetime.datetime(2027, 4, 29, 12, 0, tzinfo=factories.BRUSSELS), tick=False)


@pytest.fixture
def network():
    """Three member countries, one observer country, an EU body, a Presidency and a secretariat."""
    be, fr, de = factories.country("BE"), factories.country("FR"), factories.country("DE")
    ch = factories.country("CH", participation=Participation.OBSERVER, is_eu_member=False)
    directors = {c.code: factories.director(c) for c in (be, fr, de, ch)}
    # Germany's crisis centre has an acting director-general besides the appointed one: one seat only.
    factories.mandate(factories.person(directors["DE"].organisation), acting=True, start_date=D(2026, 1, 1))
    council = factories.organisation(None, kind=OrganisationKind.EU_BODY, name_en="Council", acronym_en="GSC")
    council_observer = factories.person(council)
    factories.mandate(council_observer, role=Role.OBSERVER)
    presidency_rep = factories.person(factories.organisation(factories.country("LT")))
    Presidency.objects.create(
        country=presidency_rep.organisation.country,
        start_date=D(2027, 1, 1),
        end_date=D(2027, 6, 30),
        representative=presidency_rep,
    )
    return {"directors": directors, "council": council_observer, "presidency": presidency_rep}


def test_invite_network_invites_directors_presidency_and_observers(network):
    meeting = factories.meeting()
    planned, skipped = services.network_invitees(meeting)
    assert skipped == []
    by_person = {p.person: p.capacity for p in planned}
    assert by_person == {
        network["directors"]["BE"]: Capacity.MEMBER,
        network["directors"]["FR"]: Capacity.MEMBER,
        network["directors"]["DE"]: Capacity.MEMBER,
        network["directors"]["CH"]: Capacity.OBSERVER,
        network["presidency"]: Capacity.OBSERVER,
        network["council"]: Capacity.OBSERVER,
    }
    invitations = services.invite_network(meeting)
    assert len(invitations) == 6
    assert meeting.invitations.get(person=network["directors"]["FR"]).country.code == "FR"
    assert meeting.invitations.get(person=network["council"]).country is None


def test_invite_network_skips_people_already_invited_and_taken_seats(network):
    meeting = factories.meeting()
    factories.invitation(meeting, network["directors"]["BE"])
    deputy = factories.person(network["directors"]["FR"].organisation)
    factories.invitation(meeting, deputy)  # France's seat is taken by the deputy
    planned, skipped = services.network_invitees(meeting)
    reasons = {s.person: s.reason for s in skipped}
    assert reasons[network["directors"]["BE"]] == "already invited"
    assert "seat is taken" in reasons[network["directors"]["FR"]]
    assert network["directors"]["FR"] not in [p.person for p in planned]
    services.invite_network(meeting)
    assert meeting.invitations.count() == 6  # 2 before + DE, CH, Presidency, Council
    assert services.invite_network(meeting) == []  # again: nothing new


def test_invite_network_uses_the_directors_in_office_on_the_meeting_day(network):
    old = network["directors"]["BE"]
    successor = factories.person(old.organisation)
    from members.services import appoint

    appoint(successor, role=Role.DIRECTOR_GENERAL, start_date=D(2027, 4, 1))
    invitees = {p.person for p in services.network_invitees(factories.meeting())[0]}
    assert successor in invitees and old not in invitees
    earlier = factories.meeting(starts_at=datetime.datetime(2027, 3, 15, 10, tzinfo=factories.BRUSSELS))
    invitees = {p.person for p in services.network_invitees(earlier)[0]}
    assert old in invitees and successor not in invitees


def test_second_seat_for_a_country_is_refused_until_the_secretariat_raises_it(network):
    meeting = factories.meeting()
    services.invite(meeting, network["directors"]["FR"])
    deputy = factories.person(network["directors"]["FR"].organisation)
    with pytest.raises(ValidationError, match="already has its seat"):
        services.invite(meeting, deputy)
    assert meeting.invitations.count() == 1
    SeatAllowance.objects.create(meeting=meeting, country=deputy.organisation.country, seats=2)
    assert services.invite(meeting, deputy).capacity == Capacity.MEMBER


def test_observers_do_not_take_a_seat(network):
    meeting = factories.meeting()
    services.invite(meeting, network["directors"]["FR"])
    liaison = factories.person(network["directors"]["FR"].organisation)
    factories.mandate(liaison, role=Role.OBSERVER)
    invitation = services.invite(meeting, liaison)
    assert invitation.capacity == Capacity.OBSERVER and invitation.country is None


def test_deactivated_person_and_cancelled_meeting_cannot_be_invited(network):
    meeting = factories.meeting()
    from members.services import deactivate_person

    deactivate_person(network["directors"]["BE"])
    with pytest.raises(ValidationError, match="deactivated"):
        services.invite(meeting, network["directors"]["BE"])
    services.cancel_meeting(meeting, reason="Strike")
    with pytest.raises(ValidationError, match="cancelled"):
        services.invite(meeting, network["directors"]["FR"])


@BEFORE
def test_accepting_a_hybrid_meeting_says_how(network):
    meeting = factories.meeting(format=MeetingFormat.HYBRID)
    invitation = services.invite(meeting, network["directors"]["FR"])
    with pytest.raises(ValidationError, match="in person or online"):
        services.record_answer(invitation, answer=Answer.ACCEPTED)
    invitation.refresh_from_db()
    assert invitation.answer == Answer.PENDING and invitation.answered_at is None
    services.record_answer(invitation, answer=Answer.ACCEPTED, mode=AttendanceMode.ONLINE, remarks=" Late arrival ")
    invitation.refresh_from_db()
    assert (invitation.answer, invitation.mode, invitation.remarks) == (Answer.ACCEPTED, "online", "Late arrival")


@BEFORE
def test_in_person_meeting_is_accepted_in_person(network):
    invitation = services.invite(factories.meeting(), network["directors"]["FR"])
    services.record_answer(invitation, answer=Answer.ACCEPTED)
    invitation.refresh_from_db()
    assert invitation.mode == AttendanceMode.IN_PERSON


@BEFORE
def test_substitute_gets_own_invitation_and_takes_the_seat(network, staff):
    meeting = factories.meeting()
    director = network["directors"]["FR"]
    invitation = services.invite(meeting, director)
    deputy = factories.person(director.organisation)
    services.record_answer(invitation, answer=Answer.DELEGATED, substitute=deputy, by=staff, on_behalf=True)
    invitation.refresh_from_db()
    assert invitation.answer == Answer.DELEGATED and invitation.substitute == deputy
    assert invitation.answered_on_behalf and invitation.answered_by == staff
    substitution = meeting.invitations.get(person=deputy)
    assert substitution.delegated_from == invitation and substitution.country == director.organisation.country
    seat_holders = list(Invitation.objects.filter(meeting=meeting, country=substitution.country).holding_seat())
    assert seat_holders == [substitution]


@BEFORE
def test_substitute_from_another_organisation_is_refused(network):
    invitation = services.invite(factories.meeting(), network["directors"]["FR"])
    stranger = factories.person(network["directors"]["BE"].organisation)
    with pytest.raises(ValidationError, match="same organisation"):
        services.record_answer(invitation, answer=Answer.DELEGATED, substitute=stranger)
    invitation.refresh_from_db()
    assert invitation.answer == Answer.PENDING
    assert not Invitation.objects.filter(person=stranger).exists()


@BEFORE
def test_changing_away_from_a_delegation_withdraws_the_substitute(network):
    meeting = factories.meeting()
    director = network["directors"]["FR"]
    invitation = services.invite(meeting, director)
    deputy = factories.person(director.organisation)
    services.record_answer(invitation, answer=Answer.DELEGATED, substitute=deputy)
    services.record_answer(invitation, answer=Answer.ACCEPTED)
    substitution = meeting.invitations.get(person=deputy)
    assert substitution.withdrawn_at is not None
    # Delegating to the same deputy again brings their invitation back.
    services.record_answer(invitation, answer=Answer.DELEGATED, substitute=deputy)
    substitution.refresh_from_db()
    assert substitution.withdrawn_at is None and substitution.answer == Answer.PENDING


@BEFORE
def test_accepting_again_after_declining_needs_a_free_seat(network):
    meeting = factories.meeting()
    director = network["directors"]["FR"]
    invitation = services.invite(meeting, director)
    services.record_answer(invitation, answer=Answer.DECLINED)
    deputy = factories.person(director.organisation)
    services.invite(meeting, deputy)  # the seat was free after the decline
    with pytest.raises(ValidationError, match="already has its seat"):
        services.record_answer(invitation, answer=Answer.ACCEPTED)
    invitation.refresh_from_db()
    assert invitation.answer == Answer.DECLINED


def test_answer_to_a_cancelled_or_past_meeting_is_refused(network):
    meeting = factories.meeting()
    invitation = services.invite(meeting, network["directors"]["FR"])
    with AFTER, pytest.raises(ValidationError, match="over"):
        services.record_answer(invitation, answer=Answer.ACCEPTED)
    with BEFORE:
        services.cancel_meeting(meeting, reason="Storm")
        with pytest.raises(ValidationError, match="cancelled"):
            services.record_answer(invitation, answer=Answer.DECLINED)
    invitation.refresh_from_db()
    assert invitation.answer == Answer.PENDING


def test_meeting_validation_refuses_bad_input():
    meeting = factories.meeting()
    meeting.ends_at = meeting.starts_at - datetime.timedelta(hours=1)
    with pytest.raises(ValidationError) as error:
        meeting.full_clean()
    assert "ends_at" in error.value.message_dict
    virtual = Meeting(
        title_en="x",
        format=MeetingFormat.VIRTUAL,
        starts_at=meeting.starts_at,
        ends_at=meeting.starts_at + datetime.timedelta(hours=1),
    )
    with pytest.raises(ValidationError) as error:
        virtual.full_clean()
    assert "video_link" in error.value.message_dict
    in_person = Meeting(
        title_en="x",
        format=MeetingFormat.IN_PERSON,
        starts_at=meeting.starts_at,
        ends_at=meeting.starts_at + datetime.timedelta(hours=1),
        time_zone="Mars/Olympus",
    )
    with pytest.raises(ValidationError) as error:
        in_person.full_clean()
    assert {"venue_name", "time_zone"} <= set(error.value.message_dict)


@BEFORE
def test_moving_a_meeting_after_invitations_went_out_records_a_change(network, staff):
    meeting = factories.meeting()
    services.invite(meeting, network["directors"]["FR"])
    meeting.title_en = "Renamed"
    assert services.save_meeting(meeting, by=staff) is None  # draft: nobody told yet
    services.send_invitations(meeting)
    meeting.refresh_from_db()
    meeting.title_en = "Renamed again"
    assert services.save_meeting(meeting, by=staff) is None  # a title is not time, place or format
    meeting.starts_at += datetime.timedelta(hours=1)
    meeting.ends_at += datetime.timedelta(hours=1)
    change = services.save_meeting(meeting, by=staff)
    assert change.sequence == 1 and set(change.changes) == {"starts_at", "ends_at"}
    assert change.changes["starts_at"][1].startswith("2027-04-28T08:30")  # stored in UTC
    meeting.refresh_from_db()
    assert meeting.sequence == 1 and MeetingChange.objects.filter(meeting=meeting).count() == 1


def test_planned_agenda_numbers_items_and_adds_durations():
    meeting = factories.meeting()
    first = meeting.agenda_items.create(title_en="Welcome", position=10, duration_minutes=15)
    second = meeting.agenda_items.create(title_en="Ukraine", position=20, duration_minutes=5)
    meeting.agenda_items.create(title_en="Reception", position=10, duration_minutes=30, parent=second)
    meeting.agenda_items.create(title_en="Cyber", position=20, duration_minutes=20, parent=second)
    meeting.agenda_items.create(title_en="Close", position=30, duration_minutes=10)
    entries = [(e.number, e.item.title, f"{e.starts_at:%H:%M}", e.depth) for e in services.planned_agenda(meeting)]
    assert entries == [
        ("1", "Welcome", "09:30", 0),
        ("2", "Ukraine", "09:45", 0),
        ("2.1", "Reception", "09:50", 1),
        ("2.2", "Cyber", "10:20", 1),
        ("3", "Close", "10:40", 0),
    ]
    assert first.pk


def test_agenda_nests_one_level_only():
    meeting = factories.meeting()
    main = meeting.agenda_items.create(title_en="Main")
    sub = meeting.agenda_items.create(title_en="Sub", parent=main)
    deeper = meeting.agenda_items.model(meeting=meeting, title_en="Deeper", parent=sub)
    with pytest.raises(ValidationError, match="one level"):
        deeper.full_clean()


@BEFORE
def test_answer_summary_counts_each_answer(network):
    meeting = factories.meeting()
    services.invite_network(meeting)
    invitations = list(meeting.invitations.filter(capacity=Capacity.MEMBER).order_by("pk"))
    services.record_answer(invitations[0], answer=Answer.ACCEPTED)
    services.record_answer(invitations[1], answer=Answer.DECLINED)
    assert services.answer_summary(meeting) == ("invited 6 · accepted 1 · declined 1 · delegated 0 · pending 4")


def test_held_meeting_gets_an_attendance_register_from_the_answers(network):
    meeting = factories.meeting()
    with BEFORE:
        services.invite_network(meeting)
        services.send_invitations(meeting)
        fr = meeting.invitations.get(person=network["directors"]["FR"])
        services.record_answer(fr, answer=Answer.ACCEPTED)
        with pytest.raises(ValidationError, match="not ended"):
            services.mark_held(meeting)
    with AFTER:
        services.mark_held(meeting)
    assert Attendance.objects.filter(meeting=meeting).count() == 6
    assert Attendance.objects.get(meeting=meeting, person=network["directors"]["FR"]).presence == Presence.IN_PERSON
    assert Attendance.objects.get(meeting=meeting, person=network["directors"]["BE"]).presence == Presence.ABSENT
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD


def test_register_row_names_a_person_or_a_delegation_member(network):
    meeting = factories.meeting()
    be, fr = network["directors"]["BE"], network["directors"]["FR"]
    delegate = Attendance.objects.create(meeting=meeting, name="Jan Janssens", delegation_of=be)

    for row, field in [
        (Attendance(meeting=meeting), "person"),
        (Attendance(meeting=meeting, name="Els Maes"), "delegation_of"),
        (Attendance(meeting=meeting, person=fr, name="Els Maes", delegation_of=be), "person"),
    ]:
        with pytest.raises(ValidationError) as refused:
            row.full_clean()
        assert field in refused.value.message_dict
    with pytest.raises(ValidationError, match="already in the register"):
        Attendance(meeting=meeting, name="Jan Janssens", delegation_of=be).full_clean()
    for fields in ({}, {"name": "Els Maes"}, {"person": fr, "name": "Els Maes", "delegation_of": be}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Attendance.objects.create(meeting=meeting, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(meeting=meeting, name="Jan Janssens", delegation_of=be)
    # The same name in another invitee's delegation is another row.
    Attendance.objects.create(meeting=meeting, name="Jan Janssens", delegation_of=fr)
    assert str(delegate) == "Jan Janssens · Absent"
    assert delegate.organisation == be.organisation


def test_held_meeting_keeps_a_delegation_member_already_in_the_register(network):
    meeting = factories.meeting()
    with BEFORE:
        services.invite_network(meeting)
        services.send_invitations(meeting)
    be = network["directors"]["BE"]
    Attendance.objects.create(meeting=meeting, name="Jan Janssens", delegation_of=be, presence=Presence.IN_PERSON)

    with AFTER:
        services.mark_held(meeting)

    assert Attendance.objects.filter(meeting=meeting).count() == 7
    assert Attendance.objects.get(meeting=meeting, person=be).presence == Presence.ABSENT
    assert Attendance.objects.get(meeting=meeting, person=None).presence == Presence.IN_PERSON


def test_copy_meeting_keeps_agenda_skeleton_not_invitations(network):
    meeting = factories.meeting()
    main = meeting.agenda_items.create(
        title_en="Main", title_fr="Principal", description_en="Details", position=1, duration_minutes=30
    )
    meeting.agenda_items.create(title_en="Sub", parent=main, duration_minutes=10)
    services.invite_network(meeting)
    copy = services.copy_meeting(meeting)
    assert copy.status == MeetingStatus.DRAFT and copy.pk != meeting.pk
    assert copy.invitations.count() == 0
    items = {i.title_en: i for i in copy.agenda_items.all()}
    assert set(items) == {"Main", "Sub"}
    assert items["Sub"].parent == items["Main"] and items["Main"].title_fr == "Principal"
    assert not items["Main"].description_en


# --- A person who leaves the network: their open invitations are withdrawn ---------------------------------------


def _sent_invitation(person, **meeting_kwargs):
    meeting = factories.meeting(**meeting_kwargs)
    invitation = services.invite(meeting, person)
    services.send_invitations(meeting)
    invitation.refresh_from_db()
    return invitation


def _answer_path(invitation) -> str:
    from django.urls import reverse

    from meetings import links

    return reverse("meetings:answer", args=[links.token_for(invitation)])


@BEFORE
def test_a_post_through_an_erased_persons_link_stores_nothing_and_sends_nothing(network, client):
    from network.privacy import erase_person
    from outbox.models import OutgoingMessage

    invitation = _sent_invitation(network["directors"]["FR"])
    erase_person(network["directors"]["FR"])
    rows = OutgoingMessage.objects.count()

    response = client.post(_answer_path(invitation), {"choice": "accept", "remarks": "Vegetarian meal, please"})

    assert response.status_code == 410
    assert "This invitation was withdrawn." in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.remarks == "" and invitation.answer == Answer.PENDING and invitation.answered_at is None
    assert invitation.withdrawn_at is not None
    assert OutgoingMessage.objects.count() == rows


@BEFORE
def test_erasing_a_person_withdraws_their_invitations_without_writing_to_them(network):
    from network.privacy import erase_person
    from outbox.models import OutgoingMessage

    invitation = _sent_invitation(network["directors"]["FR"])
    rows = OutgoingMessage.objects.count()

    erase_person(network["directors"]["FR"])

    invitation.refresh_from_db()
    assert invitation.withdrawn_at is not None
    assert OutgoingMessage.objects.count() == rows  # no cancellation to an address that is being erased


@BEFORE
def test_deactivating_a_person_withdraws_open_invitations_and_cancels_them_in_their_calendar(network):
    from members.services import deactivate_person
    from outbox.models import OutgoingMessage

    person = network["directors"]["FR"]
    invitation = _sent_invitation(person)

    deactivate_person(person)

    invitation.refresh_from_db()
    assert invitation.withdrawn_at is not None
    cancellations = OutgoingMessage.objects.filter(person=person, kind="cancellation")
    assert [(m.to, m.key.endswith(":withdrawn")) for m in cancellations] == [(person.email, True)]


@BEFORE
def test_deactivating_a_person_keeps_invitations_to_meetings_already_over_and_cancelled(network):
    from members.services import deactivate_person

    person = network["directors"]["FR"]
    over = factories.invitation(
        factories.meeting(starts_at=datetime.datetime(2027, 1, 20, 9, 30, tzinfo=factories.BRUSSELS)), person
    )
    cancelled = _sent_invitation(person, title_en="Cancelled meeting")
    services.cancel_meeting(cancelled.meeting, reason="Storm")
    upcoming = _sent_invitation(person, starts_at=datetime.datetime(2027, 5, 20, 9, 30, tzinfo=factories.BRUSSELS))

    deactivate_person(person)

    assert services.withdraw_open_invitations(person) == 0  # nothing left open
    assert [
        i.withdrawn_at is not None
        for i in Invitation.objects.filter(pk__in=[over.pk, cancelled.pk, upcoming.pk]).order_by("pk")
    ] == [False, False, True]


@BEFORE
def test_a_deactivated_persons_seat_is_free_for_their_successor(network):
    from members.services import deactivate_person

    leaving = network["directors"]["BE"]
    invitation = _sent_invitation(leaving)
    successor = factories.person(leaving.organisation)

    deactivate_person(leaving, on=D(2027, 2, 28))
    factories.mandate(successor, start_date=D(2027, 3, 1))

    assert services.invite(invitation.meeting, successor).country == leaving.organisation.country


@BEFORE
def test_a_withdrawn_invitations_link_speaks_the_invitees_language(network, client):
    from members.services import deactivate_person

    person = factories.director(factories.country("LU"), preferred_language="fr")
    invitation = _sent_invitation(person)
    deactivate_person(person)

    for response in (
        client.get(_answer_path(invitation)),
        client.post(_answer_path(invitation), {"choice": "decline"}),
    ):
        assert (response.status_code, response["Content-Language"]) == (410, "fr")
        assert "Cette invitation a été retirée." in response.content.decode()
        assert '<html lang="fr">' in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.answer == Answer.PENDING
