"""The questionnaires attached to a meeting's agenda item or to a lesson learned, on the portal's meeting and lesson
pages: each with its title in the reader's language, its deadline in the reader's time zone, and the links the
reader may use (answer for their country while it is open and their country is asked; the results as the
questionnaire's visibility says). Drafts are never shown; the queries do not grow with the questionnaires."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from meetings.enums import MeetingStatus
from members.models import Person
from members.services import open_account
from questionnaires import services
from questionnaires.enums import ResultsVisibility
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 3, 1, 12, 0, tzinfo=datetime.UTC)
DEADLINE = datetime.datetime(2027, 3, 20, 16, 0, tzinfo=datetime.UTC)  # 17:00 in Brussels, 18:00 in Helsinki


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


@pytest.fixture
def world(staff):
    """Belgium (its director reads French, in Helsinki's time zone) and Germany are asked; France is a member country
    not asked. A meeting every director is invited to, its agenda item with an open questionnaire (and a draft one),
    and an item of another meeting with a questionnaire of its own."""
    centres = {code: factories.alert_centre(code, language=lang) for code, lang in (("BE", "fr"), ("DE", "de"))}
    centres["FR"] = factories.alert_centre("FR", language="en")
    Person.objects.filter(email="dg@be.example").update(time_zone="Europe/Helsinki")
    meeting = factories.meeting(status=MeetingStatus.INVITED)
    for code in centres:
        factories.sent_invitation(meeting, Person.objects.get(email=f"dg@{code.lower()}.example"))
    item = factories.agenda_item(meeting, title_en="Receiving people who fled Ukraine")
    plain = factories.agenda_item(meeting, title_en="Tour de table")
    questionnaire = factories.questionnaire(
        staff, title_en="Reception capacity", title_fr="Capacité d’accueil", deadline=DEADLINE, agenda_item=item
    )
    questionnaire.countries.set([centres["BE"].country, centres["DE"].country])
    services.open_questionnaire(questionnaire)
    factories.questionnaire(staff, title_en="Still a draft", agenda_item=item)
    elsewhere = factories.agenda_item(factories.meeting(title_en="Autumn meeting"))
    other = factories.questionnaire(staff, title_en="Another meeting's questionnaire", agenda_item=elsewhere)
    services.open_questionnaire(other)
    return {"meeting": meeting, "item": item, "plain": plain, "questionnaire": questionnaire}


def reader(client, email: str):
    client.force_login(open_account(Person.objects.get(email=email)))
    return client


def links(html: str) -> set[str]:
    return set(re.findall(r'href="(/questionnaires/\d+/[^"]*)"', html))


def answer_url(questionnaire) -> str:
    return reverse("portal:questionnaire_answer", args=[questionnaire.pk])


def results_url(questionnaire) -> str:
    return reverse("portal:questionnaire_results", args=[questionnaire.pk])


def agenda_item_html(html: str, title: str) -> str:
    """The agenda's entry of the item titled ``title`` (up to the next entry: its questionnaires are a list inside)."""
    entry = rf"<li[^>]*><time>[^<]*</time><span><strong>[^<]*</strong> {title}.*?</li>(?=<li[^>]*><time>|</ol>)"
    return re.search(entry, html, re.S).group(0)


def deadline_in(zone: str, language: str) -> str:
    with translation.override(language):
        return formats.date_format(timezone.localtime(DEADLINE, zoneinfo.ZoneInfo(zone)), "DATETIME_FORMAT")


def test_a_director_of_an_asked_country_sees_it_under_its_agenda_item_in_their_language_and_zone(client, world):
    html = reader(client, "dg@be.example").get(reverse("portal:meeting", args=[world["meeting"].pk])).content.decode()

    entry = agenda_item_html(html, "Receiving people who fled Ukraine")
    assert "Capacité d’accueil" in entry
    assert f"{deadline_in('Europe/Helsinki', 'fr')}</time> (Europe/Helsinki)" in entry
    assert links(entry) == {answer_url(world["questionnaire"]), results_url(world["questionnaire"])}
    assert "Still a draft" not in html and "Another meeting's questionnaire" not in html
    assert "attached-questionnaires" not in agenda_item_html(html, "Tour de table")
    assert links(html) == links(entry)


@pytest.mark.parametrize(
    "visibility, shows_results",
    [(ResultsVisibility.MEMBERS, True), (ResultsVisibility.ANSWERED, False), (ResultsVisibility.SECRETARIAT, False)],
)
def test_a_director_of_a_country_not_asked_gets_the_results_link_as_the_visibility_says(
    client, world, visibility, shows_results
):
    world["questionnaire"].__class__.objects.filter(pk=world["questionnaire"].pk).update(visibility=visibility)

    html = reader(client, "dg@fr.example").get(reverse("portal:meeting", args=[world["meeting"].pk])).content.decode()

    entry = agenda_item_html(html, "Receiving people who fled Ukraine")
    assert "Reception capacity" in entry  # listed for every member, as on the questionnaires page
    assert f"{deadline_in('Europe/Brussels', 'en')}</time> (Europe/Brussels)" in entry
    assert links(entry) == ({results_url(world["questionnaire"])} if shows_results else set())
    follow = client.get(results_url(world["questionnaire"]))
    assert follow.status_code == (200 if shows_results else 403)  # the link is there exactly when it opens


def test_a_director_of_an_asked_country_reads_the_results_of_the_countries_that_answered_once_theirs_is_in(
    client, world
):
    questionnaire = world["questionnaire"]
    questionnaire.__class__.objects.filter(pk=questionnaire.pk).update(visibility=ResultsVisibility.ANSWERED)
    page = reverse("portal:meeting", args=[world["meeting"].pk])
    reader(client, "dg@de.example")
    assert links(client.get(page).content.decode()) == {answer_url(questionnaire)}

    questionnaire.refresh_from_db()
    services.save_answer(
        questionnaire,
        factories.country("DE"),
        person=Person.objects.get(email="dg@de.example"),
        data={
            f"q{q.pk}": v
            for q, v in zip(questionnaire.questions.order_by("position"), ["800", "no", ["1"], ""], strict=True)
        },
        language="de",
        submit=True,
    )

    assert links(client.get(page).content.decode()) == {answer_url(questionnaire), results_url(questionnaire)}


def test_a_questionnaire_closed_now_shows_no_answer_link_and_says_answers_are_closed(client, world):
    services.close_now(world["questionnaire"])

    html = reader(client, "dg@be.example").get(reverse("portal:meeting", args=[world["meeting"].pk])).content.decode()

    entry = agenda_item_html(html, "Receiving people who fled Ukraine")
    with translation.override("fr"):
        closed = translation.gettext("answers closed")
    assert closed in entry
    assert links(entry) == {results_url(world["questionnaire"])}
    assert deadline_in("Europe/Helsinki", "fr") not in entry  # its deadline is now the moment it closed


def test_the_secretariat_sees_the_results_link_and_no_answer_link(staff_client, world):
    html = staff_client.get(reverse("portal:meeting", args=[world["meeting"].pk])).content.decode()

    entry = agenda_item_html(html, "Receiving people who fled Ukraine")
    assert links(entry) == {results_url(world["questionnaire"])}
    assert "(Europe/Brussels)" in entry  # no zone of their own: the questionnaire's


def test_the_meeting_page_queries_do_not_grow_with_the_attached_questionnaires(client, world, staff):
    # Its results for the countries that answered: the reader's country's answers are read (once) from the start.
    world["questionnaire"].__class__.objects.filter(pk=world["questionnaire"].pk).update(
        visibility=ResultsVisibility.ANSWERED
    )
    reader(client, "dg@be.example")
    page = reverse("portal:meeting", args=[world["meeting"].pk])
    client.get(page)  # warm-up: the session is written on the first request
    with CaptureQueriesContext(connection) as one:
        client.get(page)

    for n in range(6):  # on both items, some for the countries that answered, some not asked
        questionnaire = factories.questionnaire(
            staff,
            title_en=f"Follow-up {n}",
            agenda_item=world["item"] if n % 2 else world["plain"],
            visibility=ResultsVisibility.ANSWERED if n % 3 else ResultsVisibility.MEMBERS,
        )
        questionnaire.countries.set([factories.country("DE" if n % 2 else "BE")])
        services.open_questionnaire(questionnaire)

    with CaptureQueriesContext(connection) as seven:
        html = client.get(page).content.decode()

    assert html.count("Follow-up ") == 6 and "Capacité d’accueil" in html
    assert len(seven) == len(one), "\n".join(q["sql"][:200] for q in seven.captured_queries)
    assert len(one) <= 15  # the portal's page budget (tests/network/test_query_budget.py)


def test_the_lesson_page_shows_the_questionnaires_asked_about_it_the_same_way(client, world, staff):
    author = Person.objects.get(email="dg@fr.example")
    lesson = factories.lesson(author)
    world["questionnaire"].__class__.objects.filter(pk=world["questionnaire"].pk).update(lesson=lesson)
    factories.questionnaire(staff, title_en="Still a draft about the lesson", lesson=lesson)
    page = reverse("portal:lesson", args=[lesson.pk])

    asked = reader(client, "dg@be.example").get(page).content.decode()
    assert "Capacité d’accueil" in asked and "Still a draft" not in asked
    assert f"{deadline_in('Europe/Helsinki', 'fr')}</time> (Europe/Helsinki)" in asked
    assert links(asked) == {answer_url(world["questionnaire"]), results_url(world["questionnaire"])}

    not_asked = reader(client, "dg@fr.example").get(page).content.decode()
    assert "Reception capacity" in not_asked
    assert links(not_asked) == {results_url(world["questionnaire"])}


def test_the_lesson_page_queries_do_not_grow_with_the_questionnaires(
    client, world, staff, django_assert_max_num_queries
):
    author = Person.objects.get(email="dg@be.example")
    lesson = factories.lesson(author)
    reader(client, "dg@be.example")
    page = reverse("portal:lesson", args=[lesson.pk])
    client.get(page)
    with CaptureQueriesContext(connection) as none:
        client.get(page)
    for n in range(5):
        questionnaire = factories.questionnaire(
            staff, title_en=f"About the lesson {n}", lesson=lesson, visibility=ResultsVisibility.ANSWERED
        )
        services.open_questionnaire(questionnaire)

    # Four more than without any: the questionnaires, the reader's seat, the countries chosen, their answers.
    with django_assert_max_num_queries(len(none) + 4):
        html = client.get(page).content.decode()
    assert len(links(html)) == 5  # each with its answer link only (Belgium has not answered)
