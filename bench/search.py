"""Lessons search benchmark: 100,000 lessons across the four languages in PostgreSQL; median and 95th percentile
of a library search (matches, rank, highlighted excerpt, first page of 20, the count) through the knowledge app's
``search_lessons``, and whether the plan uses the GIN index on the lessons' search vector.

    .venv/bin/python bench/search.py [N]

Uses a scratch database ``dgnetwork_bench_search`` on 127.0.0.1 (created and dropped), prints a table and writes
bench/results/search.json. Targets: median under 20 ms, 95th percentile under 50 ms, the GIN index used.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import ADMIN_URL, database_url, load_average, print_verdicts, verdict, write_result  # noqa: E402

DB_NAME = "dgnetwork_bench_search"
DB_URL = database_url(DB_NAME)
MEDIAN_MS, P95_MS = 20, 50  # targets (issue 17)

WORDS = {
    "en": [
        "crisis",
        "centre",
        "reception",
        "displaced",
        "people",
        "shelter",
        "municipality",
        "volunteers",
        "coordination",
        "cyber",
        "attack",
        "website",
        "outage",
        "disinformation",
        "rumour",
        "social",
        "media",
        "population",
        "warning",
        "message",
        "translation",
        "hotline",
        "emergency",
        "services",
        "police",
        "fire",
        "health",
        "hospital",
        "school",
        "transport",
        "border",
        "train",
        "bus",
        "registration",
        "housing",
        "family",
        "children",
        "medical",
        "care",
        "energy",
        "supply",
        "fuel",
        "storm",
        "flood",
        "heat",
        "wave",
        "pandemic",
        "vaccine",
        "exercise",
        "plan",
        "procedure",
        "lesson",
        "learned",
        "evaluation",
        "network",
        "partner",
        "ngo",
        "private",
        "initiative",
        "information",
        "sharing",
        "europe",
        "council",
        "presidency",
        "ipcr",
        "resilience",
        "preparedness",
        "response",
        "recovery",
        "logistics",
        "interpreter",
        "dialogue",
    ],
    "fr": [
        "crise",
        "centre",
        "accueil",
        "personnes",
        "déplacées",
        "hébergement",
        "commune",
        "bénévoles",
        "coordination",
        "attaque",
        "informatique",
        "site",
        "panne",
        "désinformation",
        "rumeur",
        "réseaux",
        "sociaux",
        "population",
        "alerte",
        "message",
        "traduction",
        "numéro",
        "urgence",
        "services",
        "police",
        "pompiers",
        "santé",
        "hôpital",
        "école",
        "transport",
        "frontière",
        "train",
        "registre",
        "logement",
        "famille",
        "enfants",
        "soins",
        "énergie",
        "approvisionnement",
        "tempête",
        "inondation",
        "canicule",
        "pandémie",
        "vaccin",
        "exercice",
        "plan",
        "procédure",
        "enseignement",
        "évaluation",
        "réseau",
        "partenaire",
        "ong",
        "initiative",
        "privée",
        "information",
        "europe",
        "conseil",
        "présidence",
        "résilience",
        "préparation",
        "réponse",
        "rétablissement",
        "logistique",
        "interprète",
        "dialogue",
    ],
    "nl": [
        "crisis",
        "centrum",
        "opvang",
        "ontheemden",
        "huisvesting",
        "gemeente",
        "vrijwilligers",
        "coördinatie",
        "cyberaanval",
        "website",
        "storing",
        "desinformatie",
        "gerucht",
        "sociale",
        "media",
        "bevolking",
        "waarschuwing",
        "bericht",
        "vertaling",
        "hulplijn",
        "nooddiensten",
        "politie",
        "brandweer",
        "gezondheid",
        "ziekenhuis",
        "school",
        "vervoer",
        "grens",
        "trein",
        "registratie",
        "woning",
        "gezin",
        "kinderen",
        "zorg",
        "energie",
        "bevoorrading",
        "storm",
        "overstroming",
        "hittegolf",
        "pandemie",
        "vaccin",
        "oefening",
        "plan",
        "procedure",
        "les",
        "evaluatie",
        "netwerk",
        "partner",
        "ngo",
        "privé-initiatief",
        "informatie",
        "europa",
        "raad",
        "voorzitterschap",
        "veerkracht",
        "paraatheid",
        "respons",
        "herstel",
        "logistiek",
        "tolk",
        "dialoog",
    ],
    "de": [
        "Krise",
        "Zentrum",
        "Aufnahme",
        "Vertriebene",
        "Unterbringung",
        "Gemeinde",
        "Freiwillige",
        "Koordinierung",
        "Cyberangriff",
        "Webseite",
        "Ausfall",
        "Desinformation",
        "Gerücht",
        "soziale",
        "Medien",
        "Bevölkerung",
        "Warnung",
        "Nachricht",
        "Übersetzung",
        "Hotline",
        "Rettungsdienste",
        "Polizei",
        "Feuerwehr",
        "Gesundheit",
        "Krankenhaus",
        "Schule",
        "Verkehr",
        "Grenze",
        "Zug",
        "Registrierung",
        "Wohnung",
        "Familie",
        "Kinder",
        "Versorgung",
        "Energie",
        "Sturm",
        "Hochwasser",
        "Hitzewelle",
        "Pandemie",
        "Impfstoff",
        "Übung",
        "Plan",
        "Verfahren",
        "Lehre",
        "Bewertung",
        "Netzwerk",
        "Partner",
        "NGO",
        "private",
        "Initiative",
        "Information",
        "Europa",
        "Rat",
        "Vorsitz",
        "Resilienz",
        "Vorsorge",
        "Reaktion",
        "Wiederherstellung",
        "Logistik",
        "Dolmetscher",
        "Dialog",
    ],
}
QUERIES = [
    ("en", "cyber attack"),
    ("en", "interpreter"),
    ("en", '"social media"'),
    ("en", "flood -storm"),
    ("fr", "désinformation"),
    ("fr", "hébergement familles"),
    ("fr", "canicule"),
    ("fr", "interprète"),
    ("nl", "opvang"),
    ("nl", "overstroming"),
    ("nl", "tolk dialoog"),
    ("nl", "vrijwilligers"),
    ("de", "Bevölkerung"),
    ("de", "Hochwasser"),
    ("de", "Dolmetscher"),
    ("de", "Unterbringung Familie"),
    ("en", "((unbalanced"),
    ("fr", "réseau OR europe"),
]


def run(*args: str, env: dict | None = None) -> None:
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True, env=env, stdout=subprocess.DEVNULL)


def scratch_database() -> None:
    import psycopg2

    connection = psycopg2.connect(ADMIN_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        cursor.execute(f"CREATE DATABASE {DB_NAME}")
    connection.close()


def drop_database() -> None:
    import psycopg2

    connection = psycopg2.connect(ADMIN_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    connection.close()


def load(n: int) -> float:
    from knowledge import services as knowledge
    from knowledge.models import LessonLearned
    from members.models import Country

    rng = random.Random(2022)
    # Real lessons use thousands of distinct words: a few domain terms among many others. Filler words are made
    # of syllables so that each language has a vocabulary of ~20,000 words.
    syllables = [
        "ka",
        "lo",
        "mi",
        "ne",
        "ru",
        "sa",
        "ti",
        "vo",
        "ze",
        "ber",
        "dan",
        "gor",
        "hel",
        "jus",
        "kor",
        "lan",
        "mor",
        "nis",
        "pel",
        "rod",
        "sel",
        "tor",
        "ul",
        "vin",
        "wes",
    ]
    filler = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(30000)})
    countries = [Country.objects.create(code=c, name_en=c) for c in ("BE", "FR", "NL", "DE", "LU", "AT", "PL", "EE")]
    started = time.perf_counter()
    batch = []
    for i in range(n):
        language = ("en", "fr", "nl", "de")[i % 4]
        words = WORDS[language]
        title = " ".join(rng.sample(words, 3) + rng.sample(filler, 3)).capitalize()
        body = rng.sample(words, 8) + [rng.choice(filler) for _ in range(rng.randint(40, 80))]
        rng.shuffle(body)
        text = " ".join(body) + "."
        fields = {
            f"title_{language}": title,
            f"text_{language}": text,
            "title_en": title if language != "en" else title,
        }
        batch.append(
            LessonLearned(country=rng.choice(countries), original_language=language, status="shared", **fields)
        )
        if len(batch) == 5000:
            LessonLearned.objects.bulk_create(batch)
            batch = []
    LessonLearned.objects.bulk_create(batch)
    knowledge.index_lessons()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(LessonLearned._meta.db_table)}")
    return time.perf_counter() - started


def search_indexes() -> list[str]:
    """The names of the GIN indexes on the lessons' search vector."""
    from django.db import connection

    from knowledge.models import LessonLearned

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef ILIKE %s",
            [LessonLearned._meta.db_table, "%using gin (search_vector)%"],
        )
        return [row[0] for row in cursor.fetchall()]


def measure(rounds: int) -> tuple[list[float], dict[str, float], str]:
    from django.db import connection

    from knowledge import services as knowledge
    from knowledge.models import LessonLearned

    def one(language: str, q: str) -> float:
        started = time.perf_counter()
        qs = knowledge.search_lessons(LessonLearned.objects.exclude(status="draft"), q, language=language)
        page = list(qs[:20])
        for lesson in page:
            knowledge.highlight(lesson.headline, q)
        qs.count()
        return (time.perf_counter() - started) * 1000

    for language, q in QUERIES:  # warm the cache
        one(language, q)
    timings: list[float] = []
    per_query: dict[str, list[float]] = {}
    for _ in range(rounds):
        for language, q in QUERIES:
            ms = one(language, q)
            timings.append(ms)
            per_query.setdefault(q, []).append(ms)
    sql, params = knowledge.search_lessons(LessonLearned.objects.all(), "opvang", language="nl").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return timings, {q: statistics.median(v) for q, v in per_query.items()}, plan


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    load_before = load_average()
    scratch_database()
    try:
        env = {
            **os.environ,
            "DATABASE_URL": DB_URL,
            "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
            "DJANGO_DEBUG": "true",
            "DG_VAR_DIR": "/tmp/dgnetwork-bench",
        }
        run("manage.py", "migrate", "--noinput", env=env)
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "network.settings"
        import django

        django.setup()
        load_seconds = load(n)
        timings, per_query, plan = measure(rounds=15)
        indexes = search_indexes()
    finally:
        from django.db import connections

        connections.close_all()
        if not os.environ.get("BENCH_KEEP"):
            drop_database()
    timings.sort()
    result = {
        "lessons": n,
        "queries": len(timings),
        "load_and_index_seconds": round(load_seconds, 1),
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "max_ms": round(timings[-1], 2),
        "gin_indexes": indexes,
        "uses_gin_index": any(f" on {name}" in plan for name in indexes),
        "plan": plan,
        "per_query_median_ms": {q: round(ms, 2) for q, ms in per_query.items()},
    }
    print(
        f"Lessons search, {n:,} lessons in four languages, {len(timings)} searches (first page of 20, ranked, "
        "highlighted, with the count)"
    )
    print(f"  {'median':<10}{result['median_ms']:>8.1f} ms")
    print(f"  {'p95':<10}{result['p95_ms']:>8.1f} ms")
    print(f"  {'max':<10}{result['max_ms']:>8.1f} ms")
    print(f"  GIN index used: {result['uses_gin_index']}   load + index: {result['load_and_index_seconds']} s")
    result["verdicts"] = [
        verdict(
            f"search, {n:,} lessons",
            f"median {result['median_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms",
            f"< {MEDIAN_MS} ms, < {P95_MS} ms",
            result["median_ms"] < MEDIAN_MS and result["p95_ms"] < P95_MS,
        ),
        verdict(
            "search: the GIN index used",
            f"{'yes' if result['uses_gin_index'] else 'no'} ({', '.join(indexes) or 'no GIN index found'})",
            "used",
            result["uses_gin_index"],
        ),
    ]
    print_verdicts(result["verdicts"])
    write_result("search", result, load_before=load_before)


if __name__ == "__main__":
    main()
