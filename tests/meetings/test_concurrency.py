"""Two people at once: nothing is silently overwritten, and every change stays in the history."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from meetings import services
from meetings.enums import Answer
from meetings.models import Invitation, Meeting
from tests import factories
from tests.helpers import form_data

D = datetime.date


@pytest.mark.django_db
def test_second_staff_saving_a_stale_meeting_is_told_and_nothing_is_overwritten(client, staff):
    other = factories.staff_user(email="other.staff@example.org")
    meeting = factories.meeting(title_en="Spring meeting")
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    client.force_login(staff)
    first = form_data(client.get(url).content, "meeting_form")
    from django.test import Client

    second_client = Client()
    second_client.force_login(other)
    second = form_data(second_client.get(url).content, "meeting_form")
    assert client.post(url, {**first, "title_en": "Title of the first"}).status_code == 302
    response = second_client.post(url, {**second, "title_en": "Title of the second"})
    assert response.status_code == 200 and "Someone else saved this meeting" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.title_en == "Title of the first" and meeting.version == 1
    assert [h.title_en for h in meeting.history.order_by("history_date")][-1] == "Title of the first"


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_two_answers_to_one_invitation_at_once_one_wins_both_in_history():
    with time_machine.travel(datetime.datetime(2027, 3, 1, 12, tzinfo=factories.BRUSSELS), tick=False):
        director = factories.director(factories.country("FR"))
        meeting = factories.meeting()
        invitation = services.invite(meeting, director)
        barrier = threading.Barrier(2)
        errors = []

        def answer(choice):
            try:
                barrier.wait()
                services.record_answer(Invitation.objects.get(pk=invitation.pk), answer=choice)
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=answer, args=(a,)) for a in (Answer.ACCEPTED, Answer.DECLINED)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    invitation.refresh_from_db()
    answers = [h.answer for h in invitation.history.order_by("history_date", "history_id")]
    assert sorted(answers[-2:]) == ["accepted", "declined"]  # both answers are in the history
    assert invitation.answer == answers[-1]  # the last one to commit wins
    assert Meeting.objects.get(pk=meeting.pk).status == "draft"
