import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from logistics import polls
from logistics.enums import PollChoice, PollStatus
from logistics.models import DatePoll, PollAnswer
from meetings.enums import MeetingStatus
from members.enums import Role
from members.services import open_account
from outbox.models import MessageKind, OutgoingMessage
from tests import factories

pytestmark = pytest.mark.django_db
Y, M, N = PollChoice.YES, PollChoice.IF_NEED_BE, PollChoice.NO


def slot_at(day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2027, 4, day, hour, tzinfo=factories.BRUSSELS)


@pytest.fixture
def poll(db):
    be = factories.director(factories.country("BE"), first_name="Anne", last_name="Peeters")
    fr = factories.director(
        factories.country("FR"),
        first_name="Claire",
        last_name="Dubois",
        preferred_language="fr",
        time_zone="Europe/Paris",
    )
    nl = factories.director(factories.country("NL"), first_name="Sanne", last_name="de Vries", preferred_language="nl")
    made = DatePoll.objects.create(title_en="Brussels meeting", duration_minutes=360)
    made.countries.set([be.organisation.country, fr.organisation.country, nl.organisation.country])
    slots = [made.slots.create(starts_at=slot_at(day)) for day in (27, 28)]
    return {"poll": made, "be": be, "fr": fr, "nl": nl, "slots": slots}


def _answer(world, who, *choices):
    country = polls.country_answered_by(world[who], world["poll"])
    return polls.answer(
        world["poll"],
        country=country,
        choices=dict(zip([s.pk for s in world["slots"]], choices, strict=True)),
        by=world[who],
    )


def test_director_deputy_and_assistant_answer_for_their_country_a_contact_point_does_not(poll):
    country = poll["be"].organisation.country
    deputy = factories.person(poll["be"].organisation)
    factories.mandate(deputy, role=Role.DEPUTY)
    assistant = factories.person(poll["be"].organisation)
    factories.mandate(assistant, role=Role.ASSISTANT)
    contact = factories.person(poll["be"].organisation)
    factories.mandate(contact, role=Role.CONTACT_POINT)
    outsider = factories.director(factories.country("DE"))

    assert [polls.country_answered_by(p, poll["poll"]) for p in (poll["be"], deputy, assistant)] == [country] * 3
    assert polls.country_answered_by(contact, poll["poll"]) is None
    assert polls.country_answered_by(outsider, poll["poll"]) is None


def test_answers_change_in_place_and_the_grid_totals_them(poll):
    _answer(poll, "be", Y, N)
    _answer(poll, "be", M, Y)  # changed
    _answer(poll, "fr", Y, Y)

    grid = polls.grid(poll["poll"])

    assert PollAnswer.objects.count() == 4
    assert [(c.code, cells) for c, cells in grid.rows] == [("BE", [M, Y]), ("FR", [Y, Y]), ("NL", ["", ""])]
    assert grid.totals == [{"yes": 1, "if_need_be": 1, "no": 0}, {"yes": 2, "if_need_be": 0, "no": 0}]
    assert [c.code for c in grid.missing] == ["NL"]


def test_a_closed_poll_takes_no_answer(poll):
    polls.choose(poll["poll"], poll["slots"][1])
    with pytest.raises(ValidationError) as refused:
        _answer(poll, "be", Y, Y)
    assert refused.value.code == "closed"
    assert not PollAnswer.objects.exists()


def test_a_slot_of_another_poll_or_a_bad_choice_is_refused(poll):
    other = DatePoll.objects.create(title_en="Other")
    stray = other.slots.create(starts_at=slot_at(29))
    country = poll["be"].organisation.country
    for choices in ({stray.pk: Y}, {poll["slots"][0].pk: "maybe"}):
        with pytest.raises(ValidationError):
            polls.answer(poll["poll"], country=country, choices=choices, by=None)
    assert not PollAnswer.objects.exists()


def test_reminders_go_to_countries_not_answered_in_their_language_and_zone(poll, django_capture_on_commit_callbacks):
    _answer(poll, "be", Y, Y)

    assert polls.remind(poll["poll"]) == 2
    assert polls.remind(poll["poll"]) == 0  # once a day

    rows = {m.person_id: m for m in OutgoingMessage.objects.filter(kind=MessageKind.POLL_REMINDER)}
    assert set(rows) == {poll["fr"].pk, poll["nl"].pk}
    french, dutch = rows[poll["fr"].pk], rows[poll["nl"].pk]
    assert (french.language, dutch.language) == ("fr", "nl")
    assert "27 avril 2027, 10:00 (Europe/Paris)" in french.body_text
    token = re.search(r"/poll/([^/\s]+)/", french.body_text)[1]
    assert polls.from_token(token) == (poll["poll"], poll["fr"])  # her own signed link


def test_choosing_a_slot_closes_the_poll_creates_the_draft_and_sends_save_the_date(poll):
    meeting = polls.choose(poll["poll"], poll["slots"][1])

    poll["poll"].refresh_from_db()
    assert (poll["poll"].status, poll["poll"].chosen_slot, poll["poll"].meeting) == (
        PollStatus.CLOSED,
        poll["slots"][1],
        meeting,
    )
    assert (meeting.status, meeting.starts_at, meeting.ends_at, meeting.time_zone) == (
        MeetingStatus.DRAFT,
        slot_at(28),
        slot_at(28, 16),
        "Europe/Brussels",
    )
    sent = OutgoingMessage.objects.filter(kind=MessageKind.SAVE_THE_DATE).order_by("to")
    assert sent.count() == 3
    attachment = sent[0].attachments[0]
    assert attachment["filename"] == "save-the-date.ics"
    assert "DTSTART;TZID=Europe/Brussels:20270428T100000" in attachment["content"]
    assert OutgoingMessage.objects.get(person=poll["nl"], kind=MessageKind.SAVE_THE_DATE).language == "nl"


def test_choosing_fills_an_existing_draft(poll):
    draft = factories.meeting(title_en="Brussels meeting", starts_at=slot_at(1))
    poll["poll"].meeting = draft
    poll["poll"].save()

    polls.choose(poll["poll"], poll["slots"][0])

    draft.refresh_from_db()
    assert (draft.starts_at, draft.ends_at) == (slot_at(27), slot_at(27, 16))


def test_signed_link_shows_on_get_and_records_only_on_post(poll, client):
    url = reverse("logistics:poll_link", args=[polls.token_for(poll["poll"], poll["nl"])])
    fields = {f"slot_{s.pk}": Y for s in poll["slots"]}

    page = client.get(url, fields)
    assert page.status_code == 200
    assert page["Content-Language"] == "nl"
    assert not PollAnswer.objects.exists()

    response = client.post(url, fields)

    assert response.status_code == 200
    assert set(PollAnswer.objects.values_list("country__code", "choice")) == {("NL", Y)}
    assert client.get(url[:-5] + "xxxx/").status_code == 400


def test_portal_poll_page_shows_the_grid_to_those_asked_only(poll, client, django_assert_max_num_queries):
    _answer(poll, "fr", Y, N)
    url = reverse("portal:poll", args=[poll["poll"].pk])
    client.force_login(open_account(poll["be"]))

    with django_assert_max_num_queries(12):
        page = client.get(url)
    response = client.post(url, {f"slot_{s.pk}": N for s in poll["slots"]})

    assert page.status_code == 200
    assert 'id="poll-grid"' in page.content.decode()
    assert response.status_code == 302
    assert PollAnswer.objects.filter(country__code="BE", choice=N).count() == 2
    client.force_login(open_account(factories.director(factories.country("DE"))))
    assert client.get(url).status_code == 404


def test_admin_chooses_a_slot_from_the_grid(poll, staff_client):
    grid = staff_client.get(reverse("admin:logistics_datepoll_grid", args=[poll["poll"].pk]))
    response = staff_client.post(
        reverse("admin:logistics_datepoll_choose", args=[poll["poll"].pk]), {"slot": poll["slots"][1].pk}
    )

    assert grid.status_code == 200
    assert response.status_code == 302
    poll["poll"].refresh_from_db()
    assert poll["poll"].chosen_slot == poll["slots"][1]


def test_admin_refuses_a_poll_with_one_slot(poll, staff_client):
    from django.urls import reverse as url

    data = {
        "title_en": "One slot",
        "time_zone": "Europe/Brussels",
        "duration_minutes": "240",
        "countries": [poll["be"].organisation.country.pk],
        "slots-TOTAL_FORMS": "1",
        "slots-INITIAL_FORMS": "0",
        "slots-MIN_NUM_FORMS": "2",
        "slots-MAX_NUM_FORMS": "8",
        "slots-0-starts_at_0": "2027-04-27",
        "slots-0-starts_at_1": "10:00",
    }

    response = staff_client.post(url("admin:logistics_datepoll_add"), data)
    assert response.status_code == 200
    assert "Please submit at least 2 forms." in response.content.decode()
    assert not DatePoll.objects.filter(title_en="One slot").exists()

    data.update({"slots-TOTAL_FORMS": "2", "slots-1-starts_at_0": "2027-04-28", "slots-1-starts_at_1": "10:00"})
    assert staff_client.post(url("admin:logistics_datepoll_add"), data).status_code == 302
    made = DatePoll.objects.get(title_en="One slot")
    assert [s.starts_at for s in made.slots.all()] == [slot_at(27), slot_at(28)]


def test_portal_poll_page_queries_do_not_grow_with_countries(poll, client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(open_account(poll["be"]))
    url = reverse("portal:poll", args=[poll["poll"].pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for code in ("DE", "IT", "ES", "PL", "SE", "AT", "CZ", "DK"):
        director = factories.director(factories.country(code))
        poll["poll"].countries.add(director.organisation.country)
        _answer(poll | {"x": director}, "x", Y, N)

    with django_assert_num_queries(len(few)):
        page = client.get(url)

    assert page.content.decode().count("answer-yes") == 8
