"""The written procedure's rules through its services: opening, answering, reminding, extending, withdrawing and
closing at the deadline, with the clock frozen around it."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from decisions import services
from decisions.enums import DraftStatus, ProcedureStatus
from decisions.models import Draft, ProcedureAnswer, ProcedureCountry, WrittenProcedure
from knowledge.models import Action, Conclusion
from members.enums import Role
from members.models import Mandate
from outbox.models import MessageKind, OutgoingMessage
from tests import factories
from tests.decisions.conftest import DEADLINE, PARAGRAPHS_1, T0

pytestmark = pytest.mark.django_db

SECOND = datetime.timedelta(seconds=1)


def open_on(draft, **kwargs):
    return services.open_procedure(draft.revisions.order_by("-number").first(), deadline=DEADLINE, **kwargs)


def answers_of(procedure) -> dict[str, str]:
    return {e.country.code: e.answer for e in services.board(procedure)}


def test_opening_concerns_every_member_country_with_a_seat_holder_and_mails_each_holder(draft, network):
    procedure = open_on(draft)

    assert sorted(procedure.countries.values_list("country__code", flat=True)) == ["BE", "FR", "NL"]
    assert Draft.objects.get(pk=draft.pk).status == DraftStatus.PROCEDURE
    assert procedure.reminder_hours == [48, 4]
    mailed = OutgoingMessage.objects.filter(kind=MessageKind.PROCEDURE)
    assert sorted(mailed.values_list("to", flat=True)) == [
        "deputy@fr.example",
        "dg@be.example",
        "dg@fr.example",
        "dg@nl.example",
    ]
    assert dict(mailed.values_list("to", "language")) == {
        "deputy@fr.example": "de",
        "dg@be.example": "en",
        "dg@fr.example": "fr",
        "dg@nl.example": "nl",
    }


def test_a_procedure_on_a_revision_that_is_not_the_latest_is_refused_and_nothing_changes(draft):
    rev1 = draft.revisions.get(number=1)

    with pytest.raises(ValidationError, match="REV 1 is not the latest revision"):
        services.open_procedure(rev1, deadline=DEADLINE)

    assert not WrittenProcedure.objects.exists()
    assert Draft.objects.get(pk=draft.pk).status == DraftStatus.COMMENTS
    assert not OutgoingMessage.objects.exists()


def test_a_deadline_in_the_past_is_refused(draft):
    with pytest.raises(ValidationError, match="in the future"):
        services.open_procedure(draft.revisions.get(number=2), deadline=T0 - SECOND)
    assert not WrittenProcedure.objects.exists()


def test_an_answer_may_change_until_the_deadline_the_last_counts_and_every_answer_is_kept(draft, network, clock):
    procedure = open_on(draft)
    fr = network["countries"]["fr"]
    director, deputy = network["people"]["fr"], network["people"]["fr_deputy"]

    services.answer_procedure(procedure, fr, person=director, answer="objection", text="Our capital disagrees.")
    clock.move_to(DEADLINE - SECOND)
    services.answer_procedure(procedure, fr, person=deputy, answer="no_objection")

    entry = ProcedureCountry.objects.get(procedure=procedure, country=fr)
    assert (entry.answer, entry.answered_by, entry.answered_at) == ("no_objection", deputy, DEADLINE - SECOND)
    assert list(
        ProcedureAnswer.objects.filter(procedure_country=entry).values_list("answer", "person__email", "text")
    ) == [("objection", "dg@fr.example", "Our capital disagrees."), ("no_objection", "deputy@fr.example", "")]


def test_an_answer_at_the_deadline_even_by_a_second_late_is_refused_and_nothing_changes(draft, network, clock):
    procedure = open_on(draft)
    clock.move_to(DEADLINE)

    with pytest.raises(ValidationError, match="no longer takes answers"):
        services.answer_procedure(
            procedure, network["countries"]["be"], person=network["people"]["be"], answer="no_objection"
        )
    assert not ProcedureAnswer.objects.exists()


def test_breaking_silence_without_a_reason_is_refused_and_nothing_changes(draft, network):
    procedure = open_on(draft)

    with pytest.raises(ValidationError, match="Breaking silence needs a reason"):
        services.answer_procedure(
            procedure, network["countries"]["be"], person=network["people"]["be"], answer="objection", text="   "
        )
    assert not ProcedureAnswer.objects.exists()
    assert answers_of(procedure)["BE"] == ""


def test_a_person_who_no_longer_holds_the_seat_cannot_answer(draft, network):
    procedure = open_on(draft)
    Mandate.objects.filter(person=network["people"]["be"]).update(end_date=T0.date() - datetime.timedelta(days=1))

    with pytest.raises(ValidationError, match="does not hold the seat"):
        services.answer_procedure(
            procedure, network["countries"]["be"], person=network["people"]["be"], answer="no_objection"
        )
    assert not ProcedureAnswer.objects.exists()


def test_a_person_cannot_answer_for_another_country_or_one_the_procedure_does_not_concern(draft, network):
    procedure = open_on(draft, countries=[network["countries"]["be"], network["countries"]["fr"]])

    with pytest.raises(ValidationError, match="does not hold the seat"):
        services.answer_procedure(
            procedure, network["countries"]["fr"], person=network["people"]["be"], answer="no_objection"
        )
    with pytest.raises(ValidationError, match="does not concern"):
        services.answer_procedure(
            procedure, network["countries"]["nl"], person=network["people"]["nl"], answer="no_objection"
        )
    assert not ProcedureAnswer.objects.exists()


def test_without_a_broken_silence_a_meeting_s_draft_is_adopted_on_the_deadline_s_date_as_numbered_conclusions(
    network, clock
):
    meeting = factories.meeting(chair=network["people"]["be"])
    factories.conclusion(meeting, number=1, text_en="Earlier conclusion.")
    text = Draft.objects.create(title_en="Conclusions of the spring meeting", meeting=meeting)
    action = {
        "title": {"en": "Report on the exercise", "fr": "Rendre compte de l’exercice"},
        "country": network["countries"]["fr"],
        "due": datetime.date(2027, 9, 30),
    }
    services.publish_revision(text, [PARAGRAPHS_1[0], {**PARAGRAPHS_1[1], "action": action}])
    procedure = services.open_procedure(text.revisions.get(), deadline=DEADLINE)
    services.answer_procedure(
        procedure, network["countries"]["fr"], person=network["people"]["fr"], answer="comment", text="Well done."
    )

    clock.move_to(DEADLINE)
    closed = services.close_procedure(procedure.pk)

    assert closed.adopted
    text.refresh_from_db()
    assert (text.status, text.adopted_on) == (DraftStatus.ADOPTED, DEADLINE.date())
    assert WrittenProcedure.objects.get().status == ProcedureStatus.ADOPTED
    conclusions = Conclusion.objects.filter(meeting=meeting).order_by("number")
    assert [(c.number, c.text_en, c.text_fr) for c in conclusions] == [
        (1, "Earlier conclusion.", None),
        (2, "The network meets twice a year.", "Le réseau se réunit deux fois par an."),
        (3, "The chair is Belgium.", "La présidence est assurée par la Belgique."),
    ]
    made = Action.objects.get()
    assert (made.conclusion.number, made.title_en, made.title_fr, made.owner_country.code, made.due_date) == (
        3,
        "Report on the exercise",
        "Rendre compte de l’exercice",
        "FR",
        datetime.date(2027, 9, 30),
    )
    adopted = OutgoingMessage.objects.filter(kind=MessageKind.PROCEDURE, key__contains=":adopted:")
    assert adopted.count() == 4
    assert all(row.attachments[0]["content_type"] == "application/pdf" for row in adopted)


def test_a_standing_text_adopted_keeps_its_revision_as_the_record_and_makes_no_conclusion(draft, clock):
    procedure = open_on(draft)
    clock.move_to(DEADLINE + SECOND)

    assert services.close_due_procedures() == 1

    draft.refresh_from_db()
    assert (draft.status, draft.adopted_on) == (DraftStatus.ADOPTED, DEADLINE.date())
    assert not Conclusion.objects.exists()
    assert WrittenProcedure.objects.get(pk=procedure.pk).closed_at == DEADLINE + SECOND


def test_a_broken_silence_fails_the_procedure_and_the_draft_is_open_for_comments_again(network, clock):
    meeting = factories.meeting(chair=network["people"]["be"])
    text = Draft.objects.create(title_en="Joint statement", kind="statement", meeting=meeting)
    services.publish_revision(text, PARAGRAPHS_1)
    procedure = services.open_procedure(text.revisions.get(), deadline=DEADLINE)
    services.answer_procedure(
        procedure, network["countries"]["nl"], person=network["people"]["nl"], answer="objection", text="Too vague."
    )

    clock.move_to(DEADLINE)
    closed = services.close_procedure(procedure.pk)

    assert not closed.adopted
    assert [e.country.code for e in closed.objections] == ["NL"]
    text.refresh_from_db()
    assert (text.status, text.adopted_on) == (DraftStatus.COMMENTS, None)
    assert not Conclusion.objects.exists()
    failed = OutgoingMessage.objects.filter(key__contains=":failed:")
    assert sorted(failed.values_list("to", flat=True)) == ["dg@be.example", "secretariat@dg-network.example.org"]
    assert "Too vague." in failed.get(to="dg@be.example").body_text
    assert failed.get(to="secretariat@dg-network.example.org").body_text.startswith("Dear colleagues,")


def test_a_procedure_is_not_closed_before_its_deadline(draft, clock):
    procedure = open_on(draft)
    clock.move_to(DEADLINE - SECOND)

    assert services.close_due_procedures() == 0
    assert services.close_procedure(procedure.pk) is None
    assert WrittenProcedure.objects.get().status == ProcedureStatus.OPEN


def test_closing_twice_closes_once(draft, clock):
    procedure = open_on(draft)
    clock.move_to(DEADLINE)

    assert services.close_procedure(procedure.pk) is not None
    assert services.close_procedure(procedure.pk) is None
    assert OutgoingMessage.objects.filter(key__contains=":adopted:").count() == 4


def test_extending_moves_the_deadline_and_tells_everyone_and_a_closing_waits_for_it(draft, clock):
    procedure = open_on(draft)
    later = DEADLINE + datetime.timedelta(days=3)

    with pytest.raises(ValidationError, match="later than the current one"):
        services.extend_procedure(procedure, deadline=DEADLINE - datetime.timedelta(hours=1))
    services.extend_procedure(procedure, deadline=later)

    assert OutgoingMessage.objects.filter(key__contains=":extended:").count() == 4
    clock.move_to(DEADLINE + SECOND)
    assert services.close_due_procedures() == 0
    clock.move_to(later)
    assert services.close_due_procedures() == 1


def test_withdrawing_puts_the_draft_back_to_comments_tells_everyone_and_refuses_answers(draft, network):
    procedure = open_on(draft)

    services.withdraw_procedure(procedure)

    assert Draft.objects.get(pk=draft.pk).status == DraftStatus.COMMENTS
    assert OutgoingMessage.objects.filter(key__contains=":withdrawn:").count() == 4
    with pytest.raises(ValidationError, match="no longer takes answers"):
        services.answer_procedure(
            procedure, network["countries"]["be"], person=network["people"]["be"], answer="no_objection"
        )
    with pytest.raises(ValidationError, match="Only an open written procedure"):
        services.withdraw_procedure(procedure)


def test_reminders_go_at_48_and_4_hours_before_the_deadline_once_each_to_countries_without_an_answer(
    draft, network, clock
):
    procedure = open_on(draft)
    services.answer_procedure(
        procedure, network["countries"]["be"], person=network["people"]["be"], answer="comment", text="Fine."
    )

    def reminded() -> list[str]:
        rows = OutgoingMessage.objects.filter(key__contains=":reminder")
        return sorted(rows.values_list("to", flat=True))

    clock.move_to(DEADLINE - datetime.timedelta(hours=48) - SECOND)
    assert services.send_procedure_reminders() == 0
    clock.move_to(DEADLINE - datetime.timedelta(hours=48))
    assert services.send_procedure_reminders() == 3
    assert services.send_procedure_reminders() == 0
    assert reminded() == ["deputy@fr.example", "dg@fr.example", "dg@nl.example"]
    services.answer_procedure(
        procedure, network["countries"]["fr"], person=network["people"]["fr"], answer="no_objection"
    )
    clock.move_to(DEADLINE - datetime.timedelta(hours=4))
    assert services.send_procedure_reminders() == 1
    assert reminded() == ["deputy@fr.example", "dg@fr.example", "dg@nl.example", "dg@nl.example"]


def test_the_reminder_schedule_is_checked(draft):
    with pytest.raises(ValidationError, match="between 1 and 1440 hours"):
        services.open_procedure(draft.revisions.get(number=2), deadline=DEADLINE, reminder_hours=[0])
    assert not WrittenProcedure.objects.exists()


def test_only_seat_holders_of_a_draft_open_for_comments_propose_on_the_latest_revision(draft, network):
    rev1, rev2 = draft.revisions.get(number=1), draft.revisions.get(number=2)
    observer = network["people"]["no"]
    assistant = factories.person(network["people"]["be"].organisation)
    factories.mandate(assistant, Role.ASSISTANT)

    proposal = services.propose(rev2, person=network["people"]["fr"], paragraph_number=3, text="Le secrétariat…")
    assert (proposal.country.code, proposal.outcome) == ("FR", "pending")
    with pytest.raises(ValidationError, match="latest revision"):
        services.propose(rev1, person=network["people"]["fr"], paragraph_number=1, text="x")
    for person in (observer, assistant):
        with pytest.raises(ValidationError, match="hold a country's seat"):
            services.propose(rev2, person=person, paragraph_number=1, text="x")
    with pytest.raises(ValidationError, match="has no paragraph 9"):
        services.propose(rev2, person=network["people"]["fr"], paragraph_number=9, text="x")
    with pytest.raises(ValidationError, match="needs a reason"):
        services.reserve(rev2, person=network["people"]["be"], kind="scrutiny", reason=" ")
    reservation = services.reserve(rev2, person=network["people"]["be"], kind="scrutiny", reason="Capital checks.")
    assert (reservation.country.code, reservation.paragraph_number) == ("BE", None)


def test_the_next_revision_records_what_became_of_each_proposal(draft, network):
    rev2 = draft.revisions.get(number=2)
    taken = services.propose(rev2, person=network["people"]["fr"], paragraph_number=1, text="Four times a year.")
    left = services.propose(rev2, person=network["people"]["be"], paragraph_number=2, text="Rotating chair.")

    rev3 = services.publish_revision(
        draft, services.copy_paragraphs(rev2), outcomes={taken.pk: "accepted", left.pk: "set_aside"}
    )

    taken.refresh_from_db(), left.refresh_from_db()
    assert (rev3.number, taken.outcome, taken.decided_in, left.outcome) == (3, "accepted", rev3, "set_aside")
    assert [p.text_en for p in rev2.paragraphs.all()] == [
        "The network meets three times a year.",
        "The chair is Belgium.",
        "The secretariat is the Benelux Union's.",
    ]


def test_withdrawing_a_draft_under_procedure_withdraws_the_procedure_and_an_adopted_text_stays(draft, clock):
    procedure = open_on(draft)

    services.withdraw_draft(draft)

    assert Draft.objects.get(pk=draft.pk).status == DraftStatus.WITHDRAWN
    assert WrittenProcedure.objects.get(pk=procedure.pk).status == ProcedureStatus.WITHDRAWN
    adopted = Draft.objects.create(title_en="Adopted", status=DraftStatus.ADOPTED)
    with pytest.raises(ValidationError, match="adopted text cannot be withdrawn"):
        services.withdraw_draft(adopted)


def test_a_paragraph_s_action_needs_a_title_a_due_date_and_one_owner_and_is_carried_to_the_next_revision(
    draft, network
):
    rev2 = draft.revisions.get(number=2)
    unowned = {"title": {"en": "Report"}, "due": datetime.date(2027, 9, 30)}
    two_owners = {**unowned, "country": network["countries"]["be"], "secretariat": True}

    for action in (unowned, two_owners, {**unowned, "secretariat": True, "due": None}):
        with pytest.raises(ValidationError, match="needs an English title, a due date and one owner"):
            services.publish_revision(draft, [{"en": "Text.", "action": action}])
    assert draft.revisions.count() == 2

    rev3 = services.publish_revision(draft, [{"en": "Text.", "action": {**unowned, "secretariat": True}}])
    assert services.copy_paragraphs(rev3)[0]["action"]["secretariat"] is True
    assert services.copy_paragraphs(rev2)[0].get("action") is None


def test_a_person_s_export_holds_what_they_said_for_their_country(draft, network):
    from network.privacy import export_person

    director = network["people"]["fr"]
    services.propose(draft.revisions.get(number=2), person=director, paragraph_number=1, text="Four times.")
    procedure = services.open_procedure(draft.revisions.get(number=2), deadline=DEADLINE)
    services.answer_procedure(procedure, network["countries"]["fr"], person=director, answer="objection", text="No.")

    data = export_person(director)

    assert [(p["paragraph"], p["text"]) for p in data["proposals"]] == [(1, "Four times.")]
    assert [(a["country"], a["answer"], a["text"]) for a in data["written_procedure_answers"]] == [
        ("FR", "objection", "No.")
    ]
