"""The demo meetings: 29 March 2022 (virtual, on the Ukraine crisis), 28 April 2022 (Brussels) and a draft for
28 April 2027 (Brussels), in four languages, drawn from the public record (``../shared/reference/``).

Runs after ``members.demo.load()``; creates only what is missing.
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo

from django.db import transaction

from members.models import Organisation, Person

from . import services
from .enums import AgendaItemKind, Answer, AttendanceMode, Capacity, IpcrLevel, MeetingFormat, MeetingStatus, Presence
from .models import AgendaItem, Attendance, Crisis, Invitation, Meeting, Theme

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
LANGS = ("en", "fr", "nl", "de")


def _t(field: str, values: tuple[str, str, str, str]) -> dict[str, str]:
    return {f"{field}_{lang}": value for lang, value in zip(LANGS, values, strict=True)}


def _at(y, m, d, hh, mm) -> datetime.datetime:
    return datetime.datetime(y, m, d, hh, mm, tzinfo=BRUSSELS)


THEMES = {
    "cyber": ("Cyber security", "Cybersécurité", "Cyberveiligheid", "Cybersicherheit"),
    "disinformation": ("Disinformation", "Désinformation", "Desinformatie", "Desinformation"),
    "reception": (
        "Reception and integration of displaced people",
        "Accueil et intégration des personnes déplacées",
        "Opvang en integratie van ontheemden",
        "Aufnahme und Integration von Vertriebenen",
    ),
    "communication": (
        "Communication with the population",
        "Communication avec la population",
        "Communicatie met de bevolking",
        "Kommunikation mit der Bevölkerung",
    ),
    "ngos": (
        "Coordination with NGOs and private initiatives",
        "Coordination avec les ONG et les initiatives privées",
        "Coördinatie met ngo's en privé-initiatieven",
        "Koordinierung mit NGOs und privaten Initiativen",
    ),
    "eu": (
        "EU–national cooperation",
        "Coopération UE–national",
        "Samenwerking EU–nationaal",
        "Zusammenarbeit EU–national",
    ),
}

CRISIS = {
    **_t("name", ("War in Ukraine", "Guerre en Ukraine", "Oorlog in Oekraïne", "Krieg in der Ukraine")),
    **_t(
        "description",
        (
            "Russia's invasion of Ukraine on 24 February 2022 and its consequences in Europe: people fleeing the war, "
            "cyber attacks, disinformation. The Council reactivated its IPCR arrangements.",
            "L'invasion de l'Ukraine par la Russie le 24 février 2022 et ses conséquences en Europe : personnes fuyant "
            "la guerre, cyberattaques, désinformation. Le Conseil a réactivé son dispositif IPCR.",
            "De Russische inval in Oekraïne op 24 februari 2022 en de gevolgen in Europa: mensen op de vlucht, "
            "cyberaanvallen, desinformatie. De Raad heeft het IPCR-mechanisme opnieuw geactiveerd.",
            "Der russische Einmarsch in die Ukraine am 24. Februar 2022 und seine Folgen in Europa: Menschen auf der "
            "Flucht, Cyberangriffe, Desinformation. Der Rat hat seine IPCR-Regelung wieder aktiviert.",
        ),
    ),
}

# (key, English, French, Dutch, German, minutes, kind, presenter email or organisation acronym, sub-items)
AGENDA_2022_03 = [
    (
        (
            "Welcome and purpose of the meeting",
            "Accueil et objet de la réunion",
            "Welkom en doel van de vergadering",
            "Begrüßung und Zweck der Sitzung",
        ),
        10,
        AgendaItemKind.INFORMATION,
        "bart.raeymaekers@example.org",
        [],
    ),
    (
        (
            "New challenges of the Ukraine crisis",
            "Nouveaux défis de la crise en Ukraine",
            "Nieuwe uitdagingen van de Oekraïnecrisis",
            "Neue Herausforderungen der Ukraine-Krise",
        ),
        35,
        AgendaItemKind.DISCUSSION,
        None,
        [
            (
                (
                    "Reception and integration of people fleeing Ukraine",
                    "Accueil et intégration des personnes fuyant l'Ukraine",
                    "Opvang en integratie van mensen die Oekraïne ontvluchten",
                    "Aufnahme und Integration der aus der Ukraine geflüchteten Menschen",
                ),
                20,
                AgendaItemKind.DISCUSSION,
                None,
            ),
        ],
    ),
    (
        ("Good practices", "Bonnes pratiques", "Goede praktijken", "Bewährte Verfahren"),
        20,
        AgendaItemKind.DISCUSSION,
        None,
        [],
    ),
    (
        (
            "First lessons of the crisis",
            "Premiers enseignements de la crise",
            "Eerste lessen uit de crisis",
            "Erste Lehren aus der Krise",
        ),
        20,
        AgendaItemKind.DISCUSSION,
        None,
        [],
    ),
    (
        (
            "Cyber security and disinformation",
            "Cybersécurité et désinformation",
            "Cyberveiligheid en desinformatie",
            "Cybersicherheit und Desinformation",
        ),
        25,
        AgendaItemKind.DISCUSSION,
        None,
        [],
    ),
    (
        (
            "EU–national cooperation under the IPCR arrangements",
            "Coopération UE–national dans le cadre de l'IPCR",
            "Samenwerking EU–nationaal binnen het IPCR-mechanisme",
            "Zusammenarbeit EU–national im Rahmen der IPCR",
        ),
        20,
        AgendaItemKind.INFORMATION,
        "GSC RELEX",
        [],
    ),
    (
        (
            "Closing words by the Benelux Secretary-General",
            "Mot de clôture du secrétaire général Benelux",
            "Slotwoord door de secretaris-generaal van de Benelux",
            "Schlussworte des Benelux-Generalsekretärs",
        ),
        10,
        AgendaItemKind.INFORMATION,
        "alain.de-muyser@example.org",
        [],
    ),
]

AGENDA_2022_04 = [
    (("Welcome", "Accueil", "Welkom", "Begrüßung"), 15, AgendaItemKind.INFORMATION, "bart.raeymaekers@example.org", []),
    (
        (
            "Follow-up of the crisis in Ukraine",
            "Suivi de la crise en Ukraine",
            "Opvolging van de crisis in Oekraïne",
            "Weiterverfolgung der Krise in der Ukraine",
        ),
        60,
        AgendaItemKind.DISCUSSION,
        None,
        [
            (
                (
                    "Tour de table: the situation in each country",
                    "Tour de table : la situation dans chaque pays",
                    "Tafelronde: de toestand in elk land",
                    "Tour de Table: die Lage in jedem Land",
                ),
                45,
                AgendaItemKind.DISCUSSION,
                None,
            ),
        ],
    ),
    (
        (
            "Strengthening the network's cooperation",
            "Renforcer la coopération du réseau",
            "De samenwerking van het netwerk versterken",
            "Die Zusammenarbeit des Netzwerks stärken",
        ),
        45,
        AgendaItemKind.DECISION,
        None,
        [],
    ),
    (
        (
            "Ties with the European structures",
            "Liens avec les structures européennes",
            "Banden met de Europese structuren",
            "Verbindungen zu den europäischen Strukturen",
        ),
        30,
        AgendaItemKind.DISCUSSION,
        "GSC RELEX",
        [],
    ),
    (
        (
            "Conclusions and next steps",
            "Conclusions et prochaines étapes",
            "Conclusies en volgende stappen",
            "Schlussfolgerungen und nächste Schritte",
        ),
        15,
        AgendaItemKind.DECISION,
        "bart.raeymaekers@example.org",
        [],
    ),
]

AGENDA_2027_04 = [
    (
        (
            "Welcome and adoption of the agenda",
            "Accueil et adoption de l'ordre du jour",
            "Welkom en goedkeuring van de agenda",
            "Begrüßung und Annahme der Tagesordnung",
        ),
        10,
        AgendaItemKind.DECISION,
        "bart.raeymaekers@example.org",
        [],
    ),
    (
        (
            "Approval of the minutes of the previous meeting",
            "Approbation du procès-verbal de la réunion précédente",
            "Goedkeuring van de notulen van de vorige vergadering",
            "Genehmigung des Protokolls der letzten Sitzung",
        ),
        10,
        AgendaItemKind.DECISION,
        None,
        [],
    ),
    (
        (
            "Follow-up of open actions",
            "Suivi des actions en cours",
            "Opvolging van openstaande acties",
            "Weiterverfolgung offener Maßnahmen",
        ),
        30,
        AgendaItemKind.DISCUSSION,
        "sarah.peeters@example.org",
        [],
    ),
    (
        (
            "Lessons learned since the last meeting",
            "Enseignements tirés depuis la dernière réunion",
            "Geleerde lessen sinds de vorige vergadering",
            "Lehren seit der letzten Sitzung",
        ),
        60,
        AgendaItemKind.DISCUSSION,
        None,
        [
            (
                (
                    "Communication with the population",
                    "Communication avec la population",
                    "Communicatie met de bevolking",
                    "Kommunikation mit der Bevölkerung",
                ),
                30,
                AgendaItemKind.DISCUSSION,
                None,
            ),
            (
                ("Cyber security", "Cybersécurité", "Cyberveiligheid", "Cybersicherheit"),
                30,
                AgendaItemKind.DISCUSSION,
                None,
            ),
        ],
    ),
    (
        (
            "EU–national cooperation under the IPCR arrangements",
            "Coopération UE–national dans le cadre de l'IPCR",
            "Samenwerking EU–nationaal binnen het IPCR-mechanisme",
            "Zusammenarbeit EU–national im Rahmen der IPCR",
        ),
        30,
        AgendaItemKind.INFORMATION,
        "GSC RELEX",
        [],
    ),
    (
        (
            "Conclusions, date and place of the next meeting",
            "Conclusions, date et lieu de la prochaine réunion",
            "Conclusies, datum en plaats van de volgende vergadering",
            "Schlussfolgerungen, Datum und Ort der nächsten Sitzung",
        ),
        20,
        AgendaItemKind.DECISION,
        None,
        [],
    ),
]

MEETINGS = [
    {
        "key": "2022-03-29",
        **_t(
            "title",
            (
                "The Ukraine crisis: first experiences",
                "La crise en Ukraine : premières expériences",
                "De Oekraïnecrisis: eerste ervaringen",
                "Die Ukraine-Krise: erste Erfahrungen",
            ),
        ),
        **_t(
            "summary",
            (
                "A virtual meeting of the network to share the new challenges, good practices and first lessons of the "
                "crisis in Ukraine, with special attention to cyber security and disinformation.",
                "Réunion virtuelle du réseau pour partager les nouveaux défis, les bonnes pratiques et les premiers "
                "enseignements de la crise en Ukraine, avec une attention particulière à la cybersécurité et à la "
                "désinformation.",
                "Virtuele vergadering van het netwerk om de nieuwe uitdagingen, goede praktijken en eerste lessen van de "
                "crisis in Oekraïne te delen, met bijzondere aandacht voor cyberveiligheid en desinformatie.",
                "Virtuelle Sitzung des Netzwerks zum Austausch über die neuen Herausforderungen, bewährten Verfahren und "
                "ersten Lehren aus der Krise in der Ukraine, mit besonderem Augenmerk auf Cybersicherheit und "
                "Desinformation.",
            ),
        ),
        "format": MeetingFormat.VIRTUAL,
        "starts_at": _at(2022, 3, 29, 10, 0),
        "ends_at": _at(2022, 3, 29, 12, 30),
        "answer_deadline": datetime.date(2022, 3, 25),
        "video_link": "https://meet.example.org/dg-network-2022-03-29",
        "dial_in": "+32 2 555 00 29, conference 2903",
        "themes": ["cyber", "disinformation", "reception", "communication", "ngos", "eu"],
        "agenda": AGENDA_2022_03,
        "status": MeetingStatus.HELD,
    },
    {
        "key": "2022-04-28",
        **_t(
            "title",
            (
                "Meeting of the directors-general in Brussels",
                "Réunion des directeurs généraux à Bruxelles",
                "Vergadering van de directeurs-generaal in Brussel",
                "Sitzung der Generaldirektoren in Brüssel",
            ),
        ),
        **_t(
            "summary",
            (
                "The directors-general meet in Brussels to continue following the crisis in Ukraine together, "
                "strengthen the network's cooperation and deepen its ties with the European structures.",
                "Les directeurs généraux se réunissent à Bruxelles pour continuer à suivre ensemble la crise en Ukraine, "
                "renforcer la coopération du réseau et approfondir ses liens avec les structures européennes.",
                "De directeurs-generaal komen in Brussel samen om de crisis in Oekraïne samen verder op te volgen, de "
                "samenwerking van het netwerk te versterken en de banden met de Europese structuren aan te halen.",
                "Die Generaldirektoren treffen sich in Brüssel, um die Krise in der Ukraine gemeinsam weiter zu verfolgen, "
                "die Zusammenarbeit des Netzwerks zu stärken und die Verbindungen zu den europäischen Strukturen zu "
                "vertiefen.",
            ),
        ),
        "format": MeetingFormat.IN_PERSON,
        "starts_at": _at(2022, 4, 28, 9, 30),
        "ends_at": _at(2022, 4, 28, 16, 0),
        "answer_deadline": datetime.date(2022, 4, 14),
        "venue_name": "Benelux Secretariat-General",
        "venue_address": "Rue de la Régence 39",
        "venue_city": "Brussels",
        "themes": ["reception", "eu", "communication"],
        "agenda": AGENDA_2022_04,
        "status": MeetingStatus.HELD,
    },
    {
        "key": "2027-04-28",
        **_t(
            "title",
            (
                "Spring meeting of the directors-general",
                "Réunion de printemps des directeurs généraux",
                "Voorjaarsvergadering van de directeurs-generaal",
                "Frühjahrssitzung der Generaldirektoren",
            ),
        ),
        **_t(
            "summary",
            (
                "The network's spring meeting in Brussels: follow-up of open actions, lessons learned since the last "
                "meeting and EU–national cooperation.",
                "La réunion de printemps du réseau à Bruxelles : suivi des actions en cours, enseignements tirés depuis la "
                "dernière réunion et coopération UE–national.",
                "De voorjaarsvergadering van het netwerk in Brussel: opvolging van openstaande acties, geleerde lessen "
                "sinds de vorige vergadering en samenwerking EU–nationaal.",
                "Die Frühjahrssitzung des Netzwerks in Brüssel: Weiterverfolgung offener Maßnahmen, Lehren seit der "
                "letzten Sitzung und Zusammenarbeit EU–national.",
            ),
        ),
        "format": MeetingFormat.IN_PERSON,
        "starts_at": _at(2027, 4, 28, 9, 30),
        "ends_at": _at(2027, 4, 28, 16, 30),
        "answer_deadline": datetime.date(2027, 4, 9),
        "venue_name": "National Crisis Centre",
        "venue_address": "Hertogsstraat 53 / Rue Ducale 53",
        "venue_city": "Brussels",
        "themes": ["communication", "cyber", "eu"],
        "agenda": AGENDA_2027_04,
        "status": MeetingStatus.DRAFT,
    },
]

# 28 April 2022: how the network answered (everyone else accepted in person).
ANSWERS_2022_04 = {
    "siobhan.murphy@example.org": (Answer.DECLINED, "", "Parliamentary hearing that day."),
    "ana.pereira@example.org": (Answer.DECLINED, "", ""),
    "claire.dubois@example.org": (Answer.DELEGATED, "julien.moreau@example.org", ""),
    "thomas.becker@example.org": (Answer.DELEGATED, "julia.schneider@example.org", ""),
    "mette.larsen@example.org": (Answer.ACCEPTED, "", "Vegetarian meal, please."),
}
ABSENT_2022_04 = {"giulia.rossi@example.org"}  # accepted, but could not come on the day


def _presenter(key):
    if key is None:
        return {}
    if "@" in key:
        return {"presenter": Person.objects.get(email__iexact=key)}
    return {"presenting_organisation": Organisation.objects.get(acronym_en=key)}


def _agenda(meeting: Meeting, items) -> None:
    for position, (titles, minutes, kind, presenter, children) in enumerate(items, start=1):
        parent = AgendaItem.objects.create(
            meeting=meeting,
            position=position * 10,
            duration_minutes=minutes,
            kind=kind,
            **_t("title", titles),
            **_presenter(presenter),
        )
        for sub_position, (sub_titles, sub_minutes, sub_kind, sub_presenter) in enumerate(children, start=1):
            AgendaItem.objects.create(
                meeting=meeting,
                parent=parent,
                position=sub_position * 10,
                duration_minutes=sub_minutes,
                kind=sub_kind,
                **_t("title", sub_titles),
                **_presenter(sub_presenter),
            )


def _invite_and_record(meeting: Meeting, spec: dict) -> None:
    """Invite the network as it was on the day, with the answers and attendance of the record."""
    planned, _skipped = services.network_invitees(meeting)
    sent = meeting.starts_at - datetime.timedelta(days=21)
    for p in planned:
        Invitation.objects.create(
            meeting=meeting,
            person=p.person,
            capacity=p.capacity,
            sent_at=sent,
            country=p.person.organisation.country if p.capacity == Capacity.MEMBER else None,
        )
    mode = AttendanceMode.ONLINE if meeting.format == MeetingFormat.VIRTUAL else AttendanceMode.IN_PERSON
    answered = meeting.starts_at - datetime.timedelta(days=10)
    answers = ANSWERS_2022_04 if spec["key"] == "2022-04-28" else {}
    for invitation in list(meeting.invitations.select_related("person")):
        answer, substitute_email, remarks = answers.get(invitation.person.email, (Answer.ACCEPTED, "", ""))
        invitation.answer = answer
        invitation.mode = mode if answer == Answer.ACCEPTED else ""
        invitation.remarks = remarks
        invitation.answered_at = answered
        if answer == Answer.DELEGATED:
            substitute = Person.objects.get(email__iexact=substitute_email)
            invitation.substitute = substitute
            Invitation.objects.create(
                meeting=meeting,
                person=substitute,
                capacity=invitation.capacity,
                country=invitation.country,
                delegated_from=invitation,
                sent_at=answered,
                answer=Answer.ACCEPTED,
                mode=mode,
                answered_at=answered,
            )
        invitation.save()
    meeting.status = MeetingStatus.INVITED
    meeting.invitations_sent_at = sent
    meeting.save(update_fields=["status", "invitations_sent_at"])
    services.prepare_attendance(meeting)
    meeting.status = spec["status"]
    meeting.save(update_fields=["status"])
    if spec["key"] == "2022-04-28":
        Attendance.objects.filter(meeting=meeting, person__email__in=ABSENT_2022_04).update(presence=Presence.ABSENT)


@transaction.atomic
def load() -> dict[str, int]:
    created = {"themes": 0, "crises": 0, "meetings": 0}
    themes = {}
    for key, labels in THEMES.items():
        themes[key], new = Theme.objects.get_or_create(label_en=labels[0], defaults=_t("label", labels))
        created["themes"] += new
    crisis, new = Crisis.objects.get_or_create(
        name_en=CRISIS["name_en"],
        defaults={**CRISIS, "start_date": datetime.date(2022, 2, 24), "ipcr_level": IpcrLevel.FULL_ACTIVATION},
    )
    created["crises"] += new
    chair = Person.objects.get(email__iexact="bart.raeymaekers@example.org")
    nccn = Organisation.objects.get(acronym_en="NCCN")
    benelux = Organisation.objects.get(acronym_en="Benelux")
    for spec in MEETINGS:
        uid = uuid.uuid5(uuid.NAMESPACE_URL, f"https://dg-network.example.org/demo/meetings/{spec['key']}")
        if Meeting.objects.filter(uid=uid).exists():
            continue
        fields = {k: v for k, v in spec.items() if k not in ("key", "themes", "agenda", "status")}
        meeting = Meeting.objects.create(
            uid=uid,
            chair=chair,
            host=benelux if spec["key"] == "2022-04-28" else nccn,
            crisis=crisis if spec["key"].startswith("2022") else None,
            **fields,
        )
        meeting.full_clean()
        services.ensure_reminders(meeting)  # the schedule a new meeting gets, editable on its admin page
        meeting.themes.set([themes[k] for k in spec["themes"]])
        _agenda(meeting, spec["agenda"])
        if spec["status"] != MeetingStatus.DRAFT:
            _invite_and_record(meeting, spec)
        created["meetings"] += 1
    return created
