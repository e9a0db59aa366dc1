"""The answer links in the invitations: what they show, record, and refuse."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.test import Client

from meetings import links, services
from meetings.enums import Answer
from meetings.models import Invitation
from outbox.models import MessageKind, MessageStatus, OutgoingMessage
from tests import factories
from tests.helpers import form_data
from tests.meetings.mail.messages import (
    SITE,
    received_for,
    send,
    text_of,
)

pytestmark = pytest.mark.django_db


# --- Answer links ------------------------------------------------------------------------------------------------


@pytest.fixture
def invited(sink, django_capture_on_commit_callbacks):
    meeting = factories.meeting()
    invitation = factories.invitation(meeting, factories.director(email="dg@crisis.example"))
    send(meeting, django_capture_on_commit_callbacks)
    invitation.refresh_from_db()
    return invitation


def path_of(url: str) -> str:
    assert url.startswith(SITE)
    return url[len(SITE) :]


def answer_form(page: str | bytes) -> dict:
    """What a browser posts from the answer form (the page's first form is the language switch)."""
    page = page.decode() if isinstance(page, bytes) else page
    return form_data(page[page.index('<form method="post" novalidate>') :])


def unchanged(invitation: Invitation, rows_before: int) -> bool:
    """No answer recorded and no message queued since ``rows_before`` outbox rows."""
    invitation.refresh_from_db()
    return (
        invitation.answer == Answer.PENDING
        and invitation.answered_at is None
        and OutgoingMessage.objects.count() == rows_before
        and not OutgoingMessage.objects.filter(kind=MessageKind.CONFIRMATION).exists()
    )


def test_opening_an_answer_link_shows_the_choice_and_changes_nothing(invited, client):
    rows = OutgoingMessage.objects.count()
    response = client.get(path_of(links.answer_url(invited, "decline")))

    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'<input type="radio" name="choice" value="decline"[^>]*checked', page)
    assert "Confirm my answer" in page
    assert answer_form(page)["choice"] == "decline"
    assert unchanged(invited, rows)


def test_posting_the_answer_form_records_the_answer_and_sends_a_confirmation(
    invited, client, sink, django_capture_on_commit_callbacks
):
    url = path_of(links.answer_url(invited, "decline"))
    data = answer_form(client.get(url).content)
    data["remarks"] = "On mission abroad."

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)

    assert response.status_code == 200
    assert "Thank you: your answer is registered" in response.content.decode()
    invited.refresh_from_db()
    assert (invited.answer, invited.remarks) == (Answer.DECLINED, "On mission abroad.")
    (row,) = OutgoingMessage.objects.filter(kind=MessageKind.CONFIRMATION)
    assert (row.to, row.status) == ("dg@crisis.example", MessageStatus.SENT)
    (confirmation,) = received_for(sink, MessageKind.CONFIRMATION).values()
    assert confirmation["Subject"] == "Your answer: Spring meeting"
    assert "): Declined." in text_of(confirmation)
    assert "Your remarks: On mission abroad." in text_of(confirmation)


def test_a_tampered_answer_link_is_refused_with_a_clear_page(invited, client):
    rows = OutgoingMessage.objects.count()
    url = path_of(links.answer_url(invited, "decline"))
    token = url.split("/")[2]
    tampered = url.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))

    for response in (client.get(tampered), client.post(tampered, {"choice": "decline"})):
        assert response.status_code == 400
        assert "The link is incomplete or has been altered." in response.content.decode()
        assert "Nothing has been changed." in response.content.decode()
    assert unchanged(invited, rows)


def test_an_answer_link_has_expired_once_the_meeting_is_over(invited, client):
    rows = OutgoingMessage.objects.count()
    url = path_of(links.answer_url(invited, "decline"))
    with time_machine.travel(invited.meeting.ends_at + datetime.timedelta(minutes=1)):
        for response in (client.get(url), client.post(url, {"choice": "decline"})):
            assert response.status_code == 410
            assert "The meeting is over, so its answer links have expired." in response.content.decode()
    assert unchanged(invited, rows)


def test_an_answer_link_to_a_cancelled_meeting_says_so_and_changes_nothing(
    invited, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_meeting(invited.meeting, reason="Postponed to the autumn.")
    rows = OutgoingMessage.objects.count()
    url = path_of(links.answer_url(invited, "decline"))
    for response in (client.get(url), client.post(url, {"choice": "decline"})):
        assert response.status_code == 410
        page = response.content.decode()
        assert "The meeting “Spring meeting” was cancelled; answers can no longer change." in page
        assert "Reason: Postponed to the autumn." in page
    assert unchanged(invited, rows)


def test_an_answer_link_of_a_withdrawn_invitation_is_refused(invited, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_invitation(invited)
    rows = OutgoingMessage.objects.count()
    url = path_of(links.answer_url(invited, "decline"))
    for response in (client.get(url), client.post(url, {"choice": "decline"})):
        assert response.status_code == 410
        assert "This invitation was withdrawn." in response.content.decode()
    assert unchanged(invited, rows)


def test_answer_form_needs_its_csrf_token(invited, django_capture_on_commit_callbacks):
    browser = Client(enforce_csrf_checks=True)
    rows = OutgoingMessage.objects.count()
    url = path_of(links.answer_url(invited, "decline"))

    refused = browser.post(url, {"choice": "decline"})
    assert refused.status_code == 403
    assert unchanged(invited, rows)

    data = answer_form(browser.get(url).content)  # sets the CSRF cookie; the form carries the token
    assert data["csrfmiddlewaretoken"]
    with django_capture_on_commit_callbacks(execute=True):
        accepted = browser.post(url, data)
    assert accepted.status_code == 200
    invited.refresh_from_db()
    assert invited.answer == Answer.DECLINED
