"""The demo's questionnaire: the network's own of spring 2022 on receiving people who fled Ukraine (capacity,
private reception initiatives, communication channels used), closed, with invented answers from several countries,
each in its centre's language. Created where missing (by title); no mail is sent."""

from __future__ import annotations

import datetime

from django.db import transaction

from knowledge.models import LessonLearned
from meetings.models import AgendaItem
from members.identity import seat_holders
from members.models import Country, User

from .enums import AnswerStatus, QuestionnaireStatus, ResultsVisibility
from .models import AnswerVersion, CountryAnswer, Question, Questionnaire

UTC = datetime.UTC
TITLE = "Receiving people who fled Ukraine (spring 2022)"

QUESTIONS = [
    # kind, (en, fr, nl, de), extra
    (
        "number",
        (
            "How many people can your country receive in collective reception today?",
            "Combien de personnes votre pays peut-il accueillir aujourd'hui en accueil collectif ?",
            "Hoeveel mensen kan uw land vandaag in collectieve opvang ontvangen?",
            "Wie viele Menschen kann Ihr Land heute in Gemeinschaftsunterkünften aufnehmen?",
        ),
        {"unit": ("places", "places", "plaatsen", "Plätze")},
    ),
    (
        "yes_no",
        (
            "Do the authorities coordinate private reception initiatives (host families)?",
            "Les autorités coordonnent-elles les initiatives privées d'accueil (familles d'accueil) ?",
            "Coördineert de overheid particuliere opvanginitiatieven (gastgezinnen)?",
            "Koordinieren die Behörden private Aufnahmeinitiativen (Gastfamilien)?",
        ),
        {},
    ),
    (
        "multiple_choice",
        (
            "Which channels do you use to inform the people arriving?",
            "Quels canaux utilisez-vous pour informer les personnes qui arrivent ?",
            "Welke kanalen gebruikt u om de aankomende mensen te informeren?",
            "Über welche Kanäle informieren Sie die ankommenden Menschen?",
        ),
        {
            "options": (
                "Website\nSocial media\nTelephone hotline\nSMS or cell broadcast\nInformation points at arrival",
                "Site web\nRéseaux sociaux\nLigne d'information téléphonique\nSMS ou diffusion cellulaire\nPoints d'information à l'arrivée",
                "Website\nSociale media\nTelefonische infolijn\nSms of cell broadcast\nInfopunten bij aankomst",
                "Website\nSoziale Medien\nTelefon-Hotline\nSMS oder Cell Broadcast\nInformationspunkte bei der Ankunft",
            )
        },
    ),
    (
        "long_text",
        (
            "What is your main challenge, and what would you like to learn from the other centres?",
            "Quel est votre principal défi, et que souhaiteriez-vous apprendre des autres centres ?",
            "Wat is uw grootste uitdaging, en wat wilt u van de andere centra leren?",
            "Was ist Ihre größte Herausforderung, und was möchten Sie von den anderen Zentren lernen?",
        ),
        {"required": False},
    ),
]

# code: language, capacity, private initiatives coordinated, channels, main challenge
ANSWERS = {
    "BE": (
        "nl",
        9500,
        "yes",
        [0, 1, 2, 4],
        "Huisvesting op lange termijn; we willen leren hoe andere landen gastgezinnen opvolgen.",
    ),
    "NL": ("nl", 50000, "yes", [0, 1, 2], "De spreiding over de gemeenten en de informatie in het Oekraïens."),
    "LU": ("fr", 2200, "yes", [0, 2, 4], "Trouver des logements et scolariser rapidement les enfants."),
    "FR": (
        "fr",
        100000,
        "no",
        [0, 1, 3, 4],
        "Coordonner les nombreuses initiatives citoyennes avec l'accueil de l'État.",
    ),
    "DE": (
        "de",
        120000,
        "yes",
        [0, 1, 2, 3, 4],
        "Die Registrierung an den Bahnhöfen und die Verteilung auf die Länder.",
    ),
    "AT": ("de", 15000, "yes", [0, 2], ""),
    "PL": (
        "en",
        600000,
        "no",
        [0, 1, 2, 4],
        "The scale: millions crossing the border in weeks. We would like to learn about relocation.",
    ),
    "CZ": ("en", 80000, "yes", [0, 1, 3], "Housing for the winter and access to the labour market."),
}


@transaction.atomic
def load() -> dict[str, int]:
    if Questionnaire.objects.filter(title_en=TITLE).exists():
        return {"questionnaires": 0}
    by = User.objects.filter(is_staff=True).order_by("pk").first()
    if by is None:
        return {"questionnaires": 0}
    opened = datetime.datetime(2022, 3, 18, 9, 0, tzinfo=UTC)
    deadline = datetime.datetime(2022, 4, 8, 16, 0, tzinfo=UTC)
    questionnaire = Questionnaire.objects.create(
        title_en=TITLE,
        title_fr="Accueil des personnes ayant fui l'Ukraine (printemps 2022)",
        title_nl="Opvang van mensen die Oekraïne ontvlucht zijn (voorjaar 2022)",
        title_de="Aufnahme der aus der Ukraine geflüchteten Menschen (Frühjahr 2022)",
        introduction_en="The secretariat asks every centre the same questions so that the network can compare the "
        "reception of people who fled Ukraine at its next meeting.",
        deadline=deadline,
        visibility=ResultsVisibility.MEMBERS,
        status=QuestionnaireStatus.CLOSED,
        created_by=by,
        created_at=opened,
        opened_at=opened,
        agenda_item=AgendaItem.objects.filter(title_en__icontains="Ukraine").order_by("pk").first(),
        lesson=LessonLearned.objects.filter(title_en__icontains="Ukraine").order_by("pk").first(),
    )
    questions = []
    for position, (kind, texts, extra) in enumerate(QUESTIONS, start=1):
        fields = {f"text_{lang}": text for lang, text in zip(("en", "fr", "nl", "de"), texts, strict=True)}
        for name in ("unit", "options"):
            if name in extra:
                fields.update(
                    {f"{name}_{lang}": v for lang, v in zip(("en", "fr", "nl", "de"), extra[name], strict=True)}
                )
        questions.append(
            Question.objects.create(
                questionnaire=questionnaire,
                position=position,
                kind=kind,
                required=extra.get("required", True),
                **fields,
            )
        )
    for day, (code, (language, capacity, private, channels, challenge)) in enumerate(ANSWERS.items()):
        country = Country.objects.filter(code=code).first()
        holder = seat_holders(country).first() if country else None
        if holder is None:
            continue
        values = {str(questions[0].pk): capacity, str(questions[1].pk): private, str(questions[2].pk): channels}
        if challenge:
            values[str(questions[3].pk)] = challenge
        when = opened + datetime.timedelta(days=2 + day, hours=3)
        answer = CountryAnswer.objects.create(
            questionnaire=questionnaire,
            country=country,
            status=AnswerStatus.SUBMITTED,
            language=language,
            values=values,
            updated_at=when,
            updated_by=holder,
            submitted_at=when,
            submitted_by=holder,
        )
        AnswerVersion.objects.create(
            answer=answer, number=1, language=language, values=values, submitted_at=when, submitted_by=holder
        )
    return {"questionnaires": 1}
