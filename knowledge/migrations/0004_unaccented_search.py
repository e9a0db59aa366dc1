"""Lesson search ignores accents on PostgreSQL: one text-search configuration per language (``dg_english``,
``dg_french``, ``dg_dutch``, ``dg_german``), each a copy of the builtin one whose words pass through the ``unaccent``
dictionary before the language's stemmer (the way the PostgreSQL manual, F.48 unaccent, shows). The lessons'
search vectors are rebuilt with them; the GIN index over the vector column stays as it is.

The word match that stands in for full-text search on SQLite (the embedded default) compares ``dg_fold(text)``:
registered on each SQLite connection from ``network.lib.fold``, and made here for PostgreSQL (lower-cased
``unaccent``) so the same query runs on both."""

from django.db import migrations

LANGUAGES = {"en": "english", "fr": "french", "nl": "dutch", "de": "german"}


def _vector(prefix: str) -> str:
    parts = []
    for code, config in LANGUAGES.items():
        parts.append(f"setweight(to_tsvector('{prefix}{config}', coalesce(title_{code}, '')), 'A')")
        parts.append(f"setweight(to_tsvector('{prefix}{config}', coalesce(text_{code}, '')), 'B')")
    return " || ".join(parts)


def create_configurations(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for config in LANGUAGES.values():
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS dg_{config}")
        schema_editor.execute(f"CREATE TEXT SEARCH CONFIGURATION dg_{config} (COPY = pg_catalog.{config})")
        schema_editor.execute(
            f"ALTER TEXT SEARCH CONFIGURATION dg_{config} "
            f"ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {config}_stem"
        )
    schema_editor.execute(
        "CREATE OR REPLACE FUNCTION dg_fold(text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE "
        "AS $$ SELECT lower(unaccent($1)) $$"
    )
    schema_editor.execute(f"UPDATE meetings_lessonlearned SET search_vector = {_vector('dg_')}")  # noqa: S608  # nosec B608 - our constants


def drop_configurations(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"UPDATE meetings_lessonlearned SET search_vector = {_vector('pg_catalog.')}")  # noqa: S608  # nosec B608 - our constants
    schema_editor.execute("DROP FUNCTION IF EXISTS dg_fold(text)")
    for config in LANGUAGES.values():
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS dg_{config}")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_single_line_titles")]

    operations = [migrations.RunPython(create_configurations, drop_configurations)]
