"""The GIN index behind lesson search, on PostgreSQL only (SQLite, the embedded default, has no tsvector)."""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS meetings_lesson_search_gin ON meetings_lessonlearned USING gin (search_vector)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS meetings_lesson_search_gin")


class Migration(migrations.Migration):
    dependencies = [("meetings", "0003_knowledge")]

    operations = [migrations.RunPython(create_index, drop_index)]
