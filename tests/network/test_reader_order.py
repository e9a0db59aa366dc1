"""Lists in their reader's order (``network.lib.collation``): names sorted as the reader's language sorts them."""

import sqlite3

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from members.models import Country
from network.lib.collation import _compare, collation_for, in_reader_order, sort_key
from tests import factories

# Cyprus, Czechia, Sweden and Spain: English order differs from the French and the Dutch/German ones.
NAMES = {
    "CY": {"en": "Cyprus", "fr": "Chypre", "nl": "Cyprus", "de": "Zypern"},
    "CZ": {"en": "Czechia", "fr": "Tchéquie", "nl": "Tsjechië", "de": "Tschechien"},
    "SE": {"en": "Sweden", "fr": "Suède", "nl": "Zweden", "de": "Schweden"},
    "ES": {"en": "Spain", "fr": "Espagne", "nl": "Spanje", "de": "Spanien"},
    "AT": {"en": "Austria", "fr": "Autriche", "nl": "Oostenrijk", "de": "Österreich"},
}
EXPECTED = {
    "en": ["AT", "CY", "CZ", "ES", "SE"],
    "fr": ["AT", "CY", "ES", "SE", "CZ"],  # Autriche, Chypre, Espagne, Suède, Tchéquie
    "nl": ["CY", "AT", "ES", "CZ", "SE"],  # Cyprus, Oostenrijk, Spanje, Tsjechië, Zweden
    "de": ["AT", "SE", "ES", "CZ", "CY"],  # Österreich (as O), Schweden, Spanien, Tschechien, Zypern
}


@pytest.fixture
def countries(db):
    return [
        factories.country(code, **{f"name_{lang}": name for lang, name in names.items()})
        for code, names in NAMES.items()
    ]


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_countries_are_in_the_order_of_the_readers_language_in_the_database(countries, language):
    with translation.override("nl" if language != "nl" else "fr"):  # another language active: it must not matter
        ordered = in_reader_order(Country.objects.filter(code__in=NAMES), "name", language=language)
        assert [c.code for c in ordered] == EXPECTED[language]


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_lists_in_memory_are_in_the_same_order(countries, language):
    ordered = in_reader_order(list(reversed(countries)), "name", language=language)
    assert [c.code for c in ordered] == EXPECTED[language]


def test_a_missing_translation_sorts_by_the_english_name(db):
    factories.country("SE", name_en="Sweden", name_fr="Suède")
    factories.country("MT", name_en="Malta")  # no French name: read, and sorted, as "Malta"
    factories.country("CZ", name_en="Czechia", name_fr="Tchéquie")
    ordered = in_reader_order(Country.objects.filter(code__in=["SE", "MT", "CZ"]), "name", language="fr")
    assert [c.code for c in ordered] == ["MT", "SE", "CZ"]


def test_french_sorting_puts_accents_after_their_letters_not_after_z():
    assert sort_key("Suède") < sort_key("Tchéquie") < sort_key("Zypern")
    assert sort_key("Écosse") < sort_key("Espagne") < sort_key("Finlande")
    assert sorted(["Zélande", "Écosse", "estonie"], key=sort_key) == ["Écosse", "estonie", "Zélande"]


def test_the_sqlite_fallback_sorts_with_the_same_collation():
    """The embedded default runs on SQLite: the collation names are registered there with the same order."""
    db = sqlite3.connect(":memory:")
    db.create_collation(collation_for("fr"), _compare)
    db.execute("create table c (name text)")
    db.executemany("insert into c values (?)", [("Tchéquie",), ("Chypre",), ("Suède",), ("Écosse",)])
    assert collation_for("fr") == "fr-x-icu"
    rows = db.execute('select name from c order by name collate "fr-x-icu"').fetchall()
    assert [r[0] for r in rows] == ["Chypre", "Écosse", "Suède", "Tchéquie"]


def test_the_collation_of_a_language_the_site_does_not_offer_is_the_default_ones():
    assert collation_for("fr-be") == "fr-x-icu"
    assert collation_for("xx") == "en-x-icu"
    assert connection.vendor in {"postgresql", "sqlite"}


def test_the_directory_lists_countries_in_the_readers_order(countries, client):
    member = factories.director(Country.objects.get(code="SE"), preferred_language="fr")
    from members.services import open_account

    user = open_account(member)
    client.force_login(user)
    page = client.get(reverse("portal:directory"))
    html = page.content.decode()
    with translation.override("fr"):
        positions = [html.find(f">{NAMES[c]['fr']}<") for c in ("SE", "CZ")]
    assert -1 not in positions, (page.status_code, page.get("Location"))
    assert positions[0] < positions[1], "Suède comes before Tchéquie in French"
    # A search (a DISTINCT query) keeps the order.
    factories.director(Country.objects.get(code="CZ"))
    html = client.get(reverse("portal:directory"), {"q": "Member"}).content.decode()
    assert 0 < html.find("<td>Suède</td>") < html.find("<td>Tchéquie</td>")


def test_the_admins_country_filter_and_country_list_are_in_the_readers_order(countries, staff_client):
    for code in ("SE", "CZ"):
        factories.organisation(Country.objects.get(code=code))
    for url in (reverse("admin:members_organisation_changelist"), reverse("admin:members_country_changelist")):
        html = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert html.find("Suède") < html.find("Tchéquie") and html.find("Suède") > 0, url


def test_the_participants_list_is_in_the_readers_order(countries):
    from meetings.exports import participant_rows

    meeting = factories.meeting()
    for code in ("CZ", "CY", "SE"):
        factories.invitation(meeting, factories.director(Country.objects.get(code=code)))
    with translation.override("fr"):
        assert [row[0] for row in participant_rows(meeting)[1:]] == ["Chypre", "Suède", "Tchéquie"]
    with translation.override("de"):
        assert [row[0] for row in participant_rows(meeting)[1:]] == ["Schweden", "Tschechien", "Zypern"]


def test_the_admins_invitation_and_attendance_lists_are_in_the_readers_order(countries, staff_client):
    """Within a meeting, by country as the reader's language sorts the names (not by code, nor by the person's
    name): each director's last name is its country's code, and the names run against the countries' order."""
    from meetings.enums import Presence
    from meetings.models import Attendance

    meeting = factories.meeting()
    last_names = {"CZ": "Aalst", "SE": "Bakker", "CY": "Claes"}
    for code, last_name in last_names.items():
        director = factories.director(Country.objects.get(code=code), last_name=last_name)
        invitation = factories.invitation(meeting, director)
        Attendance.objects.create(meeting=meeting, person=director, invitation=invitation, presence=Presence.ONLINE)
    # Chypre, Suède, Tchéquie; Schweden, Tschechien, Zypern
    orders = {"fr": ["CY", "SE", "CZ"], "de": ["SE", "CZ", "CY"]}
    for url in (reverse("admin:meetings_invitation_changelist"), reverse("admin:meetings_attendance_changelist")):
        for language, order in orders.items():
            html = staff_client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
            body = html[html.find('id="result_list"') :]
            positions = [body.find(last_names[code]) for code in order]
            assert -1 not in positions and positions == sorted(positions), (url, language, positions)
