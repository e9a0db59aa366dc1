"""The secretariat's buttons: publish a revision (texts per language, actions, what became of each proposal), open a
written procedure in Brussels time, extend and withdraw it."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from decisions.models import Revision, WrittenProcedure
from tests.decisions.conftest import DEADLINE

pytestmark = pytest.mark.django_db


def test_publishing_a_revision_takes_every_language_the_actions_and_the_proposals_outcomes(
    staff_client, draft, network
):
    from decisions import services

    proposal = services.propose(
        draft.revisions.get(number=2), person=network["people"]["fr"], paragraph_number=1, text="Four times."
    )
    url = reverse("admin:decisions_draft_publish", args=[draft.pk])
    assert "The network meets three times a year." in staff_client.get(url).content.decode()

    response = staff_client.post(
        url,
        {
            "text_en": "The network meets four times a year.\r\n\r\nThe chair is Belgium.",
            "text_fr": "Le réseau se réunit quatre fois par an.\r\n\r\nLa présidence est assurée par la Belgique.",
            "text_nl": "",
            "text_de": "",
            "note": "France's proposal.",
            "actions": "2 | secretariat | 2027-09-30 | Report on the chair",
            f"proposal_{proposal.pk}": "accepted",
        },
    )

    assert response.status_code == 302
    rev3 = Revision.objects.get(draft=draft, number=3)
    first, second = rev3.paragraphs.order_by("number")
    assert (first.text_en, first.text_fr, first.text_nl) == (
        "The network meets four times a year.",
        "Le réseau se réunit quatre fois par an.",
        None,
    )
    assert (second.action_title_en, second.action_owner_secretariat) == ("Report on the chair", True)
    proposal.refresh_from_db()
    assert (proposal.outcome, proposal.decided_in) == ("accepted", rev3)


def test_a_revision_whose_languages_do_not_match_is_refused_and_nothing_changes(staff_client, draft):
    response = staff_client.post(
        reverse("admin:decisions_draft_publish", args=[draft.pk]),
        {"text_en": "One.\r\n\r\nTwo.", "text_fr": "Un.", "text_nl": "", "text_de": "", "actions": ""},
    )

    assert response.status_code == 200
    assert "The fr text has 1 paragraphs; the English one has 2." in response.content.decode()
    assert draft.revisions.count() == 2


def test_opening_a_written_procedure_reads_the_deadline_in_brussels_time(staff_client, draft, network):
    response = staff_client.post(
        reverse("admin:decisions_draft_procedure", args=[draft.pk]),
        {
            "deadline": "2027-05-07T17:00",
            "countries": [network["countries"]["be"].pk, network["countries"]["fr"].pk],
            "reminder_hours": "24, 2",
        },
    )

    procedure = WrittenProcedure.objects.get()
    assert response.status_code == 302
    assert (procedure.deadline, procedure.reminder_hours) == (DEADLINE, [24, 2])
    assert sorted(procedure.countries.values_list("country__code", flat=True)) == ["BE", "FR"]
    board = staff_client.get(reverse("admin:decisions_writtenprocedure_board", args=[procedure.pk]))
    assert board.status_code == 200 and "No answer yet" in board.content.decode()

    later = DEADLINE + datetime.timedelta(days=2)
    staff_client.post(
        reverse("admin:decisions_writtenprocedure_extend", args=[procedure.pk]), {"deadline": "2027-05-09T17:00"}
    )
    procedure.refresh_from_db()
    assert procedure.deadline == later
    staff_client.post(reverse("admin:decisions_writtenprocedure_withdraw", args=[procedure.pk]))
    procedure.refresh_from_db()
    assert procedure.status == "withdrawn"


def test_the_secretariat_edits_the_reminder_schedule_and_a_bad_one_is_refused(staff_client, draft):
    from decisions import services

    procedure = services.open_procedure(draft.revisions.get(number=2), deadline=DEADLINE)
    url = reverse("admin:decisions_writtenprocedure_change", args=[procedure.pk])

    refused = staff_client.post(url, {"reminder_hours": "[0]"})
    assert refused.status_code == 200
    assert "between 1 and 1440 hours" in refused.content.decode()
    procedure.refresh_from_db()
    assert procedure.reminder_hours == [48, 4]

    assert staff_client.post(url, {"reminder_hours": "[2, 72, 24]"}).status_code == 302
    procedure.refresh_from_db()
    assert procedure.reminder_hours == [72, 24, 2]
