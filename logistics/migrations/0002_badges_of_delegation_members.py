"""A badge says whether it is a delegation member's (``for_delegate``), so that dropping the delegate from the
registration (which empties ``delegate``) neither clashes with the invitee's own badge nor makes the printed badge
check in as the invitee. Existing delegates' badges are marked."""

from django.db import migrations, models


def mark_delegates_badges(apps, schema_editor):
    Badge = apps.get_model("logistics", "Badge")
    Badge.objects.exclude(delegate=None).update(for_delegate=True)


class Migration(migrations.Migration):
    dependencies = [
        ("logistics", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="badge",
            name="for_delegate",
            field=models.BooleanField(default=False, editable=False, verbose_name="delegation member"),
        ),
        migrations.RunPython(mark_delegates_badges, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="badge",
            name="logistics_badge_one_per_invitee",
        ),
        migrations.AddConstraint(
            model_name="badge",
            constraint=models.UniqueConstraint(
                condition=models.Q(("for_delegate", False)), fields=("invitation",), name="logistics_badge_one_per_invitee"
            ),
        ),
        migrations.AddConstraint(
            model_name="badge",
            constraint=models.CheckConstraint(
                condition=models.Q(("delegate", None), ("for_delegate", True), _connector="OR"),
                name="logistics_badge_delegate_kind",
            ),
        ),
    ]
