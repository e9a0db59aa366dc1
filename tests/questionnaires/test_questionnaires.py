"""Questionnaires: opening one invites every seat holder of the countries asked; a country's answer is drafted by any
seat holder, submitted by one, revisable until the deadline (time frozen) with every version kept; bad input stores
nothing; reminders reach only the countries that have not submitted; results, charts and exports."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from members.enums import Participation, Role
from members.models import Person, User
from outbox.models import MessageKind, OutgoingMessage
from questionnaires import services
from questionnaires.enums import AnswerStatus, QuestionKind, QuestionnaireStatus, ResultsVisibility
from questionnaires.models import AnswerFile, AnswerVersion, CountryAnswer, Question
from tests import factories

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2022, 3, 15, 9, 0, tzinfo=datetime.UTC)
DEADLINE = T0 + datetime.timedelta(days=14)


@pytest.fixture
def network(db):
    """Belgium (Dutch), Germany (German) and France (French) centres with their seat holders; an observer country."""
    made = {
        code: factories.alert_centre(code, language=lang) for code, lang in (("BE", "nl"), ("DE", "de"), ("FR", "fr"))
    }
    factories.alert_centre("CH").country.__class__.objects.filter(code="CH").update(
        participation=Participation.OBSERVER
    )
    return made


@pytest.fixture
def opened(network, staff, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False):
        questionnaire = factories.questionnaire(staff, deadline=DEADLINE)
        with django_capture_on_commit_callbacks(execute=True):
            services.open_questionnaire(questionnaire)
    questionnaire.refresh_from_db()
    return questionnaire


def q(questionnaire, position: int) -> str:
    return f"q{questionnaire.questions.get(position=position).pk}"


def person(email: str) -> Person:
    return Person.objects.get(email=email)


def answers(questionnaire, **values) -> dict:
    return {
        q(questionnaire, 1): values.get("capacity", "1500"),
        q(questionnaire, 2): values.get("private", "yes"),
        q(questionnaire, 3): values.get("channels", ["0", "2"]),
        q(questionnaire, 4): values.get("remarks", ""),
    }


def at(days: float):
    return time_machine.travel(T0 + datetime.timedelta(days=days), tick=False)


def test_opening_invites_every_seat_holder_of_every_member_country_in_their_language(opened):
    rows = OutgoingMessage.objects.filter(kind=MessageKind.QUESTIONNAIRE)
    assert sorted(rows.values_list("to", flat=True)) == sorted(
        f"{role}@{c}.example" for c in ("be", "de", "fr") for role in ("cp", "deputy", "dg")
    )
    assert rows.get(to="dg@de.example").language == "de"
    assert f"/questionnaires/{opened.pk}/" in rows.get(to="dg@de.example").body_text
    assert opened.status == QuestionnaireStatus.OPEN


def test_a_draft_by_one_seat_holder_is_submitted_by_another_and_each_version_is_kept(opened):
    with at(1):
        services.save_answer(
            opened,
            person("cp@de.example").country,
            person=person("cp@de.example"),
            data=answers(opened, remarks="Entwurf"),
            language="de",
            submit=False,
        )
    draft = CountryAnswer.objects.get(country__code="DE")
    assert (draft.status, draft.versions.count()) == (AnswerStatus.DRAFT, 0)
    with at(2):
        services.save_answer(
            opened,
            draft.country,
            person=person("dg@de.example"),
            data=answers(opened, remarks="Erste Fassung"),
            language="de",
            submit=True,
        )
    with at(3):
        services.save_answer(
            opened,
            draft.country,
            person=person("deputy@de.example"),
            data=answers(opened, capacity="2 000"),
            language="de",
            submit=True,
        )

    answer = CountryAnswer.objects.get(country__code="DE")
    assert (answer.status, answer.submitted_by.email, answer.language) == (
        AnswerStatus.SUBMITTED,
        "deputy@de.example",
        "de",
    )
    versions = list(AnswerVersion.objects.filter(answer=answer).order_by("number"))
    assert [(v.number, v.values[q(opened, 1)[1:]], v.submitted_by.email) for v in versions] == [
        (1, 1500, "dg@de.example"),
        (2, 2000, "deputy@de.example"),
    ]
    assert versions[0].values[q(opened, 4)[1:]] == "Erste Fassung"
    assert answer.values[q(opened, 3)[1:]] == [0, 2]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"capacity": "many"}, 1),
        ({"capacity": ""}, 1),  # required, left empty
        ({"private": "maybe"}, 2),
        ({"channels": ["9"]}, 3),
    ],
)
def test_bad_input_says_which_question_and_stores_nothing(opened, change, field):
    with at(1), pytest.raises(ValidationError) as error:
        services.save_answer(
            opened,
            person("cp@fr.example").country,
            person=person("cp@fr.example"),
            data=answers(opened, **change),
            language="fr",
            submit=True,
        )
    assert list(error.value.message_dict) == [q(opened, field)]
    assert CountryAnswer.objects.filter(values__gt={}).count() == 0
    assert AnswerVersion.objects.count() == 0


def test_an_answer_after_the_deadline_is_refused_and_nothing_changes(opened):
    with at(1):
        services.save_answer(
            opened,
            person("cp@be.example").country,
            person=person("cp@be.example"),
            data=answers(opened),
            language="nl",
            submit=True,
        )
    with time_machine.travel(DEADLINE, tick=False), pytest.raises(ValidationError) as error:
        services.save_answer(
            opened,
            person("cp@be.example").country,
            person=person("cp@be.example"),
            data=answers(opened, capacity="1"),
            language="nl",
            submit=True,
        )
    assert "deadline" in error.value.messages[0]
    assert CountryAnswer.objects.get().values[q(opened, 1)[1:]] == 1500
    assert AnswerVersion.objects.count() == 1


def test_a_person_who_does_not_hold_the_countrys_seat_cannot_answer(opened):
    assistant = factories.person(person("cp@fr.example").organisation)
    factories.mandate(assistant, Role.ASSISTANT)
    with at(1), pytest.raises(ValidationError):
        services.save_answer(
            opened, assistant.country, person=assistant, data=answers(opened), language="fr", submit=True
        )
    # Nor for another country than their own.
    with at(1), pytest.raises(ValidationError):
        services.save_answer(
            opened,
            person("cp@be.example").country,
            person=person("cp@fr.example"),
            data=answers(opened),
            language="fr",
            submit=True,
        )
    assert CountryAnswer.objects.count() == 0


def test_a_file_of_the_wrong_type_is_refused_and_a_pdf_is_kept(opened, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    question = Question.objects.create(
        questionnaire=opened, position=5, kind=QuestionKind.FILE, text_en="Plan", required=False
    )
    name = f"q{question.pk}"
    bad = SimpleUploadedFile("plan.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    with at(1), pytest.raises(ValidationError) as error:
        services.save_answer(
            opened,
            person("cp@fr.example").country,
            person=person("cp@fr.example"),
            data=answers(opened),
            files={name: bad},
            language="fr",
            submit=True,
        )
    assert list(error.value.message_dict) == [name]
    assert (CountryAnswer.objects.filter(values__gt={}).count(), AnswerFile.objects.count()) == (0, 0)
    good = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    with at(1):
        answer = services.save_answer(
            opened,
            person("cp@fr.example").country,
            person=person("cp@fr.example"),
            data=answers(opened),
            files={name: good},
            language="fr",
            submit=True,
        )
    stored = AnswerFile.objects.get()
    assert answer.values[str(question.pk)] == str(stored.uid)
    assert services.results(opened).rows[2][2][-1] == "plan.pdf"  # France's row shows the file by its name


def test_a_file_answer_is_served_to_results_readers_and_no_one_else(client, opened, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    question = Question.objects.create(
        questionnaire=opened, position=5, kind=QuestionKind.FILE, text_en="Plan", required=False
    )
    good = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    with at(1):
        services.save_answer(
            opened,
            person("cp@fr.example").country,
            person=person("cp@fr.example"),
            data=answers(opened),
            files={f"q{question.pk}": good},
            language="fr",
            submit=True,
        )
    url = reverse("portal:questionnaire_file", args=[AnswerFile.objects.get().uid])
    client.force_login(account(person("dg@de.example")))
    assert client.get(url).status_code == 200  # results are visible to all members
    opened.visibility = ResultsVisibility.ANSWERED
    opened.save(update_fields=["visibility"])
    assert client.get(url).status_code == 404  # Germany has not answered
    client.force_login(account(person("deputy@fr.example")))
    assert client.get(url).status_code == 200  # France's own


def test_reminders_go_on_the_days_set_only_to_countries_that_have_not_submitted(
    opened, django_capture_on_commit_callbacks
):
    with at(1):
        services.save_answer(
            opened,
            person("cp@be.example").country,
            person=person("cp@be.example"),
            data=answers(opened),
            language="nl",
            submit=True,
        )
    with at(6.9):
        assert services.send_due_reminders() == 0
    with at(7):
        assert services.send_due_reminders() == 6  # Germany and France: three seat holders each
        assert services.send_due_reminders() == 0  # once
    with at(12):
        assert services.send_due_reminders() == 6
    reminded = set(OutgoingMessage.objects.filter(kind=MessageKind.QUESTIONNAIRE_REMINDER).values_list("to", flat=True))
    assert not any(to.endswith("@be.example") for to in reminded)
    with time_machine.travel(DEADLINE, tick=False):
        assert services.send_due_reminders() == 0
    opened.refresh_from_db()
    assert opened.status == QuestionnaireStatus.CLOSED


def submitted(opened):
    for code, capacity, private, channels, lang in (
        ("BE", "1200", "yes", ["0", "1"], "nl"),
        ("DE", "5000", "no", ["1", "2", "3"], "de"),
    ):
        with at(1):
            services.save_answer(
                opened,
                factories.country(code),
                person=person(f"cp@{code.lower()}.example"),
                data=answers(
                    opened, capacity=capacity, private=private, channels=channels, remarks="=cmd|' /C calc'!A0"
                ),
                language=lang,
                submit=True,
            )


def test_results_give_each_country_a_row_and_number_and_choice_questions_a_chart(opened):
    submitted(opened)

    with translation.override("en"):
        table = services.results(opened)

    assert [(c.code, cells[:3]) for c, _a, cells in table.rows] == [
        ("BE", ["1200 persons", "Yes", "Website; Social media"]),
        ("DE", ["5000 persons", "No", "Social media; Hotline; SMS"]),
        ("FR", ["", "", ""]),
    ]
    questions = {question.position: question.pk for question in table.questions}
    assert table.charts[questions[1]] == [("BE", 1200.0), ("DE", 5000.0)]
    assert table.charts[questions[3]] == [("Website", 1), ("Social media", 2), ("Hotline", 1), ("SMS", 1)]
    assert questions[4] not in table.charts
    with translation.override("en"):
        only = services.results(opened, question_ids=[questions[2]])
    assert [cells for _c, _a, cells in only.rows] == [["Yes"], ["No"], [""]]


def test_the_export_neutralises_cells(opened):
    submitted(opened)
    data = services.results_dataset(opened)
    assert data.dict[0]["Remarks"] == "'=cmd|' /C calc'!A0"
    assert data.dict[0]["Language"] == "nl"


def account(p: Person) -> User:
    p.user = User.objects.create_user(email=p.email, password="correct horse battery staple")
    p.save(update_fields=["user"])
    return p.user


@pytest.mark.parametrize(
    "visibility, reader, expected",
    [
        (ResultsVisibility.MEMBERS, "cp@fr.example", 200),
        (ResultsVisibility.ANSWERED, "cp@fr.example", 403),
        (ResultsVisibility.ANSWERED, "cp@be.example", 200),
        (ResultsVisibility.SECRETARIAT, "cp@be.example", 403),
    ],
)
def test_who_reads_the_results_follows_the_questionnaires_visibility(client, opened, visibility, reader, expected):
    submitted(opened)
    opened.visibility = visibility
    opened.save(update_fields=["visibility"])
    client.force_login(account(person(reader)))
    assert client.get(reverse("portal:questionnaire_results", args=[opened.pk])).status_code == expected


def test_the_results_page_shows_the_table_charts_and_board_and_exports(
    staff_client, opened, django_assert_max_num_queries
):
    submitted(opened)
    staff_client.get(reverse("portal:questionnaires"))
    with django_assert_max_num_queries(12):
        page = staff_client.get(reverse("portal:questionnaire_results", args=[opened.pk]))
    html = page.content.decode()
    assert 'id="results-table"' in html and html.count("<svg") == 3 and 'id="answer-board"' in html
    csv = staff_client.get(reverse("portal:questionnaire_results", args=[opened.pk]) + "?format=csv")
    assert csv.content.decode().splitlines()[0].startswith("Country,Language,Submitted,Reception capacity")
    assert (
        staff_client.get(reverse("portal:questionnaire_results", args=[opened.pk]) + "?format=xlsx").status_code == 200
    )


def test_answering_in_the_portal_saves_a_draft_then_submits(client, opened):
    client.force_login(account(person("dg@de.example")))
    url = reverse("portal:questionnaire_answer", args=[opened.pk])
    with at(1):
        assert client.get(url).status_code == 200
        client.post(url, {**answers(opened, capacity="abc"), "language": "de", "draft": ""})
        bad = client.post(url, {**answers(opened, capacity="abc"), "language": "de", "submit": ""})
        assert bad.status_code == 400 and CountryAnswer.objects.filter(status=AnswerStatus.SUBMITTED).count() == 0
        ok = client.post(url, {**answers(opened), "language": "de", "submit": ""})
    assert ok.status_code == 302
    answer = CountryAnswer.objects.get(country__code="DE")
    assert (answer.status, answer.language, answer.values[q(opened, 3)[1:]]) == (AnswerStatus.SUBMITTED, "de", [0, 2])


def test_the_demo_has_the_spring_2022_questionnaire_with_answers_in_several_languages(monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    from questionnaires.models import Questionnaire

    monkeypatch.setenv("DEMO_PASSWORD", "correct horse battery staple")
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())

    (questionnaire,) = Questionnaire.objects.all()
    table = services.results(questionnaire)
    answered = {c.code: a.language for c, a, _cells in table.rows if a}
    assert len(answered) >= 6 and {"nl", "fr", "de", "en"} <= set(answered.values())
    assert questionnaire.agenda_item is not None
    assert len(table.charts) == 3


def test_the_pdf_summary_is_drawn_in_the_chosen_language(staff_client, opened):
    from pypdf import PdfReader

    submitted(opened)
    question = opened.questions.get(position=1)
    question.text_de = "Aufnahmekapazität <b>heute</b>"
    question.save(update_fields=["text_de"])

    response = staff_client.get(reverse("portal:questionnaire_results", args=[opened.pk]) + "?format=pdf&lang=de")

    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Aufnahmekapazität <b>heute</b>" in text
    assert "Country DE (de)" in text  # each answer with the language it was written in


def test_a_lessons_page_links_to_the_questionnaires_asked_about_it(client, opened):
    author = person("dg@fr.example")
    lesson = factories.lesson(author)
    opened.lesson = lesson
    opened.save(update_fields=["lesson"])
    client.force_login(account(author))

    page = client.get(reverse("portal:lesson", args=[lesson.pk])).content.decode()

    assert reverse("portal:questionnaire_results", args=[opened.pk]) in page


@pytest.mark.parametrize(
    "days, valid", [([7, 2], True), ([14], True), ([0], False), (["soon"], False), ({"7": 1}, False)]
)
def test_the_reminder_schedule_is_a_list_of_whole_days(staff, days, valid):
    questionnaire = factories.questionnaire(staff, questions=False, reminder_days=days)
    if valid:
        questionnaire.clean()
    else:
        with pytest.raises(ValidationError):
            questionnaire.clean()
