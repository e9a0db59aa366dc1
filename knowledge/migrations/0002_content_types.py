"""The content types of the models that moved from ``meetings`` now say ``knowledge``.

Renaming the rows (rather than letting Django create new ones) keeps everything that points at them: the
permissions (and so the Secretariat group's and each user's), the admin's log entries and any generic relation.
A database migrated from scratch has no rows yet at this point; Django creates them after the migration.
"""

from django.db import migrations

MOVED = (
    "action",
    "actionupdate",
    "conclusion",
    "lessonattachment",
    "lessoncomment",
    "lessonlearned",
    "minutes",
    "newsitem",
    "historicalaction",
    "historicalconclusion",
    "historicallessonlearned",
    "historicalminutes",
    "historicalnewsitem",
)


def _move(apps, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = set(ContentType.objects.filter(app_label=target, model__in=MOVED).values_list("model", flat=True))
    # Where the target row already exists (a migrate interrupted after Django made it), the old row is left for
    # `remove_stale_contenttypes`, rather than merging two rows' permissions here.
    ContentType.objects.filter(app_label=source, model__in=set(MOVED) - taken).update(app_label=target)


def forwards(apps, schema_editor):
    _move(apps, "meetings", "knowledge")


def backwards(apps, schema_editor):
    _move(apps, "knowledge", "meetings")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("knowledge", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
