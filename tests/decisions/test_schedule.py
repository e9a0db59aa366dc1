"""The procedures close by themselves: beat's schedule on the real stack, the job loop on the embedded default."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command

import network.tasks  # noqa: F401 - registers the tasks
from decisions import services
from decisions.enums import ProcedureStatus
from decisions.models import WrittenProcedure
from network.celery import app
from tests.decisions.conftest import DEADLINE

pytestmark = pytest.mark.django_db


def test_beat_runs_the_written_procedures_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["written-procedures"]

    assert entry == {"task": "network.tasks.run_written_procedures", "schedule": 60}
    assert entry["task"] in app.tasks


def test_one_round_of_the_job_loop_closes_a_procedure_whose_deadline_has_passed(draft, clock):
    services.open_procedure(draft.revisions.get(number=2), deadline=DEADLINE)
    clock.move_to(DEADLINE)
    out = io.StringIO()

    call_command("run_jobs", "--once", stdout=out)

    assert out.getvalue().startswith("1 written procedures closed,")
    assert WrittenProcedure.objects.get().status == ProcedureStatus.ADOPTED
