"""Each rule of the knowledge base lives in one function: these tests pin it, and that the admin follows it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from knowledge import services as knowledge
from knowledge.models import Action, ActionStatus, ActionUpdate, Conclusion
from tests import factories
from tests.helpers import form_data

pytestmark = pytest.mark.django_db


def _action() -> Action:
    conclusion = Conclusion.objects.create(meeting=factories.meeting(), number=1, text_en="Exchange more.")
    return Action.objects.create(
        conclusion=conclusion, title_en="Hold an exchange", owner_secretariat=True, due_date=datetime.date(2027, 6, 1)
    )


# --- An action's status change with its note ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "note", "message"),
    [
        ("finished", "Done.", "Choose a status."),
        ("done", "   ", "Add a short progress note."),
        ("done", "x" * 501, "A progress note has at most 500 characters."),
    ],
)
def test_check_action_update_refuses_a_bad_status_or_note(status, note, message):
    with pytest.raises(ValidationError) as raised:
        knowledge.check_action_update(status=status, note=note)
    assert raised.value.messages == [message]


def test_check_action_update_returns_the_stripped_note():
    assert knowledge.check_action_update(status="done", note="  Held in Warsaw. ") == "Held in Warsaw."


def _post_action(client, action, **changes):
    url = reverse("admin:knowledge_action_change", args=[action.pk])
    data = form_data(client.get(url).content, "action_form")
    data.update(changes)
    return client.post(url, data)


def test_admin_status_change_is_recorded_through_the_service(staff_client, staff):
    action = _action()
    response = _post_action(staff_client, action, status="done", progress_note="  Exchange held in Warsaw. ")
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    update = ActionUpdate.objects.get(action=action)
    assert (update.status, update.note, update.by) == ("done", "Exchange held in Warsaw.", staff)
    assert action.history.first().status == "done"  # the change's history row says the same


def test_admin_status_change_without_a_note_is_refused_with_the_services_words(staff_client):
    action = _action()
    response = _post_action(staff_client, action, status="done", progress_note="")
    assert response.status_code == 200
    assert "Add a short progress note." in response.content.decode()
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN
    assert ActionUpdate.objects.filter(action=action).count() == 0


# --- Rich text ----------------------------------------------------------------------------------------------------

SCRIPTED = '<p onclick="x()">Hi<script>alert(1)</script></p>'


def test_minutes_and_news_are_cleaned_on_every_save_in_every_language():
    from knowledge.models import Minutes, NewsItem

    meeting = factories.meeting()
    minutes = Minutes.objects.create(meeting=meeting, text_en=SCRIPTED, text_fr=SCRIPTED)
    item = NewsItem.objects.create(slug="spring", title_en="Spring", body_en=SCRIPTED, body_de=SCRIPTED)
    minutes.refresh_from_db()
    item.refresh_from_db()
    assert (minutes.text_en, minutes.text_fr) == ("<p>Hi</p>", "<p>Hi</p>")
    assert (item.body_en, item.body_de) == ("<p>Hi</p>", "<p>Hi</p>")


def test_rich_text_written_around_save_is_still_shown_clean():
    from django.utils import translation

    from knowledge.models import NewsItem

    item = NewsItem.objects.create(slug="spring", title_en="Spring", body_en="<p>ok</p>")
    NewsItem.objects.filter(pk=item.pk).update(body_en=SCRIPTED)  # a bulk update skips save()
    item.refresh_from_db()
    with translation.override("en"):
        assert item.body_html == "<p>Hi</p>"


def test_admin_news_body_is_cleaned_by_the_model(staff_client):
    from knowledge.models import NewsItem

    item = NewsItem.objects.create(slug="spring", title_en="Spring", body_en="<p>ok</p>")
    url = reverse("admin:knowledge_newsitem_change", args=[item.pk])
    data = form_data(staff_client.get(url).content, "newsitem_form")
    data["body_en"] = SCRIPTED
    assert staff_client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert item.body_en == "<p>Hi</p>"
