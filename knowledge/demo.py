"""The demo's knowledge base: the conclusions, actions, lessons and public summary of the meeting of 29 March 2022
(the public record of spring 2022). ``network/management/commands/load_demo.py`` calls it after the meetings'."""

from __future__ import annotations

import datetime
import uuid

from django.db import transaction

from meetings.demo import THEMES, _t
from meetings.models import Meeting, Theme
from members.models import Country, Organisation

from . import services as knowledge
from .models import Action, ActionUpdate, Conclusion, LessonLearned, NewsItem

CONCLUSIONS_2022_03 = [
    (
        "Several countries face the same problems receiving and integrating people fleeing their country.",
        "Plusieurs pays sont confrontés aux mêmes problèmes d'accueil et d'intégration des personnes qui fuient leur pays.",
        "Verschillende landen blijken met gelijke problemen geconfronteerd bij de opvang en integratie van mensen die vluchten uit hun land.",
        "Mehrere Länder stehen bei der Aufnahme und Integration der aus ihrem Land geflüchteten Menschen vor denselben Problemen.",
        ["reception"],
    ),
    (
        "The network will keep investing in good coordination with, among others, NGOs and private initiatives.",
        "Le réseau continuera d'investir dans une bonne coordination avec, entre autres, les ONG et les initiatives privées.",
        "Het netwerk wil blijven inzetten op een goede coördinatie met onder andere ngo's en privé-initiatieven.",
        "Das Netzwerk wird weiter in eine gute Koordinierung mit unter anderem NGOs und privaten Initiativen investieren.",
        ["ngos"],
    ),
    (
        "The network will keep investing in good and open communication with the population.",
        "Le réseau continuera d'investir dans une communication bonne et ouverte avec la population.",
        "Het netwerk wil blijven inzetten op een goede en open communicatie met de bevolking.",
        "Das Netzwerk wird weiter in eine gute und offene Kommunikation mit der Bevölkerung investieren.",
        ["communication"],
    ),
    (
        "The members will learn from each other to strengthen the dialogue with people who fled Ukraine.",
        "Les membres apprendront les uns des autres pour renforcer le dialogue avec les personnes qui ont fui l'Ukraine.",
        "De leden willen van elkaar leren om de dialoog te versterken met mensen die uit Oekraïne zijn gevlucht.",
        "Die Mitglieder wollen voneinander lernen, um den Dialog mit den aus der Ukraine geflüchteten Menschen zu stärken.",
        ["reception", "communication"],
    ),
]

# (conclusion number, English, French, Dutch, German, owner: country code | organisation acronym | "secretariat",
#  due date, status)
ACTIONS_2022_03 = [
    (
        2,
        "Collect the members' arrangements with NGOs and private initiatives for receiving displaced people",
        "Rassembler les accords des membres avec les ONG et les initiatives privées pour l'accueil des personnes déplacées",
        "De afspraken van de leden met ngo's en privé-initiatieven voor de opvang van ontheemden verzamelen",
        "Die Vereinbarungen der Mitglieder mit NGOs und privaten Initiativen zur Aufnahme Vertriebener sammeln",
        "secretariat",
        datetime.date(2022, 4, 21),
        "done",
    ),
    (
        3,
        "Share the national public information campaigns for people fleeing Ukraine",
        "Partager les campagnes nationales d'information du public destinées aux personnes fuyant l'Ukraine",
        "De nationale voorlichtingscampagnes voor mensen die Oekraïne ontvluchten delen",
        "Die nationalen Informationskampagnen für aus der Ukraine geflüchtete Menschen teilen",
        "BE",
        datetime.date(2022, 4, 28),
        "done",
    ),
    (
        4,
        "Prepare a peer exchange on dialogue with displaced communities",
        "Préparer un échange entre pairs sur le dialogue avec les communautés déplacées",
        "Een uitwisseling tussen collega's over de dialoog met ontheemde gemeenschappen voorbereiden",
        "Einen Austausch unter Fachkollegen zum Dialog mit vertriebenen Gemeinschaften vorbereiten",
        "PL",
        datetime.date(2027, 4, 28),
        "in_progress",
    ),
]

# (country code, organisation acronym, written in, {language: (title, text)}, phase, themes)
LESSONS_2022_03 = [
    (
        "BE",
        "NCCN",
        "nl",
        {
            "nl": (
                "Eén loket voor privé-opvanginitiatieven",
                "In de eerste weken boden duizenden burgers opvang aan. Eén nationaal aanmeldpunt, gekoppeld aan de "
                "gemeenten, voorkwam dat aanbiedingen verloren gingen en maakte de coördinatie met ngo's mogelijk.",
            ),
            "en": (
                "A single point of contact for private reception initiatives",
                "In the first weeks thousands of citizens offered housing. One national registration point, linked "
                "to the municipalities, kept offers from getting lost and made coordination with NGOs possible.",
            ),
        },
        "response",
        ["reception", "ngos"],
    ),
    (
        "FR",
        "SGDSN",
        "fr",
        {
            "fr": (
                "Informer dans la langue des personnes accueillies",
                "Les messages officiels traduits en ukrainien et en russe, diffusés aux points d'arrivée et sur les "
                "réseaux sociaux, ont réduit les rumeurs et les sollicitations des services d'urgence.",
            ),
            "en": (
                "Inform people in their own language",
                "Official messages translated into Ukrainian and Russian, shared at arrival points and on social "
                "media, reduced rumours and calls to the emergency services.",
            ),
        },
        "response",
        ["communication", "disinformation"],
    ),
    (
        "EE",
        "PäA",
        "en",
        {
            "en": (
                "Rehearse the response to cyber attacks on public services",
                "Distributed denial-of-service attacks on public websites followed the invasion. Crisis centres "
                "that had rehearsed with their national cyber security centre restored communication channels "
                "within hours.",
            ),
        },
        "preparedness",
        ["cyber"],
    ),
    (
        "DE",
        "BBK",
        "de",
        {
            "de": (
                "Desinformation früh erkennen und gemeinsam widerlegen",
                "Ein gemeinsames Lagebild von Bund und Ländern zu Falschmeldungen über Geflüchtete ermöglichte "
                "schnelle, abgestimmte Richtigstellungen über die offiziellen Kanäle.",
            ),
            "en": (
                "Spot disinformation early and rebut it together",
                "A shared federal and regional picture of false reports about refugees allowed quick, coordinated "
                "corrections through the official channels.",
            ),
        },
        "response",
        ["disinformation", "communication"],
    ),
]


@transaction.atomic
def load() -> dict[str, int]:
    """Lessons, conclusions, actions and the public summary of 29 March 2022 (created where missing; after
    ``meetings.demo.load``). Returns how many of each were created."""
    created = {"lessons": 0, "conclusions": 0, "actions": 0, "news": 0}
    uid = uuid.uuid5(uuid.NAMESPACE_URL, "https://dg-network.example.org/demo/meetings/2022-03-29")
    meeting = Meeting.objects.filter(uid=uid).first()
    if meeting is None:
        return created
    themes = {key: Theme.objects.get(label_en=labels[0]) for key, labels in THEMES.items()}
    conclusions = {}
    for number, (en, fr, nl, de, theme_keys) in enumerate(CONCLUSIONS_2022_03, start=1):
        conclusion, new = Conclusion.objects.get_or_create(
            meeting=meeting, number=number, defaults={**_t("text", (en, fr, nl, de)), "is_public": True}
        )
        if new:
            conclusion.themes.set([themes[k] for k in theme_keys])
        conclusions[number] = conclusion
        created["conclusions"] += new
    secretariat_user = None
    for number, en, fr, nl, de, owner, due, status in ACTIONS_2022_03:
        if Action.objects.filter(conclusion=conclusions[number], title_en=en).exists():
            continue
        owner_fields = (
            {"owner_secretariat": True}
            if owner == "secretariat"
            else {"owner_country": Country.objects.get(code=owner)}
        )
        action = Action.objects.create(
            conclusion=conclusions[number], due_date=due, status=status, **_t("title", (en, fr, nl, de)), **owner_fields
        )
        ActionUpdate.objects.create(
            action=action,
            status=status,
            note="Recorded from the meeting of 29 March 2022.",
            by=secretariat_user,
            at=meeting.ends_at,
        )
        created["actions"] += 1
    for code, acronym, language, texts, phase, theme_keys in LESSONS_2022_03:
        title_original = texts[language][0]
        if LessonLearned.objects.filter(**{f"title_{language}": title_original}).exists():
            continue
        fields = {}
        for lang, (title, text) in texts.items():
            fields[f"title_{lang}"], fields[f"text_{lang}"] = title, text
        lesson = LessonLearned(
            country=Country.objects.get(code=code),
            organisation=Organisation.objects.get(acronym_en=acronym),
            original_language=language,
            crisis=meeting.crisis,
            meeting=meeting,
            phase=phase,
            status="shared",
            created_at=meeting.ends_at,
            **fields,
        )
        knowledge.save_lesson(lesson, themes=[themes[k] for k in theme_keys])
        created["lessons"] += 1
    if not NewsItem.objects.filter(meeting=meeting).exists():
        item = knowledge.draft_news(meeting)
        item.published_at = meeting.ends_at + datetime.timedelta(hours=3)
        knowledge.publish_news(item)
        created["news"] += 1
    return created
