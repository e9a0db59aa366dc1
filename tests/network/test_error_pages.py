"""The server-error page: rendered without the database, in the visitor's language; 503 with Retry-After when the
database cannot be reached (the full path under load is in test_faults_under_load.py)."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from network.errors import server_error


def _page(rf, error: Exception, language: str):
    request = rf.get("/", HTTP_ACCEPT_LANGUAGE=language)
    try:
        raise error
    except Exception:
        return server_error(request)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Briefly unavailable"),
        ("fr", "Momentanément indisponible"),
        ("nl", "Even niet bereikbaar"),
        ("de", "Kurz nicht erreichbar"),
    ],
)
def test_an_unreachable_database_gives_a_503_that_says_to_try_again(rf, language, words):
    response = _page(rf, OperationalError("could not connect to server"), language)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert words in page and f'lang="{language}"' in page


def test_any_other_error_gives_a_500_that_says_it_was_logged(rf):
    response = _page(rf, ValueError("boom"), "de")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Serverfehler" in response.content.decode()
    assert "boom" not in response.content.decode()
