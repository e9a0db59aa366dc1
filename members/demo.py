"""The demo network as the public record of spring 2022 describes it (``../shared/reference/``).

The Belgian National Crisis Centre chairs, the Benelux Union's secretariat-general is the secretariat, 23 European
countries take part with their national crisis centres, and the French Council Presidency and the Council's
directorate-general for external relations observe. Names of institutions are public; apart from the two people
the record names (Bart Raeymaekers, Alain de Muyser) the people are invented, and all contact data is fictitious
(example.org, phone numbers in the 555 range).

``load()`` only creates what is missing: running it twice changes nothing.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass, field

from django.db import transaction

from .enums import OrganisationKind, Participation, Role
from .models import Country, Mandate, Organisation, Person, Presidency

D = datetime.date

# code: (English, French, Dutch, German), EU member, international dialling code, capital
COUNTRIES: dict[str, tuple[tuple[str, str, str, str], bool, str, str]] = {
    "BE": (("Belgium", "Belgique", "België", "Belgien"), True, "32", "Brussels"),
    "NL": (("Netherlands", "Pays-Bas", "Nederland", "Niederlande"), True, "31", "The Hague"),
    "LU": (("Luxembourg", "Luxembourg", "Luxemburg", "Luxemburg"), True, "352", "Luxembourg"),
    "FR": (("France", "France", "Frankrijk", "Frankreich"), True, "33", "Paris"),
    "DE": (("Germany", "Allemagne", "Duitsland", "Deutschland"), True, "49", "Bonn"),
    "AT": (("Austria", "Autriche", "Oostenrijk", "Österreich"), True, "43", "Vienna"),
    "CZ": (("Czechia", "Tchéquie", "Tsjechië", "Tschechien"), True, "420", "Prague"),
    "DK": (("Denmark", "Danemark", "Denemarken", "Dänemark"), True, "45", "Birkerød"),
    "EE": (("Estonia", "Estonie", "Estland", "Estland"), True, "372", "Tallinn"),
    "FI": (("Finland", "Finlande", "Finland", "Finnland"), True, "358", "Helsinki"),
    "GR": (("Greece", "Grèce", "Griekenland", "Griechenland"), True, "30", "Athens"),
    "HU": (("Hungary", "Hongrie", "Hongarije", "Ungarn"), True, "36", "Budapest"),
    "IE": (("Ireland", "Irlande", "Ierland", "Irland"), True, "353", "Dublin"),
    "IT": (("Italy", "Italie", "Italië", "Italien"), True, "39", "Rome"),
    "LV": (("Latvia", "Lettonie", "Letland", "Lettland"), True, "371", "Riga"),
    "LT": (("Lithuania", "Lituanie", "Litouwen", "Litauen"), True, "370", "Vilnius"),
    "PL": (("Poland", "Pologne", "Polen", "Polen"), True, "48", "Warsaw"),
    "PT": (("Portugal", "Portugal", "Portugal", "Portugal"), True, "351", "Lisbon"),
    "RO": (("Romania", "Roumanie", "Roemenië", "Rumänien"), True, "40", "Bucharest"),
    "SI": (("Slovenia", "Slovénie", "Slovenië", "Slowenien"), True, "386", "Ljubljana"),
    "ES": (("Spain", "Espagne", "Spanje", "Spanien"), True, "34", "Madrid"),
    "SE": (("Sweden", "Suède", "Zweden", "Schweden"), True, "46", "Karlstad"),
    "CY": (("Cyprus", "Chypre", "Cyprus", "Zypern"), True, "357", "Nicosia"),
}


@dataclass(frozen=True)
class DemoOrganisation:
    acronym: str
    kind: str
    country: str | None
    names: tuple[str, str, str, str]  # en, fr, nl, de
    city: str


ORGANISATIONS: list[DemoOrganisation] = [
    DemoOrganisation(
        "NCCN",
        OrganisationKind.CRISIS_CENTRE,
        "BE",
        ("National Crisis Centre", "Centre de crise National", "Nationaal Crisiscentrum", "Nationales Krisenzentrum"),
        "Brussels",
    ),
    DemoOrganisation(
        "NCTV",
        OrganisationKind.CRISIS_CENTRE,
        "NL",
        (
            "National Coordinator for Security and Counterterrorism",
            "Coordinateur national pour la sécurité et la lutte contre le terrorisme",
            "Nationaal Coördinator Terrorismebestrijding en Veiligheid",
            "Nationaler Koordinator für Terrorismusbekämpfung und Sicherheit",
        ),
        "The Hague",
    ),
    DemoOrganisation(
        "HCPN",
        OrganisationKind.CRISIS_CENTRE,
        "LU",
        (
            "High Commission for National Protection",
            "Haut-Commissariat à la Protection nationale",
            "Hoog Commissariaat voor Nationale Bescherming",
            "Hochkommissariat für nationalen Schutz",
        ),
        "Luxembourg",
    ),
    DemoOrganisation(
        "SGDSN",
        OrganisationKind.CRISIS_CENTRE,
        "FR",
        (
            "General Secretariat for Defence and National Security",
            "Secrétariat général de la défense et de la sécurité nationale",
            "Secretariaat-generaal voor Defensie en Nationale Veiligheid",
            "Generalsekretariat für Verteidigung und nationale Sicherheit",
        ),
        "Paris",
    ),
    DemoOrganisation(
        "BBK",
        OrganisationKind.CRISIS_CENTRE,
        "DE",
        (
            "Federal Office of Civil Protection and Disaster Assistance",
            "Office fédéral de la protection de la population et de l'aide en cas de catastrophe",
            "Federaal Bureau voor Bevolkingsbescherming en Rampenbestrijding",
            "Bundesamt für Bevölkerungsschutz und Katastrophenhilfe",
        ),
        "Bonn",
    ),
    DemoOrganisation(
        "SKKM",
        OrganisationKind.CRISIS_CENTRE,
        "AT",
        (
            "National Crisis and Disaster Management",
            "Gestion nationale des crises et des catastrophes",
            "Nationaal Crisis- en Rampenbeheer",
            "Staatliches Krisen- und Katastrophenschutzmanagement",
        ),
        "Vienna",
    ),
    DemoOrganisation(
        "HZS ČR",
        OrganisationKind.CRISIS_CENTRE,
        "CZ",
        (
            "Fire Rescue Service of the Czech Republic",
            "Corps des sapeurs-pompiers de la République tchèque",
            "Brandweer- en Reddingsdienst van Tsjechië",
            "Feuerwehr- und Rettungsdienst der Tschechischen Republik",
        ),
        "Prague",
    ),
    DemoOrganisation(
        "DEMA",
        OrganisationKind.CRISIS_CENTRE,
        "DK",
        (
            "Danish Emergency Management Agency",
            "Agence danoise de gestion des urgences",
            "Deens Agentschap voor Noodbeheer",
            "Dänische Behörde für Notfallmanagement",
        ),
        "Birkerød",
    ),
    DemoOrganisation(
        "PäA",
        OrganisationKind.CRISIS_CENTRE,
        "EE",
        ("Estonian Rescue Board", "Office estonien de secours", "Estse Reddingsdienst", "Estnische Rettungsbehörde"),
        "Tallinn",
    ),
    DemoOrganisation(
        "TIKE",
        OrganisationKind.CRISIS_CENTRE,
        "FI",
        (
            "Government Situation Centre",
            "Centre de situation du gouvernement",
            "Situatiecentrum van de regering",
            "Lagezentrum der Regierung",
        ),
        "Helsinki",
    ),
    DemoOrganisation(
        "GSCP",
        OrganisationKind.CRISIS_CENTRE,
        "GR",
        (
            "General Secretariat for Civil Protection",
            "Secrétariat général de la protection civile",
            "Secretariaat-generaal voor Civiele Bescherming",
            "Generalsekretariat für Katastrophenschutz",
        ),
        "Athens",
    ),
    DemoOrganisation(
        "OKF",
        OrganisationKind.CRISIS_CENTRE,
        "HU",
        (
            "National Directorate General for Disaster Management",
            "Direction générale nationale de la gestion des catastrophes",
            "Nationaal Directoraat-generaal voor Rampenbeheersing",
            "Nationale Generaldirektion für Katastrophenschutz",
        ),
        "Budapest",
    ),
    DemoOrganisation(
        "OEP",
        OrganisationKind.CRISIS_CENTRE,
        "IE",
        (
            "Office of Emergency Planning",
            "Bureau de la planification d'urgence",
            "Bureau voor Noodplanning",
            "Amt für Notfallplanung",
        ),
        "Dublin",
    ),
    DemoOrganisation(
        "DPC",
        OrganisationKind.CRISIS_CENTRE,
        "IT",
        (
            "Civil Protection Department",
            "Département de la protection civile",
            "Departement Civiele Bescherming",
            "Abteilung Katastrophenschutz",
        ),
        "Rome",
    ),
    DemoOrganisation(
        "VUGD",
        OrganisationKind.CRISIS_CENTRE,
        "LV",
        (
            "State Fire and Rescue Service",
            "Service national d'incendie et de secours",
            "Staatsbrandweer- en Reddingsdienst",
            "Staatlicher Feuerwehr- und Rettungsdienst",
        ),
        "Riga",
    ),
    DemoOrganisation(
        "NKVC",
        OrganisationKind.CRISIS_CENTRE,
        "LT",
        (
            "National Crisis Management Centre",
            "Centre national de gestion des crises",
            "Nationaal Centrum voor Crisisbeheer",
            "Nationales Krisenmanagementzentrum",
        ),
        "Vilnius",
    ),
    DemoOrganisation(
        "RCB",
        OrganisationKind.CRISIS_CENTRE,
        "PL",
        (
            "Government Centre for Security",
            "Centre gouvernemental de sécurité",
            "Regeringscentrum voor Veiligheid",
            "Regierungszentrum für Sicherheit",
        ),
        "Warsaw",
    ),
    DemoOrganisation(
        "ANEPC",
        OrganisationKind.CRISIS_CENTRE,
        "PT",
        (
            "National Authority for Emergency and Civil Protection",
            "Autorité nationale des urgences et de la protection civile",
            "Nationale Autoriteit voor Noodsituaties en Civiele Bescherming",
            "Nationale Behörde für Notfälle und Katastrophenschutz",
        ),
        "Carnaxide",
    ),
    DemoOrganisation(
        "DSU",
        OrganisationKind.CRISIS_CENTRE,
        "RO",
        (
            "Department for Emergency Situations",
            "Département pour les situations d'urgence",
            "Departement voor Noodsituaties",
            "Abteilung für Notsituationen",
        ),
        "Bucharest",
    ),
    DemoOrganisation(
        "URSZR",
        OrganisationKind.CRISIS_CENTRE,
        "SI",
        (
            "Administration for Civil Protection and Disaster Relief",
            "Administration de la protection civile et des secours",
            "Administratie voor Civiele Bescherming en Rampenbestrijding",
            "Verwaltung für Zivilschutz und Katastrophenhilfe",
        ),
        "Ljubljana",
    ),
    DemoOrganisation(
        "DSN",
        OrganisationKind.CRISIS_CENTRE,
        "ES",
        (
            "Department of National Security",
            "Département de la sécurité nationale",
            "Departement Nationale Veiligheid",
            "Abteilung für nationale Sicherheit",
        ),
        "Madrid",
    ),
    DemoOrganisation(
        "MSB",
        OrganisationKind.CRISIS_CENTRE,
        "SE",
        (
            "Swedish Civil Contingencies Agency",
            "Agence suédoise de protection civile",
            "Zweeds Agentschap voor Civiele Noodsituaties",
            "Schwedische Behörde für Zivilschutz",
        ),
        "Karlstad",
    ),
    DemoOrganisation(
        "CD",
        OrganisationKind.CRISIS_CENTRE,
        "CY",
        ("Cyprus Civil Defence", "Défense civile de Chypre", "Civiele Bescherming van Cyprus", "Zivilschutz Zypern"),
        "Nicosia",
    ),
    DemoOrganisation(
        "GSC RELEX",
        OrganisationKind.EU_BODY,
        None,
        (
            "General Secretariat of the Council – Directorate-General for External Relations",
            "Secrétariat général du Conseil – Direction générale des relations extérieures",
            "Secretariaat-generaal van de Raad – Directoraat-generaal Buitenlandse Betrekkingen",
            "Generalsekretariat des Rates – Generaldirektion Außenbeziehungen",
        ),
        "Brussels",
    ),
    DemoOrganisation(
        "Benelux",
        OrganisationKind.SECRETARIAT,
        None,
        (
            "General Secretariat of the Benelux Union",
            "Secrétariat général de l'Union Benelux",
            "Secretariaat-generaal van de Benelux Unie",
            "Generalsekretariat der Benelux-Union",
        ),
        "Brussels",
    ),
]

TITLES = {
    # role: (English, French, Dutch, German); French and German have a feminine form (second tuple).
    "dg": (
        ("Director-General", "Directeur général", "Directeur-generaal", "Generaldirektor"),
        ("Director-General", "Directrice générale", "Directeur-generaal", "Generaldirektorin"),
    ),
    "deputy": (
        (
            "Deputy Director-General",
            "Directeur général adjoint",
            "Adjunct-directeur-generaal",
            "Stellvertretender Generaldirektor",
        ),
        (
            "Deputy Director-General",
            "Directrice générale adjointe",
            "Adjunct-directeur-generaal",
            "Stellvertretende Generaldirektorin",
        ),
    ),
    "assistant": (
        ("Executive Assistant", "Assistant de direction", "Directieassistent", "Direktionsassistent"),
        ("Executive Assistant", "Assistante de direction", "Directieassistente", "Direktionsassistentin"),
    ),
    "liaison": (
        (
            "Presidency Liaison Officer",
            "Chargé de liaison de la Présidence",
            "Verbindingsofficier van het Voorzitterschap",
            "Verbindungsbeamter des Vorsitzes",
        ),
        (
            "Presidency Liaison Officer",
            "Chargée de liaison de la Présidence",
            "Verbindingsofficier van het Voorzitterschap",
            "Verbindungsbeamtin des Vorsitzes",
        ),
    ),
    "advisor": (
        (
            "Crisis Response Adviser",
            "Conseiller en réaction aux crises",
            "Adviseur crisisrespons",
            "Berater für Krisenreaktion",
        ),
        (
            "Crisis Response Adviser",
            "Conseillère en réaction aux crises",
            "Adviseur crisisrespons",
            "Beraterin für Krisenreaktion",
        ),
    ),
    "sg": (
        ("Secretary-General", "Secrétaire général", "Secretaris-generaal", "Generalsekretär"),
        ("Secretary-General", "Secrétaire générale", "Secretaris-generaal", "Generalsekretärin"),
    ),
    "officer": (
        ("Policy Officer", "Chargé de mission", "Beleidsmedewerker", "Referent"),
        ("Policy Officer", "Chargée de mission", "Beleidsmedewerker", "Referentin"),
    ),
}


@dataclass(frozen=True)
class DemoPerson:
    first_name: str
    last_name: str
    organisation: str  # acronym
    language: str
    title: str  # key of TITLES
    feminine: bool
    mandates: tuple[tuple[str, datetime.date, datetime.date | None], ...] = field(default_factory=tuple)
    acting: bool = False

    @property
    def email(self) -> str:
        local = f"{self.first_name}.{self.last_name}".lower().replace(" ", "-")
        ascii_local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
        return f"{ascii_local}@example.org"


DG, DEP, ASS, CP, OBS, SEC = (
    Role.DIRECTOR_GENERAL,
    Role.DEPUTY,
    Role.ASSISTANT,
    Role.CONTACT_POINT,
    Role.OBSERVER,
    Role.SECRETARIAT,
)

PEOPLE: list[DemoPerson] = [
    # Belgium chairs the network.
    DemoPerson("Bart", "Raeymaekers", "NCCN", "nl", "dg", False, ((DG, D(2018, 1, 1), None),)),
    DemoPerson("Sofie", "Janssens", "NCCN", "nl", "deputy", True, ((DEP, D(2019, 9, 1), None),)),
    DemoPerson("Nadia", "El Amrani", "NCCN", "fr", "assistant", True, ((ASS, D(2020, 3, 1), None),)),
    DemoPerson("Pieter", "Wouters", "NCCN", "nl", "advisor", False, ((CP, D(2021, 1, 1), None),)),
    # The Netherlands: a change of director-general in 2023 keeps the history answerable.
    DemoPerson("Pieter", "Bakker", "NCTV", "nl", "dg", False, ((DG, D(2018, 5, 1), D(2023, 6, 30)),)),
    DemoPerson("Marieke", "de Vries", "NCTV", "nl", "dg", True, ((DG, D(2023, 7, 1), None),)),
    DemoPerson("Luc", "Weber", "HCPN", "fr", "dg", False, ((DG, D(2017, 4, 1), None),)),
    DemoPerson("Anne", "Schmit", "HCPN", "fr", "assistant", True, ((ASS, D(2019, 1, 1), None),)),
    DemoPerson("Claire", "Dubois", "SGDSN", "fr", "dg", True, ((DG, D(2020, 9, 1), None),)),
    DemoPerson("Julien", "Moreau", "SGDSN", "fr", "deputy", False, ((DEP, D(2021, 2, 1), None),)),
    DemoPerson("Camille", "Laurent", "SGDSN", "fr", "assistant", True, ((ASS, D(2020, 9, 1), None),)),
    DemoPerson("Hugo", "Lefèvre", "SGDSN", "fr", "liaison", False, ((OBS, D(2022, 1, 1), D(2022, 6, 30)),)),
    DemoPerson("Thomas", "Becker", "BBK", "de", "dg", False, ((DG, D(2019, 11, 1), None),)),
    DemoPerson("Julia", "Schneider", "BBK", "de", "deputy", True, ((DEP, D(2020, 6, 1), None),)),
    DemoPerson("Katharina", "Huber", "SKKM", "de", "dg", True, ((DG, D(2018, 7, 1), None),)),
    DemoPerson("Petr", "Novák", "HZS ČR", "en", "dg", False, ((DG, D(2019, 3, 1), None),)),
    DemoPerson("Mette", "Larsen", "DEMA", "en", "dg", True, ((DG, D(2020, 1, 1), None),)),
    DemoPerson("Kadri", "Tamm", "PäA", "en", "dg", True, ((DG, D(2021, 5, 1), None),)),
    DemoPerson("Mikko", "Virtanen", "TIKE", "en", "dg", False, ((DG, D(2017, 10, 1), None),)),
    DemoPerson("Eleni", "Papadopoulou", "GSCP", "en", "dg", True, ((DG, D(2021, 1, 1), None),)),
    DemoPerson("Gábor", "Szabó", "OKF", "en", "dg", False, ((DG, D(2019, 2, 1), None),)),
    DemoPerson("Siobhán", "Murphy", "OEP", "en", "dg", True, ((DG, D(2020, 4, 1), None),)),
    DemoPerson("Ciarán", "Walsh", "OEP", "en", "liaison", False, ((OBS, D(2026, 7, 1), D(2026, 12, 31)),)),
    DemoPerson("Giulia", "Rossi", "DPC", "en", "dg", True, ((DG, D(2021, 3, 1), None),)),
    DemoPerson("Jānis", "Bērziņš", "VUGD", "en", "dg", False, ((DG, D(2018, 9, 1), None),)),
    DemoPerson("Rūta", "Kazlauskienė", "NKVC", "en", "dg", True, ((DG, D(2022, 1, 1), None),)),
    DemoPerson("Tomas", "Jonaitis", "NKVC", "en", "liaison", False, ((OBS, D(2027, 1, 1), D(2027, 6, 30)),)),
    DemoPerson("Tomasz", "Kowalski", "RCB", "en", "dg", False, ((DG, D(2020, 8, 1), None),)),
    DemoPerson("Ana", "Pereira", "ANEPC", "en", "dg", True, ((DG, D(2019, 6, 1), None),)),
    DemoPerson("Andrei", "Popescu", "DSU", "fr", "dg", False, ((DG, D(2018, 2, 1), None),)),
    DemoPerson("Maja", "Novak", "URSZR", "en", "dg", True, ((DG, D(2020, 10, 1), None),)),
    DemoPerson("Javier", "García", "DSN", "en", "dg", False, ((DG, D(2019, 5, 1), None),)),
    DemoPerson("Anna", "Lindqvist", "MSB", "en", "dg", True, ((DG, D(2021, 1, 1), None),)),
    DemoPerson("Andreas", "Georgiou", "CD", "en", "dg", False, ((DG, D(2019, 12, 1), None),)),
    # Observers: the Council's directorate-general for external relations.
    DemoPerson("Elena", "Marini", "GSC RELEX", "en", "advisor", True, ((OBS, D(2020, 1, 1), None),)),
    # The secretariat: the Benelux Union's secretariat-general.
    DemoPerson("Alain", "de Muyser", "Benelux", "fr", "sg", False, ((SEC, D(2021, 3, 1), None),)),
    DemoPerson("Sarah", "Peeters", "Benelux", "nl", "officer", True, ((SEC, D(2019, 1, 1), None),)),
]

# Council Presidencies from 2022 to 2027: (country, first day, last day, representative's email)
PRESIDENCIES = [
    ("FR", D(2022, 1, 1), D(2022, 6, 30), "hugo.lefevre@example.org"),
    ("CZ", D(2022, 7, 1), D(2022, 12, 31), None),
    ("SE", D(2023, 1, 1), D(2023, 6, 30), None),
    ("ES", D(2023, 7, 1), D(2023, 12, 31), None),
    ("BE", D(2024, 1, 1), D(2024, 6, 30), None),
    ("HU", D(2024, 7, 1), D(2024, 12, 31), None),
    ("PL", D(2025, 1, 1), D(2025, 6, 30), None),
    ("DK", D(2025, 7, 1), D(2025, 12, 31), None),
    ("CY", D(2026, 1, 1), D(2026, 6, 30), None),
    ("IE", D(2026, 7, 1), D(2026, 12, 31), "ciaran.walsh@example.org"),
    ("LT", D(2027, 1, 1), D(2027, 6, 30), "tomas.jonaitis@example.org"),
    ("GR", D(2027, 7, 1), D(2027, 12, 31), None),
]

SECRETARIAT_LOGIN = "sarah.peeters@example.org"
DIRECTOR_LOGIN = "claire.dubois@example.org"

# One portal account per role besides the two above (label, registry email, secretariat staff); what each sees is
# in the README. They are people of ``PEOPLE``, so the meetings of 2022 show each role as the record has it.
ROLE_LOGINS: list[tuple[str, str, bool]] = [
    ("director-general (English)", "mikko.virtanen@example.org", False),
    ("director-general (German)", "thomas.becker@example.org", False),
    ("deputy", "julien.moreau@example.org", False),  # replaced Claire Dubois on 28 April 2022
    ("observer (EU body)", "elena.marini@example.org", False),
    ("Presidency's representative", "hugo.lefevre@example.org", False),  # the French Presidency of 2022
    ("assistant", "camille.laurent@example.org", False),  # Claire Dubois's assistant
    ("secretariat (second member)", "alain.de-muyser@example.org", True),
]


def _translations(field_name: str, values: tuple[str, str, str, str]) -> dict[str, str]:
    return {f"{field_name}_{lang}": value for lang, value in zip(("en", "fr", "nl", "de"), values, strict=True)}


def _fake_phone(dialling_code: str, index: int) -> str:
    return f"+{dialling_code} 555 {index:02d} {index * 7 % 100:02d}"


@transaction.atomic
def load() -> dict[str, int]:
    """Create the demo registry where it is missing. Returns how many rows of each kind were created."""
    created = {"countries": 0, "organisations": 0, "people": 0, "mandates": 0, "presidencies": 0}

    countries: dict[str, Country] = {}
    for code, (names, is_eu, _dial, _capital) in COUNTRIES.items():
        countries[code], new = Country.objects.get_or_create(
            code=code,
            defaults={**_translations("name", names), "is_eu_member": is_eu, "participation": Participation.MEMBER},
        )
        created["countries"] += new

    organisations: dict[str, Organisation] = {}
    for index, org in enumerate(ORGANISATIONS, start=1):
        slug = unicodedata.normalize("NFKD", org.acronym).encode("ascii", "ignore").decode().lower().replace(" ", "-")
        dial = COUNTRIES[org.country][2] if org.country else "32"
        organisations[org.acronym], new = Organisation.objects.get_or_create(
            acronym_en=org.acronym,
            country=countries.get(org.country) if org.country else None,
            defaults={
                **_translations("name", org.names),
                "kind": org.kind,
                "phone_24_7": _fake_phone(dial, index),
                "mailbox_24_7": f"24-7@{slug}.example.org",
                "address": f"Demo Street {index}\n{org.city}",
                "website": f"https://{slug}.example.org",
            },
        )
        created["organisations"] += new

    people: dict[str, Person] = {}
    for index, demo in enumerate(PEOPLE, start=1):
        organisation = organisations[demo.organisation]
        dial = COUNTRIES[organisation.country.code][2] if organisation.country_id else "32"
        person = Person.objects.filter(email__iexact=demo.email).first()
        if person is None:
            person = Person(
                first_name=demo.first_name,
                last_name=demo.last_name,
                email=demo.email,
                phone=_fake_phone(dial, 40 + index),
                preferred_language=demo.language,
                organisation=organisation,
                **_translations("title", TITLES[demo.title][demo.feminine]),
            )
            person.full_clean()
            person.save()
            created["people"] += 1
        people[demo.email] = person
        for role, start, end in demo.mandates:
            mandate, new = Mandate.objects.get_or_create(
                person=person,
                organisation=organisation,
                role=role,
                start_date=start,
                defaults={"end_date": end, "acting": demo.acting},
            )
            created["mandates"] += new

    for code, start, end, representative in PRESIDENCIES:
        _presidency, new = Presidency.objects.get_or_create(
            country=countries[code],
            start_date=start,
            defaults={"end_date": end, "representative": people.get(representative) if representative else None},
        )
        created["presidencies"] += new
    return created
