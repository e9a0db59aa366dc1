"""Portal pages kept per reader (members/pagecache.py): a reload costs the stack's queries only, yet every change
shows at once, nobody gets another reader's page or another browser's form tokens, and messages show once."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from knowledge import services as knowledge
from knowledge.models import LessonLearned
from meetings import services
from meetings.models import Meeting, OutgoingMessage
from meetings.models.outbox import MessageKind
from members import pagecache
from members.models import Person
from members.services import open_account
from tests import factories

pytestmark = pytest.mark.django_db

# The stack's own queries on every request: session, user, person; then one for the kept page and its generation.
RELOAD_QUERIES = 4


@pytest.fixture
def network():
    be = factories.country("BE", name_en="Belgium")
    fr = factories.country("FR", name_en="France")
    dana = factories.director(be, first_name="Dana", last_name="Claes")
    claire = factories.director(fr, first_name="Claire", last_name="Dubois", preferred_language="fr")
    meeting = factories.meeting(title_en="Spring meeting")
    services.invite(meeting, dana)
    services.send_invitations(meeting)
    lesson = knowledge.save_lesson(
        LessonLearned(
            original_language="en",
            title_en="Shelter coordination with municipalities",
            text_en="Agree the numbers every morning.",
            country=be,
            status="shared",
        )
    )
    return {"dana": dana, "claire": claire, "meeting": meeting, "lesson": lesson}


def _reader(person, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(open_account(person) if person.user_id is None else person.user)
    return client


def _get(client, url: str):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, len(captured)


def _warm(client, url: str):
    """The first view sets the browser's CSRF cookie, the second keeps the page."""
    client.get(url)
    return _get(client, url)


def test_a_reload_is_the_kept_page_at_the_cost_of_the_stack_alone(network):
    dana = _reader(network["dana"])
    url = reverse("portal:dashboard")
    kept, render_queries = _warm(dana, url)

    again, reload_queries = _get(dana, url)

    assert again.content == kept.content
    assert "Spring meeting" in again.content.decode()
    assert reload_queries == RELOAD_QUERIES < render_queries
    assert again["Cache-Control"] == kept["Cache-Control"]
    assert "no-store" in again["Cache-Control"]


def test_a_change_shows_on_the_next_view(network):
    dana = _reader(network["dana"])
    meeting_url = reverse("portal:meeting", args=[network["meeting"].pk])
    meetings_url = reverse("portal:meetings")
    _warm(dana, meeting_url)
    _warm(dana, meetings_url)

    meeting = Meeting.objects.get(pk=network["meeting"].pk)
    meeting.title_en = "Spring meeting (moved to Ghent)"
    meeting.save()
    assert "moved to Ghent" in dana.get(meeting_url).content.decode()

    # A bulk update (no signals): a new meeting's invitations go out and it appears in Dana's list.
    autumn = factories.meeting(title_en="Autumn meeting", starts_at=meeting.starts_at + datetime.timedelta(days=90))
    services.invite(autumn, network["dana"])
    _warm(dana, meetings_url)
    services.send_invitations(autumn)
    assert "Autumn meeting" in dana.get(meetings_url).content.decode()


def test_each_reader_gets_the_page_rendered_for_them(network):
    dana, claire = _reader(network["dana"]), _reader(network["claire"])
    url = reverse("portal:meetings")
    dana_page, _queries = _warm(dana, url)
    claire_page, _queries = _warm(claire, url)

    assert "Spring meeting" in dana_page.content.decode()
    assert "Spring meeting" not in claire_page.content.decode()  # Claire is not invited
    assert 'lang="fr"' in claire_page.content.decode()
    assert _get(claire, url)[0].content == claire_page.content


def test_another_browser_of_the_same_reader_gets_form_tokens_it_can_post(network):
    url = reverse("portal:lesson", args=[network["lesson"].pk])
    _warm(_reader(network["dana"]), url)

    laptop = _reader(network["dana"], enforce_csrf_checks=True)
    laptop.get(url)
    page, _queries = _get(laptop, url)
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

    response = laptop.post(url, {"csrfmiddlewaretoken": token, "text": "We did the same in Ghent."})

    assert response.status_code == 302
    assert network["lesson"].comments.get().text == "We did the same in Ghent."


def test_a_message_shows_once_and_the_page_after_it_is_fresh(network):
    dana = _reader(network["dana"])
    url = reverse("portal:lesson", args=[network["lesson"].pk])
    _warm(dana, url)

    dana.post(url, {"text": "We did the same in Ghent."})
    with_message = dana.get(url).content.decode()
    after = dana.get(url).content.decode()

    assert "Your comment is added." in with_message
    assert "Your comment is added." not in after
    assert "We did the same in Ghent." in after


def test_changing_language_gives_the_page_in_that_language(network):
    dana = _reader(network["dana"])
    url = reverse("portal:dashboard")
    english, _queries = _warm(dana, url)
    dana.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"

    german = dana.get(url).content.decode()

    assert 'lang="en"' in english.content.decode()
    assert 'lang="de"' in german
    assert "Sitzungen" in german


def test_pages_are_kept_no_longer_than_portal_cache_seconds(network):
    url = reverse("portal:dashboard")
    with time_machine.travel(datetime.datetime(2027, 1, 4, 9, 0, tzinfo=datetime.UTC), tick=False) as clock:
        dana = _reader(network["dana"])
        _page, render_queries = _warm(dana, url)
        assert _get(dana, url)[1] == RELOAD_QUERIES
        clock.shift(settings.PORTAL_CACHE_SECONDS + 1)
        assert _get(dana, url)[1] >= render_queries


def test_with_portal_cache_seconds_zero_every_view_renders(network, settings):
    settings.PORTAL_CACHE_SECONDS = 0
    dana = _reader(network["dana"])
    url = reverse("portal:dashboard")
    _page, first = _warm(dana, url)
    assert _get(dana, url)[1] == first > RELOAD_QUERIES


def test_a_rolled_back_change_does_not_stop_the_next_one_from_retiring_pages(network):
    dana = _reader(network["dana"])
    url = reverse("portal:meeting", args=[network["meeting"].pk])
    _warm(dana, url)
    before = cache.get(pagecache.GENERATION)
    meeting = Meeting.objects.get(pk=network["meeting"].pk)

    with pytest.raises(RuntimeError), transaction.atomic():
        meeting.title_en = "Never saved"
        meeting.save()
        assert cache.get(pagecache.GENERATION) != before
        raise RuntimeError("rolled back")
    assert cache.get(pagecache.GENERATION) == before  # the database cache rolled back with the change
    meeting.title_en = "Saved"
    meeting.save()

    assert cache.get(pagecache.GENERATION) != before
    assert "<h1>Saved" in dana.get(url).content.decode()


def test_many_changes_in_one_transaction_retire_pages_once_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        meeting = factories.meeting(title_en="One")
        with CaptureQueriesContext(connection) as captured:
            for title in ("Two", "Three", "Four"):
                meeting.title_en = title
                meeting.save()
    cache_writes = [q for q in captured if q["sql"].startswith(('UPDATE "django_cache"', 'INSERT INTO "django_cache"'))]
    assert cache_writes == []  # the generation started with the meeting's creation is still unused
    assert sum(isinstance(c, pagecache._AfterCommit) for c in callbacks) == 1


def test_outbox_writes_keep_the_pages(network):
    cache.set(pagecache.GENERATION, "before")
    message = OutgoingMessage.objects.filter(kind=MessageKind.INVITATION).first()
    message.last_error = "421 try again later"
    message.save()
    assert cache.get(pagecache.GENERATION) == "before"


def _kept_pages() -> int:
    """Rows of the database cache (the test settings' default) that hold kept pages, expired or not."""
    prefix = cache.make_key(pagecache.PAGE_PREFIX)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_cache WHERE cache_key LIKE %s", [prefix + "%"])
        return cursor.fetchone()[0]


def test_kept_pages_are_deleted_once_expired_and_all_at_once_when_a_person_is_erased(network):
    from members.privacy import erase_person

    url = reverse("portal:directory")
    with time_machine.travel(datetime.datetime(2027, 1, 4, 9, 0, tzinfo=datetime.UTC), tick=False) as clock:
        dana = _reader(network["dana"])
        directory, _queries = _warm(dana, url)
        assert "Claire Dubois" in directory.content.decode()
        assert _kept_pages() == 1
        assert pagecache.forget() == 0  # still in its time
        clock.shift(settings.PORTAL_CACHE_SECONDS + 1)
        assert pagecache.forget() == 1
        assert _kept_pages() == 0

        _warm(dana, url)
        assert _kept_pages() == 1
        erase_person(Person.objects.get(pk=network["claire"].pk))
        assert _kept_pages() == 0
        assert "Claire Dubois" not in dana.get(url).content.decode()
