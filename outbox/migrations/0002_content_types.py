"""The content type of the outbox's model, which moved from ``meetings``, now says ``outbox``.

Renaming the row (rather than letting Django create a new one) keeps everything that points at it: the permissions
(and so the Secretariat group's and each user's) and the admin's log entries. A database migrated from scratch has
no row yet at this point; Django creates it after the migration.
"""

from django.db import migrations

MOVED = ("outgoingmessage",)


def _move(apps, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = set(ContentType.objects.filter(app_label=target, model__in=MOVED).values_list("model", flat=True))
    # Where the target row already exists (a migrate interrupted after Django made it), the old row is left for
    # `remove_stale_contenttypes`, rather than merging two rows' permissions here.
    ContentType.objects.filter(app_label=source, model__in=set(MOVED) - taken).update(app_label=target)


def forwards(apps, schema_editor):
    _move(apps, "meetings", "outbox")


def backwards(apps, schema_editor):
    _move(apps, "outbox", "meetings")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("outbox", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
