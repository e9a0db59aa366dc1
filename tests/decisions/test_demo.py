"""The demo holds the terms of reference adopted by written procedure and a joint statement open for comments."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from decisions.enums import DraftStatus, ProcedureStatus
from decisions.models import Draft, ProcedureAnswer, Proposal, Reservation, WrittenProcedure
from outbox.models import OutgoingMessage

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_adopted_written_procedure_and_a_draft_open_for_comments_once(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("load_demo", stdout=io.StringIO())
    counts = [m.objects.count() for m in (Draft, WrittenProcedure, ProcedureAnswer, Proposal, Reservation)]
    out = io.StringIO()
    call_command("load_demo", stdout=out)

    assert [m.objects.count() for m in (Draft, WrittenProcedure, ProcedureAnswer, Proposal, Reservation)] == counts
    assert "drafts               2   (0 new)" in out.getvalue()
    terms = Draft.objects.get(title_en="Terms of reference of the DG Network")
    assert (terms.status, str(terms.adopted_on)) == (DraftStatus.ADOPTED, "2022-06-10")
    assert list(terms.revisions.values_list("number", flat=True)) == [1, 2]
    procedure = WrittenProcedure.objects.get(revision__draft=terms)
    assert procedure.status == ProcedureStatus.ADOPTED
    assert procedure.countries.count() >= 20
    assert not procedure.countries.filter(answer="objection").exists()
    statement = Draft.objects.get(title_en="Joint statement on crisis communication with the population")
    assert statement.status == DraftStatus.COMMENTS
    assert statement.revisions.count() == 2
    assert list(Proposal.objects.values_list("country__code", "outcome")) == [("FR", "accepted"), ("NL", "pending")]
    assert Reservation.objects.get().country.code == "DE"
    assert not OutgoingMessage.objects.filter(kind="procedure").exists()
