"""The admin in its reader's words: ambiguous short words told apart by context, counts in plural forms, every form
label translated (issue 18, section 1)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from meetings.models import AgendaItem
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "menu", "not_menu"),
    [("fr", "Procès-verbaux", "Minutes"), ("nl", "Notulen", "Minuten"), ("de", "Protokolle", "Minuten")],
)
def test_the_admin_menu_calls_meeting_minutes_by_their_name_not_a_durations_unit(
    staff_client, language, menu, not_menu
):
    page = staff_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    link = re.search(r'<a href="/admin/knowledge/minutes/"[^>]*>([^<]+)</a>', page)
    assert link is not None, page[:300]
    assert link.group(1).strip() == menu
    assert not_menu not in link.group(1)


def test_an_agenda_items_duration_is_still_in_minutes():
    field = AgendaItem._meta.get_field("duration_minutes")
    for language, word in (("fr", "minutes"), ("nl", "minuten"), ("de", "Minuten")):
        with translation.override(language):
            assert str(field.verbose_name) == word


@pytest.mark.parametrize(("language", "label"), [("fr", "Réunion"), ("nl", "Vergadering"), ("de", "Sitzung")])
def test_the_add_invitation_form_labels_the_meeting_in_the_readers_language(staff_client, language, label):
    page = staff_client.get(reverse("admin:meetings_invitation_add"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    tag = re.search(r'<label[^>]*for="id_meeting"[^>]*>([^<]*)</label>', page)
    assert tag is not None
    assert tag.group(1).startswith(label), tag.group(1)
    assert "Meeting" not in tag.group(1)


@pytest.mark.parametrize(
    ("count", "question", "done"),
    [
        (1, "Envoyer 1 invitation maintenant\u00a0?", "1 invitation envoyée."),
        (3, "Envoyer 3 invitations maintenant\u00a0?", "3 invitations envoyées."),
    ],
)
def test_sending_says_how_many_invitations_in_the_right_plural_form(staff_client, count, question, done):
    meeting = factories.meeting()
    for _n in range(count):
        factories.invitation(meeting, factories.director())
    url = reverse("admin:meetings_meeting_send", args=[meeting.pk])
    page = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert question in page
    response = staff_client.post(url, HTTP_ACCEPT_LANGUAGE="fr", follow=True)
    assert done in response.content.decode()


@pytest.mark.parametrize(("count", "done"), [(1, "1 Einladung zurückgezogen."), (2, "2 Einladungen zurückgezogen.")])
def test_withdrawing_says_how_many_in_the_right_plural_form(staff_client, count, done):
    meeting = factories.meeting()
    invitations = [factories.invitation(meeting, factories.director()) for _n in range(count)]
    response = staff_client.post(
        reverse("admin:meetings_invitation_changelist"),
        {"action": "withdraw", "_selected_action": [i.pk for i in invitations]},
        HTTP_ACCEPT_LANGUAGE="de",
        follow=True,
    )
    assert done in response.content.decode()
