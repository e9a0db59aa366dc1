"""Bring existing accounts in line with the registry: before, a member could add any address to their account in
the portal (another member's included) and make it their login. Each account keeps one address, its person's
(where no other account has it); addresses added in the portal are removed."""

from django.db import migrations


def follow_registry(apps, schema_editor):
    Person = apps.get_model("members", "Person")
    User = apps.get_model("members", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")

    for person in Person.objects.filter(user__isnull=False).select_related("user").order_by("pk"):
        user = person.user
        if user.email.lower() == person.email.lower():
            continue
        if User.objects.filter(email__iexact=person.email).exclude(pk=user.pk).exists():
            continue  # left as it is: opening the account again reports the conflict to the secretariat
        user.email = person.email
        user.save(update_fields=["email"])
    for address in EmailAddress.objects.select_related("user").order_by("pk"):
        if address.email.lower() != address.user.email.lower():
            address.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_notice_historicalperson_calendar_token_and_more"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(follow_registry, migrations.RunPython.noop)]
