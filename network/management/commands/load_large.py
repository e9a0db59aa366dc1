"""``manage.py load_large``: a synthetic network of realistic size, made fast with ``bulk_create``, for query
budgets and benchmarks (``bench/queries.py``).

    manage.py load_large        # 60 countries, 300 people, 500 meetings, 30,000 invitations, 100,000 lessons
    manage.py load_large --countries 10 --meetings 5 --invitations 200 --lessons 100      # a small network

It refuses to run on a database that already has meetings, unless ``--force``: it is for scratch databases.
Rows are random but reproducible (``--seed``). No history rows and no emails: bulk_create bypasses ``save()``.
"""

from __future__ import annotations

import datetime
import random
import time
import uuid
import zoneinfo

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from knowledge import services as knowledge
from knowledge.models import Action, Conclusion, LessonLearned, LessonStatus, Phase
from meetings.enums import Answer, AttendanceMode, Capacity, MeetingFormat, MeetingStatus
from meetings.models import AgendaItem, Crisis, Invitation, Meeting, Theme
from members.enums import OrganisationKind, Participation, Role
from members.iso3166 import ALPHA_2
from members.models import Country, Mandate, Organisation, Person
from outbox.models import MessageKind, MessageStatus, OutgoingMessage

BATCH = 5000
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
LANGUAGES = ("en", "fr", "nl", "de")

# EU members first (with their names), then the other codes in order: the first countries read naturally.
EU = {
    "AT": "Austria",
    "BE": "Belgium",
    "BG": "Bulgaria",
    "HR": "Croatia",
    "CY": "Cyprus",
    "CZ": "Czechia",
    "DK": "Denmark",
    "EE": "Estonia",
    "FI": "Finland",
    "FR": "France",
    "DE": "Germany",
    "GR": "Greece",
    "HU": "Hungary",
    "IE": "Ireland",
    "IT": "Italy",
    "LV": "Latvia",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "MT": "Malta",
    "NL": "Netherlands",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "SK": "Slovakia",
    "SI": "Slovenia",
    "ES": "Spain",
    "SE": "Sweden",
}


def _vocabulary(words: str) -> list[str]:
    return words.split()


WORDS = {
    "en": _vocabulary(
        "crisis centre reception displaced people shelter municipality volunteers coordination cyber attack website "
        "outage disinformation rumour social media population warning message translation hotline emergency "
        "services police health hospital school transport border registration housing family children energy "
        "storm flood heat pandemic exercise plan procedure evaluation partner initiative information resilience"
    ),
    "fr": _vocabulary(
        "crise centre accueil personnes déplacées hébergement commune bénévoles coordination attaque informatique "
        "site panne désinformation rumeur réseaux sociaux population alerte message traduction urgence services "
        "police santé hôpital école transport frontière registre logement famille enfants énergie tempête "
        "inondation canicule pandémie exercice plan procédure évaluation partenaire initiative résilience"
    ),
    "nl": _vocabulary(
        "crisis centrum opvang ontheemden huisvesting gemeente vrijwilligers coördinatie cyberaanval website "
        "storing desinformatie gerucht sociale media bevolking waarschuwing bericht vertaling hulplijn nooddiensten "
        "politie gezondheid ziekenhuis school vervoer grens registratie woning gezin kinderen energie storm "
        "overstroming hittegolf pandemie oefening plan procedure evaluatie partner informatie veerkracht"
    ),
    "de": _vocabulary(
        "Krise Zentrum Aufnahme Vertriebene Unterbringung Gemeinde Freiwillige Koordinierung Cyberangriff Webseite "
        "Ausfall Desinformation Gerücht soziale Medien Bevölkerung Warnung Nachricht Übersetzung Hotline "
        "Rettungsdienste Polizei Gesundheit Krankenhaus Schule Verkehr Grenze Registrierung Wohnung Familie Kinder "
        "Energie Sturm Hochwasser Hitzewelle Pandemie Übung Plan Verfahren Bewertung Partner Information Resilienz"
    ),
}
FIRST_NAMES = ["Anna", "Bram", "Claire", "Dirk", "Elena", "Frank", "Greta", "Hugo", "Ines", "Jan", "Katrin", "Luc"]
LAST_NAMES = ["Peeters", "Martin", "Jansen", "Müller", "Dubois", "Visser", "Schmidt", "Lambert", "Bakker", "Weber"]
THEMES = [
    "Cyber security",
    "Disinformation",
    "Reception of displaced people",
    "Communication with the population",
    "Coordination with NGOs and private initiatives",
    "EU–national cooperation",
]


class Command(BaseCommand):
    help = "Create a large synthetic network with bulk inserts (for benchmarks); refuses a database with meetings."

    def add_arguments(self, parser):
        parser.add_argument("--countries", type=int, default=60)
        parser.add_argument("--people-per-country", type=int, default=5)
        parser.add_argument("--meetings", type=int, default=500)
        parser.add_argument("--invitations", type=int, default=30000)
        parser.add_argument("--lessons", type=int, default=100000)
        parser.add_argument("--seed", type=int, default=2022, help="Random seed: the same seed makes the same data.")
        parser.add_argument("--force", action="store_true", help="Add to a database that already has meetings.")

    def handle(self, *args, **options):
        if not options["force"] and Meeting.objects.exists():
            raise CommandError(
                "The database already has meetings: load_large is for empty scratch databases (--force)."
            )
        for name in ("countries", "people_per_country", "meetings", "invitations", "lessons"):
            if options[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} cannot be negative.")
        if options["countries"] < 1 or options["people_per_country"] < 1:
            raise CommandError("A network needs at least one country and one person per country.")
        self.rng = random.Random(options["seed"])
        self.run = uuid.uuid4().hex[:8]  # keeps emails and outbox keys unique when --force adds a second network
        self.now = timezone.now()
        started = time.perf_counter()
        with transaction.atomic():
            countries = self._countries(options["countries"])
            people = self._people(countries, options["people_per_country"])
            meetings = self._meetings(options["meetings"], people)
            invitations = self._invitations(meetings, people, options["invitations"])
            messages = self._outbox(invitations)
            conclusions, actions = self._outcomes(meetings, countries)
            lessons = self._lessons(options["lessons"], countries, meetings)
            indexing = time.perf_counter()
            knowledge.index_lessons(LessonLearned.objects.filter(search_vector__isnull=True))
            index_seconds = time.perf_counter() - indexing
        seconds = time.perf_counter() - started

        counts = {
            "countries": len(countries),
            "organisations": len(countries),
            "people": len(people),
            "mandates": len(people),
            "meetings": len(meetings),
            "agenda items": self.agenda_items,
            "invitations": len(invitations),
            "outbox": messages,
            "conclusions": conclusions,
            "actions": actions,
            "lessons": lessons,
        }
        self.stdout.write("Large network created:")
        for name, n in counts.items():
            self.stdout.write(f"  {name:<14}{n:>9,}")
        self.stdout.write(f"  in {seconds:.1f} s (of which {index_seconds:.1f} s indexing the lessons' search)")

    # --- Registry ---------------------------------------------------------------------------------------------------

    def _countries(self, n: int) -> list[Country]:
        taken = set(Country.objects.values_list("code", flat=True))
        codes = [c for c in [*EU, *sorted(ALPHA_2 - set(EU))] if c not in taken][:n]
        if len(codes) < n:
            raise CommandError(f"Only {len(codes)} ISO 3166 codes are still free for new countries.")
        countries = [
            Country(
                code=code,
                name=EU.get(code, f"Country {code}"),
                name_en=EU.get(code, f"Country {code}"),
                is_eu_member=code in EU,
                participation=Participation.MEMBER,
            )
            for code in codes
        ]
        Country.objects.bulk_create(countries)
        self.organisations = Organisation.objects.bulk_create(
            [
                Organisation(
                    kind=OrganisationKind.CRISIS_CENTRE,
                    country=country,
                    name=f"National Crisis Centre of {country.name}",
                    name_en=f"National Crisis Centre of {country.name}",
                    acronym=f"NCC-{country.code}",
                    acronym_en=f"NCC-{country.code}",
                    mailbox_24_7=f"24-7@ncc-{country.code.lower()}.example.org",
                )
                for country in countries
            ]
        )
        return countries

    def _people(self, countries: list[Country], per_country: int) -> list[Person]:
        people, roles = [], []
        for organisation in self.organisations:
            for k in range(per_country):
                role = Role.DIRECTOR_GENERAL if k == 0 else Role.DEPUTY
                title = "Director-General" if k == 0 else "Deputy Director-General"
                people.append(
                    Person(
                        first_name=self.rng.choice(FIRST_NAMES),
                        last_name=f"{self.rng.choice(LAST_NAMES)}-{organisation.country.code}{k}",
                        title=title,
                        title_en=title,
                        email=f"{organisation.country.code.lower()}{k}.{self.run}@large.example.org",
                        preferred_language=LANGUAGES[len(people) % 4],
                        organisation=organisation,
                    )
                )
                roles.append(role)
        Person.objects.bulk_create(people, batch_size=BATCH)
        Mandate.objects.bulk_create(
            [
                Mandate(person=p, organisation=p.organisation, role=role, start_date=datetime.date(2020, 1, 1))
                for p, role in zip(people, roles, strict=True)
            ],
            batch_size=BATCH,
        )
        return people

    # --- Meetings, invitations, outbox ---------------------------------------------------------------------------

    def _meetings(self, n: int, people: list[Person]) -> list[Meeting]:
        crises = Crisis.objects.bulk_create(
            [
                Crisis(name=name, name_en=name, start_date=start)
                for name, start in (
                    ("Displacement from Ukraine", datetime.date(2022, 2, 24)),
                    ("Energy supply", datetime.date(2022, 9, 1)),
                    ("Floods", datetime.date(2021, 7, 14)),
                )
            ]
        )
        self.themes = Theme.objects.bulk_create([Theme(label=label, label_en=label) for label in THEMES])
        self.crises = crises
        past = n - n // 5  # four in five meetings are over
        today = timezone.localdate(self.now, BRUSSELS)
        meetings = []
        for i in range(n):
            day = today + datetime.timedelta(days=7 * (i - past) + 1)
            starts_at = datetime.datetime.combine(day, datetime.time(9, 30), tzinfo=BRUSSELS)
            fmt = (MeetingFormat.IN_PERSON, MeetingFormat.VIRTUAL, MeetingFormat.HYBRID)[i % 3]
            status = MeetingStatus.HELD if i < past else MeetingStatus.INVITED
            if n - past > 1 and i >= n - max(1, (n - past) // 10):
                status = MeetingStatus.DRAFT  # the last few are still being prepared, if there are several ahead
            title = f"DG Network meeting {i + 1}"
            meetings.append(
                Meeting(
                    title=title,
                    title_en=title,
                    title_fr=f"Réunion du réseau DG {i + 1}",
                    title_nl=f"Vergadering van het DG-netwerk {i + 1}",
                    title_de=f"Sitzung des DG-Netzwerks {i + 1}",
                    format=fmt,
                    starts_at=starts_at,
                    ends_at=starts_at + datetime.timedelta(hours=7),
                    answer_deadline=day - datetime.timedelta(days=7),
                    venue_name="" if fmt == MeetingFormat.VIRTUAL else "National Crisis Centre",
                    venue_city="" if fmt == MeetingFormat.VIRTUAL else "Brussels",
                    video_link="" if fmt == MeetingFormat.IN_PERSON else "https://meet.example.org/dg",
                    crisis=self.rng.choice(crises),
                    chair=people[0],
                    host=people[0].organisation,
                    status=status,
                    invitations_sent_at=None if status == MeetingStatus.DRAFT else starts_at - datetime.timedelta(30),
                )
            )
        Meeting.objects.bulk_create(meetings, batch_size=BATCH)
        items = []
        for meeting in meetings:
            for position, title in enumerate(("Welcome", "Tour de table", "Lessons learned", "Next steps"), 1):
                items.append(
                    AgendaItem(
                        meeting=meeting,
                        position=position,
                        title=title,
                        title_en=title,
                        duration_minutes=(15, 120, 90, 30)[position - 1],
                        presenter=self.rng.choice(people) if position == 3 else None,
                    )
                )
        AgendaItem.objects.bulk_create(items, batch_size=BATCH)
        self.agenda_items = len(items)
        return meetings

    def _invitations(self, meetings: list[Meeting], people: list[Person], wanted: int) -> list[Invitation]:
        if not meetings:
            return []
        possible = len(meetings) * len(people)
        if wanted > possible:
            self.stdout.write(f"  --invitations {wanted:,} capped at {possible:,}: everyone is invited to everything")
            wanted = possible
        per_meeting, extra = divmod(wanted, len(meetings))
        invitations = []
        for index, meeting in enumerate(meetings):
            sent = meeting.status != MeetingStatus.DRAFT
            over = meeting.status == MeetingStatus.HELD
            # A sample without replacement: the unique (meeting, person) constraint holds by construction.
            for person in self.rng.sample(people, per_meeting + (1 if index < extra else 0)):
                answer = Answer.PENDING
                if sent:
                    weights = (1, 6, 2) if over else (4, 3, 1)
                    answer = self.rng.choices((Answer.PENDING, Answer.ACCEPTED, Answer.DECLINED), weights)[0]
                invitations.append(
                    Invitation(
                        meeting=meeting,
                        person=person,
                        capacity=Capacity.MEMBER,
                        country_id=person.organisation.country_id,
                        answer=answer,
                        mode=self.rng.choice((AttendanceMode.IN_PERSON, AttendanceMode.ONLINE))
                        if answer == Answer.ACCEPTED
                        else "",
                        answered_at=meeting.starts_at - datetime.timedelta(days=10)
                        if answer != Answer.PENDING
                        else None,
                        sent_at=meeting.invitations_sent_at,
                    )
                )
        return Invitation.objects.bulk_create(invitations, batch_size=BATCH)

    def _outbox(self, invitations: list[Invitation]) -> int:
        """An invitation email for one sent invitation in three, as delivered (or queued, for upcoming meetings)."""
        messages = []
        for invitation in invitations[::3]:
            if invitation.sent_at is None:
                continue
            person, meeting = invitation.person, invitation.meeting
            delivered = meeting.status == MeetingStatus.HELD
            messages.append(
                OutgoingMessage(
                    key=f"invitation:{invitation.pk}:{self.run}",
                    kind=MessageKind.INVITATION,
                    meeting=meeting,
                    invitation=invitation,
                    person=person,
                    to=person.email,
                    language=person.preferred_language,
                    subject=f"Invitation: {meeting.title_en}",
                    body_text="You are invited to the meeting of the DG Network.",
                    message_id=f"<{uuid.uuid4().hex}@dg-network.example.org>",
                    status=MessageStatus.SENT if delivered else MessageStatus.QUEUED,
                    attempts=1 if delivered else 0,
                    created_at=invitation.sent_at,
                    sent_at=invitation.sent_at if delivered else None,
                )
            )
        OutgoingMessage.objects.bulk_create(messages, batch_size=BATCH)
        return len(messages)

    def _outcomes(self, meetings: list[Meeting], countries: list[Country]) -> tuple[int, int]:
        """Two conclusions for each meeting held, each with one action for a country or its crisis centre."""
        held = [m for m in meetings if m.status == MeetingStatus.HELD]
        conclusions = [
            Conclusion(
                meeting=m,
                number=k,
                text=f"The network agrees on point {k}.",
                text_en=f"The network agrees on point {k}.",
            )
            for m in held
            for k in (1, 2)
        ]
        Conclusion.objects.bulk_create(conclusions, batch_size=BATCH)
        actions = []
        for conclusion in conclusions:
            organisation = self.rng.choice(self.organisations)
            by_country = conclusion.number == 1
            title = "Share the national plan" if by_country else "Report back to the network"
            actions.append(
                Action(
                    conclusion=conclusion,
                    title=title,
                    title_en=title,
                    owner_country=organisation.country if by_country else None,
                    owner_organisation=None if by_country else organisation,
                    due_date=conclusion.meeting.starts_at.date() + datetime.timedelta(days=60),
                    status=self.rng.choice(("open", "in_progress", "done")),
                )
            )
        Action.objects.bulk_create(actions, batch_size=BATCH)
        return len(conclusions), len(actions)

    # --- Lessons ---------------------------------------------------------------------------------------------------

    def _lessons(self, n: int, countries: list[Country], meetings: list[Meeting]) -> int:
        held = [m for m in meetings if m.status == MeetingStatus.HELD]
        by_country = {o.country_id: o for o in self.organisations}
        through = LessonLearned.themes.through
        made = 0
        start = self.now - datetime.timedelta(days=5 * 365)
        for first in range(0, n, BATCH):
            batch = []
            for i in range(first, min(n, first + BATCH)):
                language = LANGUAGES[i % 4]
                words = WORDS[language]
                title = " ".join(self.rng.sample(words, 4)).capitalize()
                body = [self.rng.choice(words) for _ in range(self.rng.randint(30, 80))]
                text = " ".join(body).capitalize() + "."
                country = self.rng.choice(countries)
                batch.append(
                    LessonLearned(
                        # Only the language it was written in; readers of the others get it through the fallback.
                        **{f"title_{language}": title, f"text_{language}": text},
                        original_language=language,
                        country=country,
                        organisation=by_country[country.pk],
                        crisis=self.rng.choice(self.crises),
                        meeting=self.rng.choice(held) if held and i % 3 == 0 else None,
                        phase=self.rng.choice(Phase.values),
                        status=self.rng.choices(
                            (LessonStatus.SHARED, LessonStatus.PUBLISHED, LessonStatus.DRAFT), (8, 1, 1)
                        )[0],
                        created_at=start + datetime.timedelta(minutes=self.rng.randrange(5 * 365 * 24 * 60)),
                    )
                )
            LessonLearned.objects.bulk_create(batch)
            through.objects.bulk_create(
                [through(lessonlearned_id=lesson.pk, theme_id=self.rng.choice(self.themes).pk) for lesson in batch]
            )
            made += len(batch)
        return made
