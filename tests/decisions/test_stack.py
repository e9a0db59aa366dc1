"""The written procedure on the real stack: PostgreSQL, Redis, a Celery worker in its own process, the job loop of
the embedded default (``run_jobs``) in another, and an SMTP server. Both schedulers try to close the procedure at
the same time; it closes once, and every country receives the adoption note once.

The worker reads the real clock, so the procedure is opened an hour back in time (``time_machine`` in this process
only) with a deadline that has just passed in real time: nothing sleeps until a deadline.
"""

from __future__ import annotations

import datetime
import subprocess

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from decisions import services
from decisions.enums import DraftStatus, ProcedureStatus
from decisions.models import Draft, WrittenProcedure
from outbox.models import MessageKind, MessageStatus, OutgoingMessage
from tests import smtp
from tests.decisions.conftest import PARAGRAPHS_1
from tests.helpers import BIN, ROOT, base_env, celery_worker, database_url, wait_until
from tests.outbox.test_delivery_integration import publishing_to

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

smtp_sink = smtp.smtp_sink


def test_the_procedure_closes_once_at_its_deadline_with_a_worker_and_the_job_loop_both_running(
    redis_url, smtp_sink, settings, people, tmp_path
):
    smtp_sink.configure(settings)
    settings.SITE_URL = "http://testserver"
    env = base_env(
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL=redis_url,
        DG_VAR_DIR=str(tmp_path),
        SITE_URL="http://testserver",
        **smtp_sink.env(),
    )
    now = timezone.now()
    with publishing_to(redis_url) as app, celery_worker(env, tmp_path / "w.log"):
        with time_machine.travel(now - datetime.timedelta(hours=1), tick=False):
            text = Draft.objects.create(title_en="Terms of reference", kind="terms")
            services.publish_revision(text, PARAGRAPHS_1)
            procedure = services.open_procedure(text.revisions.get(), deadline=now - datetime.timedelta(seconds=1))
            services.answer_procedure(
                procedure,
                people["countries"]["fr"],
                person=people["people"]["fr"],
                answer="comment",
                text="D'accord.",
            )
        smtp_sink.wait_for(4, timeout=30)  # the opening, delivered by the worker

        # Two schedulers at once: beat's task on the worker (twice) and the embedded default's job loop.
        app.send_task("network.tasks.run_written_procedures")
        app.send_task("network.tasks.run_written_procedures")
        loop = subprocess.run(  # noqa: S603 - our own command
            [str(BIN / "python"), "manage.py", "run_jobs", "--once"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=60,
            check=True,
        )
        smtp_sink.wait_for(8, timeout=40)
        wait_until(
            lambda: not OutgoingMessage.objects.exclude(status=MessageStatus.SENT).exists(),
            timeout=30,
            what="every message to be sent",
        )

    assert b"written procedures closed" in loop.stdout
    assert WrittenProcedure.objects.get().status == ProcedureStatus.ADOPTED
    assert Draft.objects.get().status == DraftStatus.ADOPTED
    adopted = OutgoingMessage.objects.filter(kind=MessageKind.PROCEDURE, key__contains=":adopted:")
    assert adopted.count() == 4
    assert smtp_sink.count == 8
    assert smtp_sink.message_ids() == {m: 1 for m in OutgoingMessage.objects.values_list("message_id", flat=True)}
    pdfs = [
        part
        for received in smtp_sink.messages
        for part in received.message.walk()
        if part.get_content_type() == "application/pdf"
    ]
    assert len(pdfs) == 4
