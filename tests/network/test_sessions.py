"""Idle sessions: a session ends SESSION_IDLE_MINUTES after its last request, yet is not written on every page view
(IdleSessionMiddleware renews it once a twelfth of that time has passed)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.services import open_account
from tests import factories

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
IDLE = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)


@pytest.fixture
def director_client(client):
    person = factories.director(factories.country("BE", name_en="Belgium"))
    client.force_login(open_account(person))
    return client


def _session_writes(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return sum(q["sql"].startswith(('UPDATE "django_session"', 'INSERT INTO "django_session"')) for q in captured)


def _expiry(client) -> datetime.datetime:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).expire_date


def test_page_views_within_a_twelfth_of_the_idle_time_do_not_write_the_session(director_client):
    url = reverse("portal:profile")
    with time_machine.travel(T0, tick=False) as clock:
        assert _session_writes(director_client, url) == 1  # the first view stamps the session
        for _ in range(4):
            clock.shift(IDLE / 12 / 5)
            assert _session_writes(director_client, url) == 0


def test_a_session_in_use_is_renewed_and_outlives_the_idle_time(director_client):
    url = reverse("portal:profile")
    with time_machine.travel(T0, tick=False) as clock:
        director_client.get(url)
        first = _expiry(director_client)
        assert first == timezone.now() + IDLE
        # Busy for twice the idle time, a request every sixth of it: never signed out.
        for _ in range(12):
            clock.shift(IDLE / 6)
            response = director_client.get(url)
            assert response.status_code == 200
        assert _expiry(director_client) == timezone.now() + IDLE
        assert director_client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE


def test_a_session_idle_for_the_idle_time_ends(director_client):
    url = reverse("portal:profile")
    with time_machine.travel(T0, tick=False) as clock:
        director_client.get(url)
        clock.shift(IDLE / 24)  # within the twelfth: not renewed
        assert director_client.get(url).status_code == 200
        clock.shift(IDLE - IDLE / 24 + datetime.timedelta(seconds=1))
        response = director_client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_an_anonymous_visitor_gets_no_session(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.count() == 0
