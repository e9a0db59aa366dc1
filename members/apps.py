from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _refresh_secretariat_group(sender, **kwargs):
    from .services import ensure_secretariat_group

    ensure_secretariat_group()


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Network registry")

    def ready(self):
        # After every migrate, so the group also gets the permissions of models added later.
        post_migrate.connect(_refresh_secretariat_group, sender=self, dispatch_uid="members.secretariat_group")
