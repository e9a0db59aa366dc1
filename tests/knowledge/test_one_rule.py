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
