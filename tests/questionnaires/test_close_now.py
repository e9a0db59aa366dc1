"""Closing a questionnaire now: the secretariat's button asks for confirmation and closes it by POST; from then on
answers are refused as after any deadline, no reminder goes out, and everything given so far is kept, the deadline
that was announced included (in the admin's history of the questionnaire)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from outbox.models import MessageKind, OutgoingMessage
from questionnaires import services
from questionnaires.enums import QuestionnaireStatus
from questionnaires.models import AnswerVersion, CountryAnswer, Questionnaire
from tests import factories
from tests.questionnaires import test_questionnaires as base
from tests.questionnaires.test_questionnaires import DEADLINE, T0, answers, at, person

network, opened = base.network, base.opened  # the fixtures, made visible to this module

pytestmark = pytest.mark.django_db

CLOSED_AT = T0 + datetime.timedelta(days=3)


def submit(questionnaire, email: str, language: str, **values):
    return services.save_answer(
        questionnaire,
        person(email).country,
        person=person(email),
        data=answers(questionnaire, **values),
        language=language,
        submit=True,
    )


def test_closing_now_refuses_later_answers_with_the_deadline_message_and_keeps_what_was_given(opened):
    with at(1):
        submit(opened, "cp@be.example", "nl")
    with at(3):
        former = services.close_now(opened)

    assert former == DEADLINE
    stored = Questionnaire.objects.get(pk=opened.pk)
    assert (stored.status, stored.deadline) == (QuestionnaireStatus.CLOSED, CLOSED_AT)
    for email, language in (("cp@be.example", "nl"), ("dg@de.example", "de")):  # revising, and a first answer
        with at(3.5), pytest.raises(ValidationError) as refused:
            submit(stored, email, language, capacity="9")
        assert refused.value.messages == [translation.gettext("The deadline has passed: answers can no longer change.")]
    answer = CountryAnswer.objects.get()
    assert (answer.country.code, answer.values[str(opened.questions.get(position=1).pk)]) == ("BE", 1500)
    assert AnswerVersion.objects.count() == 1


def test_no_reminder_goes_out_after_closing_now(opened):
    with at(3):
        services.close_now(opened)
    for day in (7, 12, 14):  # its reminder days, and its former deadline
        with at(day):
            assert services.send_due_reminders() == 0
    assert not OutgoingMessage.objects.filter(kind=MessageKind.QUESTIONNAIRE_REMINDER).exists()
    assert Questionnaire.objects.get(pk=opened.pk).status == QuestionnaireStatus.CLOSED


def test_a_questionnaire_past_its_deadline_keeps_that_deadline_when_closed(opened):
    with time_machine.travel(DEADLINE + datetime.timedelta(minutes=5), tick=False):
        services.close_now(opened)  # before the reminders' job came by
    assert Questionnaire.objects.get(pk=opened.pk).deadline == DEADLINE


@pytest.mark.parametrize("status", [QuestionnaireStatus.DRAFT, QuestionnaireStatus.CLOSED])
def test_only_an_open_questionnaire_can_be_closed(staff, status):
    questionnaire = factories.questionnaire(staff, status=status)
    with pytest.raises(ValidationError):
        services.close_now(questionnaire)
    assert Questionnaire.objects.get(pk=questionnaire.pk).status == status


def test_the_admin_button_asks_then_closes_by_post_and_records_the_former_deadline(staff_client, opened):
    change = reverse("admin:questionnaires_questionnaire_change", args=[opened.pk])
    close = reverse("admin:questionnaires_questionnaire_close", args=[opened.pk])
    with at(3):
        assert close in staff_client.get(change).content.decode()
        asked = staff_client.get(close)
        assert asked.status_code == 200 and '<form method="post">' in asked.content.decode()
        assert Questionnaire.objects.get(pk=opened.pk).status == QuestionnaireStatus.OPEN  # a GET changes nothing
        done = staff_client.post(close)

    assert (done.status_code, done["Location"]) == (302, change)
    stored = Questionnaire.objects.get(pk=opened.pk)
    assert (stored.status, stored.deadline) == (QuestionnaireStatus.CLOSED, CLOSED_AT)
    entry = LogEntry.objects.get(object_id=str(opened.pk), action_flag=CHANGE)
    # 29 March 2022, 11:00 in Brussels (CEST began on the 27th): the deadline of T0 + 14 days at 09:00 UTC.
    assert entry.change_message == "Closed now; the deadline was March 29, 2022, 11 a.m. (Europe/Brussels)."
    assert close not in staff_client.get(change).content.decode()  # closed: no button any more


def test_the_admin_refuses_to_close_a_draft_and_changes_nothing(staff_client, staff):
    draft = factories.questionnaire(staff)
    close = reverse("admin:questionnaires_questionnaire_close", args=[draft.pk])

    page = staff_client.get(close).content.decode()
    response = staff_client.post(close, follow=True)

    assert '<form method="post">' not in page
    assert translation.gettext("Only an open questionnaire can be closed.") in page
    assert translation.gettext("Only an open questionnaire can be closed.") in response.content.decode()
    assert Questionnaire.objects.get(pk=draft.pk).status == QuestionnaireStatus.DRAFT
    assert not LogEntry.objects.exists()
