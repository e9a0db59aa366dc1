"""Two schedulers closing at once, two answers of one country at once: real PostgreSQL sessions in threads."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from decisions import services
from decisions.enums import DraftStatus, ProcedureStatus
from decisions.models import Draft, ProcedureAnswer, ProcedureCountry, WrittenProcedure
from outbox.models import OutgoingMessage
from tests.decisions.conftest import DEADLINE, PARAGRAPHS_1, T0

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(*calls):
    """Run ``calls`` in threads released together; each thread has its own database session. Returns results (an
    exception stands for a call that raised)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(n, call):
        try:
            barrier.wait()
            results[n] = call()
        except Exception as error:  # kept to assert on
            results[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.fixture
def procedure(people):
    with time_machine.travel(T0, tick=False):
        text = Draft.objects.create(title_en="Terms of reference")
        services.publish_revision(text, PARAGRAPHS_1)
        return services.open_procedure(text.revisions.get(), deadline=DEADLINE)


def test_two_schedulers_closing_at_the_same_moment_close_the_procedure_once(procedure):
    with time_machine.travel(DEADLINE, tick=False):
        results = at_once(services.close_due_procedures, services.close_due_procedures)

    assert sorted(results) == [0, 1]
    assert WrittenProcedure.objects.get().status == ProcedureStatus.ADOPTED
    assert Draft.objects.get().status == DraftStatus.ADOPTED
    assert OutgoingMessage.objects.filter(key__contains=":adopted:").count() == 4


def test_two_answers_of_one_country_at_the_same_moment_are_both_kept_and_one_counts(procedure, people):
    fr = people["countries"]["fr"]

    def answer(person, kind, text=""):
        return lambda: services.answer_procedure(procedure, fr, person=person, answer=kind, text=text)

    with time_machine.travel(T0, tick=True):
        results = at_once(
            answer(people["people"]["fr"], "objection", "No."), answer(people["people"]["fr_deputy"], "no_objection")
        )

    assert not [r for r in results if isinstance(r, Exception)]
    history = list(ProcedureAnswer.objects.order_by("at", "pk").values_list("answer", flat=True))
    assert sorted(history) == ["no_objection", "objection"]
    assert ProcedureCountry.objects.get(procedure=procedure, country=fr).answer == history[-1]


def test_an_answer_racing_the_close_either_counts_or_is_refused_never_lost(procedure, people):
    be = people["countries"]["be"]
    late = DEADLINE.replace(microsecond=0)

    with time_machine.travel(late, tick=False):
        results = at_once(
            services.close_due_procedures,
            lambda: services.answer_procedure(
                procedure, be, person=people["people"]["be"], answer="objection", text="Late."
            ),
        )

    assert results[0] == 1
    assert isinstance(results[1], ValidationError)  # at the deadline an answer is late
    assert not ProcedureAnswer.objects.exists()
    assert WrittenProcedure.objects.get().status == ProcedureStatus.ADOPTED
