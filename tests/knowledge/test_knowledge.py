"""Lessons learned, conclusions, actions, the meeting report and the public summary."""

import datetime
import io
from types import SimpleNamespace

import pypdf
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from knowledge import services as knowledge
from knowledge.models import Action, ActionStatus, ActionUpdate, LessonAttachment, LessonLearned, Minutes, NewsItem
from meetings.enums import Presence
from meetings.models import Attendance, Meeting
from members.enums import OrganisationKind, Participation, Role
from members.models import Country
from members.services import open_account
from network.lib.richtext import sanitize
from outbox.models import OutgoingMessage
from tests import factories

pytestmark = pytest.mark.django_db
BRUSSELS = factories.BRUSSELS


@pytest.fixture
def network():
    """A small network and its meeting of 29 March 2022, held online: the directors-general of Belgium, France,
    Estonia, Germany and Poland and an observer of the Council (a dietary remark on her invitation) took part;
    Germany's deputy was not invited. The meeting has conclusions in four languages, three actions (the
    secretariat's and Belgium's done, Poland's in progress, due 28 April 2027), four lessons shared at it, each
    written in its own language (Dutch, French, English, German), three with an English translation, and its
    public summary, published."""
    belgium = factories.director(factories.country("BE"))
    france = factories.director(factories.country("FR"), first_name="Claire", last_name="Dubois")
    estonia = factories.director(factories.country("EE"))
    germany = factories.director(factories.country("DE"), first_name="Thomas", last_name="Becker")
    poland = factories.director(factories.country("PL"), first_name="Tomasz", last_name="Kowalski")
    german_deputy = factories.person(germany.organisation, first_name="Julia", last_name="Schneider")
    factories.mandate(german_deputy, Role.DEPUTY)
    council = factories.organisation(
        None, kind=OrganisationKind.EU_BODY, name_en="Council of the EU, DG External Relations", acronym_en="RELEX"
    )
    observer = factories.person(council)
    factories.mandate(observer, Role.OBSERVER)
    march = factories.held_meeting(
        [belgium, france, estonia, germany, poland],
        observers=[observer],
        remarks={observer: "Vegetarian meal, please."},
        title_en="The Ukraine crisis: first experiences",
        title_fr="La crise en Ukraine : premières expériences",
        title_nl="De Oekraïnecrisis: eerste ervaringen",
        title_de="Die Ukraine-Krise: erste Erfahrungen",
        starts_at=datetime.datetime(2022, 3, 29, 10, 0, tzinfo=BRUSSELS),
        ends_at=datetime.datetime(2022, 3, 29, 12, 30, tzinfo=BRUSSELS),
    )
    reception = factories.conclusion(
        march,
        is_public=True,
        text_en="Several countries face the same problems receiving people fleeing their country.",
        text_fr="Plusieurs pays rencontrent les mêmes problèmes d'accueil des personnes qui fuient leur pays.",
        text_nl="Verschillende landen hebben dezelfde problemen bij de opvang van mensen die hun land ontvluchten.",
        text_de="Mehrere Länder haben dieselben Probleme bei der Aufnahme der aus ihrem Land Geflüchteten.",
    )
    dialogue = factories.conclusion(
        march,
        is_public=True,
        text_en="The members will learn from each other to strengthen the dialogue with displaced people.",
        text_fr="Les membres apprendront les uns des autres pour renforcer le dialogue avec les personnes déplacées.",
        text_nl="De leden leren van elkaar om de dialoog met ontheemden te versterken.",
        text_de="Die Mitglieder lernen voneinander, um den Dialog mit Vertriebenen zu stärken.",
    )
    recorded = "Recorded from the meeting of 29 March 2022."
    factories.action(reception, due_date=datetime.date(2022, 4, 21), status="done", note=recorded)
    factories.action(
        reception,
        owner_country=belgium.organisation.country,
        due_date=datetime.date(2022, 4, 28),
        status="done",
        note=recorded,
    )
    factories.action(
        dialogue,
        title_en="Prepare a peer exchange on dialogue with displaced communities",
        owner_country=poland.organisation.country,
        due_date=datetime.date(2027, 4, 28),
        status="in_progress",
        note=recorded,
    )
    shared_at_march = {"meeting": march, "phase": "response"}
    factories.lesson(
        belgium,
        original_language="nl",
        title_nl="Eén loket voor privé-opvanginitiatieven",
        text_nl="Duizenden burgers boden opvang aan. Eén nationaal aanmeldpunt hield de aanbiedingen bij.",
        title_en="A single point of contact for private reception initiatives",
        text_en="Thousands of citizens offered housing. One national registration point kept track of the offers.",
        **shared_at_march,
    )
    factories.lesson(
        france,
        original_language="fr",
        title_fr="Informer dans la langue des personnes accueillies",
        text_fr="Les messages officiels traduits en ukrainien ont réduit les rumeurs aux points d'arrivée.",
        title_en="Inform people in their own language",
        text_en="Official messages translated into Ukrainian reduced rumours at the arrival points.",
        **shared_at_march,
    )
    factories.lesson(
        estonia,
        original_language="en",
        title_en="Rehearse the response to cyber attacks on public services",
        text_en="Centres that had rehearsed with their cyber security centre restored their channels within hours.",
        **{**shared_at_march, "phase": "preparedness"},
    )
    factories.lesson(
        germany,
        original_language="de",
        title_de="Desinformation früh erkennen und gemeinsam widerlegen",
        text_de="Ein gemeinsames Lagebild zu Falschmeldungen ermöglichte schnelle, abgestimmte Richtigstellungen.",
        title_en="Spot disinformation early and rebut it together",
        text_en="A shared picture of false reports and cyber incidents allowed quick, coordinated corrections.",
        **shared_at_march,
    )
    factories.published_news(march)
    return SimpleNamespace(march=march, france=france, germany=germany, poland=poland, german_deputy=german_deputy)


def _client_for(client, person):
    client.force_login(open_account(person))
    client.cookies["django_language"] = "en"  # read the pages in English, whatever the person's language
    return person


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("opvang", "Eén loket voor privé-opvanginitiatieven"),  # Dutch stem
        ("accueillies", "Informer dans la langue des personnes accueillies"),  # French
        ("Desinformation", "Desinformation früh erkennen und gemeinsam widerlegen"),  # German
        ("cyber attacks", "Rehearse the response to cyber attacks on public services"),
        ('"national registration point"', "Eén loket voor privé-opvanginitiatieven"),  # phrase, in the English text
    ],
)
def test_search_finds_lessons_in_any_language(network, query, expected):
    found = knowledge.search_lessons(LessonLearned.objects.all(), query, language="en")
    assert (
        expected
        in [
            lesson.title_en
            if lesson.original_language == "en"
            else getattr(lesson, f"title_{lesson.original_language}")
            for lesson in found
        ][:2]
    )


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "((",
        ")(",
        "a & | ! b",
        "-",
        "OR OR",
        "<script>alert(1)</script>",
        "':*",
        "\\",
        "x" * 500,
        "\x00\x01",
        "cyber)",
    ],
)
def test_search_never_fails_on_odd_queries(network, client, query):
    _client_for(client, network.france)
    response = client.get(reverse("portal:lessons"), {"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


@pytest.mark.postgres
def test_search_uses_the_gin_index(network):
    knowledge.index_lessons()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        sql, params = knowledge.search_lessons(
            LessonLearned.objects.all(), "cyber", language="en"
        ).query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "meetings_lesson_search_gin" in plan


@pytest.fixture
def accented(network):
    """Four lessons whose words carry accents, one per language."""
    return {
        "fr": factories.lesson(
            network.france,
            original_language="fr",
            title_fr="Sécurité civile : l'évacuation d'un hôpital",
            text_fr="La sécurité civile a organisé l'évacuation de l'hôpital en deux heures.",
        ),
        "nl": factories.lesson(
            network.france,
            original_language="nl",
            title_nl="Coördinatie van de crisiscommunicatie",
            text_nl="Eén centraal nummer voor burgers tijdens de overstroming.",
        ),
        "de": factories.lesson(
            network.germany,
            original_language="de",
            title_de="Übung der Krisenstäbe",
            text_de="Die Übung zeigte Lücken bei der Straßensperrung.",
        ),
        "en": factories.lesson(
            network.poland, title_en="The café as a warm room", text_en="A naïve plan met a real winter."
        ),
    }


ACCENTLESS_QUERIES = [
    ("securite civile", "fr"),
    ("evacuation", "fr"),
    ("hopital", "fr"),
    ("HÔPITAL", "fr"),
    ("Sécurité", "fr"),
    ("coordinatie", "nl"),
    ("een centraal nummer", "nl"),
    ("ubung", "de"),
    ("lucken", "de"),
    ("cafe", "en"),
    ("naive", "en"),
]


@pytest.mark.postgres
@pytest.mark.parametrize(("query", "language"), ACCENTLESS_QUERIES)
def test_search_ignores_accents_and_case_in_every_language(network, accented, query, language):
    for reader_language in ("en", "fr", "nl", "de"):
        found = list(knowledge.search_lessons(LessonLearned.objects.all(), query, language=reader_language))
        assert accented[language] in found, (query, reader_language)


@pytest.mark.postgres
def test_search_without_accents_highlights_the_accented_words(network, accented, client):
    _client_for(client, network.france)
    page = client.get(reverse("portal:lessons"), {"q": "hopital evacuation"}).content.decode()
    assert "<mark>hôpital</mark>" in page and "<mark>évacuation</mark>" in page


@pytest.mark.parametrize(("query", "language"), ACCENTLESS_QUERIES)
def test_word_match_search_of_the_embedded_default_ignores_accents_and_case(
    network, accented, monkeypatch, query, language
):
    monkeypatch.setattr(knowledge, "is_postgres", lambda: False)
    found = knowledge.search_lessons(LessonLearned.objects.all(), query, language="en")
    assert accented[language] in list(found)


def test_word_match_highlight_marks_the_words_as_written():
    marked = knowledge.highlight("L'évacuation de l'HÔPITAL & la Straße", "evacuation hopital strasse")
    assert marked == "L&#x27;<mark>évacuation</mark> de l&#x27;<mark>HÔPITAL</mark> &amp; la <mark>Straße</mark>"


def test_sqlite_connections_fold_text_for_the_word_match():
    """The embedded default's SQL function, on a real SQLite connection."""
    import sqlite3
    from types import SimpleNamespace as Connection

    from network.lib.fold import register_sqlite_fold

    raw = sqlite3.connect(":memory:")
    register_sqlite_fold(None, Connection(vendor="sqlite", connection=raw))
    raw.execute("CREATE TABLE lesson (text TEXT)")
    raw.executemany("INSERT INTO lesson VALUES (?)", [("Évacuation de l'hôpital",), ("Cyber attack",), (None,)])
    rows = raw.execute("SELECT text FROM lesson WHERE dg_fold(text) LIKE '%hopital%'").fetchall()
    assert rows == [("Évacuation de l'hôpital",)]


def test_word_match_search_of_the_embedded_default_finds_and_highlights(network, client, monkeypatch):
    """Without PostgreSQL's full-text search (the SQLite default) a word match stands in: it must answer too."""
    monkeypatch.setattr(knowledge, "is_postgres", lambda: False)
    _client_for(client, network.france)
    response = client.get(reverse("portal:lessons"), {"q": "opvang"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "A single point of contact for private reception initiatives" in page  # matched in its Dutch text


def test_library_highlights_matches_and_search_is_a_shareable_url(network, client):
    _client_for(client, network.france)
    url = reverse("portal:lessons") + "?q=cyber&phase=preparedness"
    page = client.get(url).content.decode()
    assert "<mark>" in page.lower() and "Rehearse the response" in page
    assert "<p>1 lesson</p>" in page  # Germany's lesson also speaks of cyber incidents, but in the response phase
    estonian = client.get(reverse("portal:lessons"), {"country": "EE"}).content.decode()
    assert estonian.count('<article class="card">') == 1 and "Rehearse the response" in estonian


def test_director_submits_previews_saves_and_shares_a_lesson(network, client):
    person = _client_for(client, network.france)
    url = reverse("portal:lesson_new")
    data = {
        "original_language": "fr",
        "title": "Un centre d'appel unique",
        "text": "<script>alert(1)</script> Un numéro unique pour les citoyens a réduit la charge du 112.",
        "phase": "response",
    }
    response = client.post(url, {**data, "preview": "1"})
    assert response.status_code == 200 and "Un centre d&#x27;appel unique" in response.content.decode()
    assert not LessonLearned.objects.filter(title_fr="Un centre d'appel unique").exists()  # a preview saves nothing
    response = client.post(url, {**data, "save": "1"})
    lesson = LessonLearned.objects.get(title_fr="Un centre d'appel unique")
    assert response.url == reverse("portal:lesson", args=[lesson.pk])
    assert (lesson.status, lesson.country, lesson.author, lesson.title_en) == (
        "draft",
        person.organisation.country,
        person,
        None,
    )
    assert lesson.in_language("title", "en") == "Un centre d'appel unique"  # shown in French until translated
    page = client.get(response.url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    # A colleague from another country does not see the draft.
    _client_for(client, network.germany)
    assert client.get(reverse("portal:lesson", args=[lesson.pk])).status_code == 404
    assert client.get(reverse("portal:lesson_edit", args=[lesson.pk])).status_code == 404  # nor that it exists
    _client_for(client, network.france)
    client.post(reverse("portal:lesson_share", args=[lesson.pk]))
    lesson.refresh_from_db()
    assert lesson.status == "shared"
    _client_for(client, network.germany)
    assert client.get(reverse("portal:lesson", args=[lesson.pk])).status_code == 200
    response = client.post(reverse("portal:lesson", args=[lesson.pk]), {"text": "Danke, sehr hilfreich."})
    assert response.status_code == 302 and lesson.comments.get().text == "Danke, sehr hilfreich."


def test_bad_lesson_input_is_refused_and_nothing_is_stored(network, client):
    _client_for(client, network.france)
    before = LessonLearned.objects.count()
    for data in (
        {"original_language": "fr", "title": "Vide", "text": "   ", "phase": "response"},
        {"original_language": "fr", "title": "Trop long", "text": "x" * 20001, "phase": "response"},
        {"original_language": "xx", "title": "Langue", "text": "Texte", "phase": "response"},
    ):
        response = client.post(reverse("portal:lesson_new"), {**data, "save": "1"})
        assert response.status_code == 400
    assert LessonLearned.objects.count() == before
    response = client.post(reverse("portal:lesson", args=[LessonLearned.objects.first().pk]), {"text": " "})
    assert response.status_code == 400 and "The comment is empty." in response.content.decode()


def test_action_owner_updates_status_with_a_note_and_history_is_kept(network, client):
    action = Action.objects.get(owner_country__code="PL")
    _client_for(client, network.france)  # France does not own it
    assert client.post(reverse("portal:action", args=[action.pk]), {"status": "done", "note": "x"}).status_code == 403
    person = _client_for(client, network.poland)
    response = client.post(reverse("portal:action", args=[action.pk]), {"status": "done", "note": ""})
    assert response.status_code == 400
    response = client.post(
        reverse("portal:action", args=[action.pk]), {"status": "done", "note": "Exchange held in Warsaw."}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    update = ActionUpdate.objects.filter(action=action).first()
    assert (update.status, update.note, update.by) == ("done", "Exchange held in Warsaw.", person.user)
    assert ActionUpdate.objects.filter(action=action).count() == 2  # the first record stays


def test_action_owner_outside_the_network_is_refused(network):
    former = Country.objects.create(code="GB", name_en="United Kingdom", participation=Participation.FORMER)
    action = Action(
        conclusion=network.march.conclusions.first(),
        title_en="x",
        owner_country=former,
        due_date=datetime.date(2027, 1, 1),
    )
    with pytest.raises(ValidationError, match="no longer in the network"):
        action.full_clean()
    action = Action(conclusion=network.march.conclusions.first(), title_en="x", due_date=datetime.date(2027, 1, 1))
    with pytest.raises(ValidationError, match="exactly one owner"):
        action.full_clean()


def test_action_owner_is_reminded_14_days_before_and_weekly_when_overdue(network):
    assert Action.objects.get(owner_country__code="PL").status == "in_progress"  # due 28 April 2027
    with time_machine.travel(datetime.datetime(2027, 4, 1, 9, tzinfo=BRUSSELS), tick=False):
        assert knowledge.send_action_reminders() == 0  # 27 days before
    with time_machine.travel(datetime.datetime(2027, 4, 14, 9, tzinfo=BRUSSELS), tick=False):
        assert knowledge.send_action_reminders() == 1
        assert knowledge.send_action_reminders() == 0
    message = OutgoingMessage.objects.get(kind="action_reminder")
    assert message.to == network.poland.email and "28" in message.subject
    with time_machine.travel(datetime.datetime(2027, 5, 3, 9, tzinfo=BRUSSELS), tick=False):
        assert knowledge.send_action_reminders() == 1  # overdue, first week
        assert knowledge.send_action_reminders() == 0
    with time_machine.travel(datetime.datetime(2027, 5, 6, 9, tzinfo=BRUSSELS), tick=False):
        assert knowledge.send_action_reminders() == 0  # same week
    with time_machine.travel(datetime.datetime(2027, 5, 10, 9, tzinfo=BRUSSELS), tick=False):
        assert knowledge.send_action_reminders() == 1  # the next week
    assert OutgoingMessage.objects.get(key__contains="overdue:2027-18").subject.startswith("Overdue action")


def test_meeting_report_pdf_in_the_chosen_language(network, client):
    _client_for(client, network.france)
    url = reverse("portal:report", args=[network.march.pk])
    french, german = client.get(url, {"lang": "fr"}), client.get(url, {"lang": "de"})
    assert french["Content-Type"] == "application/pdf" and french.content.startswith(b"%PDF")
    assert "report-2022-03-29-fr.pdf" in french["Content-Disposition"]
    assert french.content != german.content
    _client_for(client, network.german_deputy)  # a deputy who was not invited
    assert client.get(url).status_code == 404


def test_a_delegation_member_present_counts_for_the_country_of_their_invitee(network, client):
    march = network.march
    Attendance.objects.filter(meeting=march, person=network.poland).update(presence=Presence.ABSENT)
    Attendance.objects.create(
        meeting=march, name="Jan Kowalczyk", delegation_of=network.poland, presence=Presence.ONLINE
    )

    facts = knowledge.meeting_facts(march)
    _client_for(client, network.france)
    report = client.get(reverse("portal:report", args=[march.pk]), {"lang": "en"})

    assert facts.countries == 5  # Poland came, through its delegation
    assert report.status_code == 200
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(report.content)).pages)
    assert "Country PL" in text  # by country and organisation: the report names no person
    assert "Jan Kowalczyk" not in text


def test_public_summary_is_published_in_four_languages_with_a_feed(network, client):
    item = NewsItem.objects.get()
    assert "5 European countries" in item.body_en  # the five directors-general present; not the observer
    assert item.title_nl == "De Oekraïnecrisis: eerste ervaringen"
    assert "Council" in item.body_en  # the Council's directorate-general took part
    assert "Vegetarian" not in item.body_en and "@" not in item.body_en  # nothing confidential (the remarks)
    page = client.get(reverse("news:list"), HTTP_ACCEPT_LANGUAGE="nl")
    assert page.status_code == 200 and "De Oekraïnecrisis: eerste ervaringen" in page.content.decode()
    detail = client.get(reverse("news:detail", args=[item.slug]), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Was ist das DG-Netzwerk?" in detail or "DG-Netzwerk" in detail
    feed = client.get(reverse("news:feed"))
    assert feed.status_code == 200 and b"<feed" in feed.content and item.title_en.encode() in feed.content
    assert client.get(reverse("portal:lessons")).status_code == 302  # nothing else is public


def test_script_in_rich_text_is_removed():
    assert sanitize('<p onclick="x()">Hi<script>alert(1)</script></p><a href="javascript:x">l</a>') == (
        '<p>Hi</p><a rel="noopener noreferrer">l</a>'
    )


def test_demo_has_lessons_conclusions_and_actions_in_four_languages(monkeypatch):
    """The demo loader's knowledge part (``knowledge/demo.py``): the one test here that loads the demo."""
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("load_demo", stdout=io.StringIO())
    march = Meeting.objects.get(starts_at__date=datetime.date(2022, 3, 29))
    assert march.conclusions.count() == 4 and march.lessons.count() == 4
    for conclusion in march.conclusions.all():
        assert all(getattr(conclusion, f"text_{lang}") for lang in ("en", "fr", "nl", "de"))
    assert Action.objects.filter(conclusion__meeting=march).count() == 3


def test_lesson_attachment_is_served_only_to_who_may_read_the_lesson(network, client):
    lesson = LessonLearned.objects.get(title_de__startswith="Desinformation")
    attachment = LessonAttachment.objects.create(
        lesson=lesson,
        file=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n"),
        original_name="lagebild.pdf",
        content_type="application/pdf",
        size=9,
    )
    url = reverse("portal:lesson_attachment", args=[attachment.uid])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    _client_for(client, network.france)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4\n"
    lesson.status = "draft"
    lesson.save()
    assert client.get(url).status_code == 404  # a German draft is not France's to read


def test_minutes_show_once_approved_and_without_script(network, client):
    Minutes.objects.create(meeting=network.march, text_en="<p>Opening<script>alert(1)</script></p>")
    _client_for(client, network.france)
    url = reverse("portal:outcomes", args=[network.march.pk])
    assert "Opening" not in client.get(url).content.decode()  # a draft is for the secretariat
    Minutes.objects.update(status="approved")
    page = client.get(url).content.decode()
    assert "<p>Opening</p>" in page and "alert(1)" not in page
