"""A German deputy director-general answers a questionnaire in the portal, in headless Chromium against a live
server: the page speaks German (the questions in their German text), a number that is not one is refused with the
answers kept on the page, then the answer is submitted, written in German."""

import pytest

from members.enums import Role
from members.services import open_account
from questionnaires import services
from questionnaires.enums import AnswerStatus
from questionnaires.models import CountryAnswer
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


def test_a_german_deputy_answers_a_questionnaire_in_german(live_server, page):
    germany = factories.country("DE")
    deputy = factories.person(
        factories.organisation(germany), first_name="Jonas", last_name="Keller", preferred_language="de"
    )
    factories.mandate(deputy, Role.DEPUTY)
    user = open_account(deputy)
    user.set_password(PASSWORD)
    user.save()
    questionnaire = factories.questionnaire(
        factories.staff_user(), title_de="Aufnahme der aus der Ukraine geflüchteten Menschen"
    )
    for question, german in zip(
        questionnaire.questions.order_by("position"),
        [
            "Aufnahmekapazität",
            "Werden private Aufnahmeinitiativen koordiniert?",
            "Genutzte Kommunikationskanäle",
            "Bemerkungen",
        ],
        strict=True,
    ):
        question.text_de = german
        question.save(update_fields=["text_de"])
    services.open_questionnaire(questionnaire)
    capacity, private, channels, remarks = (f"q{q.pk}" for q in questionnaire.questions.order_by("position"))

    page.goto(live_server.url + "/")
    page.fill("input[name=login]", deputy.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + f"/questionnaires/{questionnaire.pk}/")

    assert page.get_attribute("html", "lang") == "de"
    assert "Aufnahme der aus der Ukraine geflüchteten Menschen" in page.inner_text("h1")
    assert "Genutzte Kommunikationskanäle" in page.inner_text("main")
    assert page.input_value("#id_language") == "de"
    page.fill(f"input[name={capacity}]", "viele")
    page.check(f"input[name={private}][value=yes]")
    page.check(f"input[name={channels}][value='1']")  # Soziale Medien
    page.check(f"input[name={channels}][value='2']")
    page.fill(f"textarea[name={remarks}]", "Die Registrierung an den Bahnhöfen.")
    page.click("button[name=submit]")
    assert page.locator(f"#question-{capacity[1:]} .errorlist").count() == 1  # "viele" is not a number
    assert page.input_value(f"textarea[name={remarks}]") == "Die Registrierung an den Bahnhöfen."
    assert CountryAnswer.objects.filter(status=AnswerStatus.SUBMITTED).count() == 0

    page.fill(f"input[name={capacity}]", "120 000")
    page.click("button[name=submit]")
    page.wait_for_load_state()

    answer = CountryAnswer.objects.get(country=germany)
    assert (answer.status, answer.language, answer.submitted_by_id) == (AnswerStatus.SUBMITTED, "de", deputy.pk)
    assert answer.values[capacity[1:]] == 120000
    assert answer.values[channels[1:]] == [1, 2]
