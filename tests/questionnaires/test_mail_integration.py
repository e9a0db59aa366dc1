"""A questionnaire's invitations through the real parts: PostgreSQL, Redis, a Celery worker in its own process and an
SMTP server (aiosmtpd). Opening the questionnaire queues one message per seat holder of each country asked; the
worker delivers them; each arrives once, in its recipient's language, with the link to the portal page where their
country answers.

The worker is another process, so this test commits (``transactional_db``) and this process publishes to Redis."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from members.enums import Participation
from members.models import Country, Person
from outbox.models import MessageKind, MessageStatus, OutgoingMessage
from questionnaires import services
from tests import factories, smtp
from tests.helpers import celery_worker, wait_until
from tests.outbox import test_delivery_integration as delivery
from tests.outbox.test_delivery_integration import publishing_to, worker_env

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

smtp_sink, app_settings = smtp.smtp_sink, delivery.app_settings  # the fixtures, made visible to this module

TITLES = {
    "en": "Receiving people who fled Ukraine",
    "fr": "Accueil des personnes qui ont fui l’Ukraine",
    "nl": "Opvang van mensen die Oekraïne ontvlucht zijn",
    "de": "Aufnahme von Menschen, die aus der Ukraine geflohen sind",
}


def invitations():
    return OutgoingMessage.objects.filter(kind=MessageKind.QUESTIONNAIRE)


def test_the_invitations_reach_every_seat_holder_once_in_their_language_through_the_worker(
    redis_url, smtp_sink, app_settings, tmp_path
):
    for code, language in (("BE", "nl"), ("FR", "fr"), ("DE", "de"), ("IE", "en")):
        factories.alert_centre(code, language=language)
    factories.alert_centre("CH", language="de")  # an observer country: not asked
    Country.objects.filter(code="CH").update(participation=Participation.OBSERVER)
    questionnaire = factories.questionnaire(
        factories.staff_user(), **{f"title_{language}": title for language, title in TITLES.items()}
    )
    seat_holders = {p.email: p.preferred_language for p in Person.objects.exclude(organisation__country__code="CH")}
    assert len(seat_holders) == 12  # four countries, three seats each

    with publishing_to(redis_url), celery_worker(worker_env(redis_url, smtp_sink, tmp_path), tmp_path / "w.log"):
        assert services.open_questionnaire(questionnaire) == 12
        smtp_sink.wait_for(12, timeout=60)
        wait_until(
            lambda: invitations().filter(status=MessageStatus.SENT).count() == 12,
            timeout=30,
            what="the worker to record every invitation as sent",
        )

    received = {r.message["To"]: r for r in smtp_sink.messages}
    assert sorted(received) == sorted(seat_holders)  # one each, nobody else (the observer country's people)
    assert smtp_sink.message_ids() == dict.fromkeys(invitations().values_list("message_id", flat=True), 1)
    link = app_settings.SITE_URL + reverse("portal:questionnaire_answer", args=[questionnaire.pk])
    for address, language in seat_holders.items():
        message = received[address].message
        with translation.override(language):
            subject = gettext("Questionnaire: %(title)s") % {"title": TITLES[language]}
        # A long encoded subject is folded onto the header's next line; the parser keeps the fold's space.
        assert (message["Subject"].lstrip(), message["Content-Language"]) == (subject, language)
        body = message.get_body(("plain",)).get_content()
        assert link in body
        assert TITLES[language] in body
