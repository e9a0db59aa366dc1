"""Random input at the forms and the answer links (hypothesis): never a 500, never a change without a valid token."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetings import links, services
from meetings.models import Invitation
from members.services import open_account
from tests import factories

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2027, 3, 1, 12, 0, tzinfo=factories.BRUSSELS)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
text = st.text(max_size=300)
choices = st.sampled_from(["accept", "accept-in-person", "accept-online", "decline", "substitute", "", "x" * 50])


@pytest.fixture
def invitation():
    with time_machine.travel(NOW, tick=False):
        director = factories.director(factories.country("FR"))
        meeting = factories.meeting()
        invitation = services.invite(meeting, director)
        services.send_invitations(meeting)
    return invitation


@FUZZ
@given(token=text, choice=choices, remarks=text)
def test_answer_links_with_random_tokens_never_fail_nor_change(client, invitation, token, choice, remarks):
    with time_machine.travel(NOW, tick=False):
        url = "/answer/" + "".join(c for c in token if c not in "/?#%\\") + "x/"
        assert client.get(url).status_code in (400, 404)
        assert client.post(url, {"choice": choice, "remarks": remarks}).status_code in (400, 404)
    assert Invitation.objects.get(pk=invitation.pk).answer == "pending"


@FUZZ
@given(choice=choices, remarks=text, substitute=st.one_of(st.none(), st.integers(-5, 10**9), text))
def test_answer_form_with_random_input_never_fails(client, invitation, choice, remarks, substitute):
    with time_machine.travel(NOW, tick=False):
        url = links.answer_url(invitation).replace("http://127.0.0.1:8000", "")
        data = {"choice": choice, "remarks": remarks}
        if substitute is not None:
            data["substitute"] = substitute
        response = client.post(url, data)
        assert response.status_code in (200, 400)
    answer = Invitation.objects.get(pk=invitation.pk).answer
    assert answer in ("pending", "accepted", "declined")


@FUZZ
@given(
    title=text,
    body=text,
    language=st.sampled_from(["en", "fr", "nl", "de", "", "xx"]),
    phase=st.sampled_from(["response", "recovery", "", "bad"]),
)
def test_lesson_form_with_random_input_never_fails(client, invitation, title, body, language, phase):
    client.force_login(open_account(invitation.person))
    response = client.post(
        reverse("portal:lesson_new"),
        {"original_language": language, "title": title, "text": body, "phase": phase, "save": "1"},
    )
    assert response.status_code in (302, 400)


@FUZZ
@given(title=text, phone=text, language=st.text(max_size=5), zone=st.text(max_size=40), q=text)
def test_profile_and_search_with_random_input_never_fail(client, invitation, title, phone, language, zone, q):
    client.force_login(open_account(invitation.person))
    response = client.post(
        reverse("portal:profile"), {"title": title, "phone": phone, "preferred_language": language, "time_zone": zone}
    )
    assert response.status_code in (302, 400)
    assert client.get(reverse("portal:lessons"), {"q": q, "country": q[:5], "phase": q[:8]}).status_code == 200
    assert client.get(reverse("portal:directory"), {"q": q, "country": q[:3]}).status_code == 200
