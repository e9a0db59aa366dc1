from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _refresh_secretariat_group(sender, **kwargs):
    """After the last app's post-migrate handlers (permissions are created app by app, in INSTALLED_APPS order), so
    that the group gets the permissions of every app, those of apps after this one included."""
    from django.apps import apps

    from .services import ensure_secretariat_group

    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender is last:
        ensure_secretariat_group()


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Network registry")

    def ready(self):
        # After every migrate, so the group also gets the permissions of models added later.
        # It also takes away any permission the group was given beyond its list.
        post_migrate.connect(_refresh_secretariat_group, dispatch_uid="members.secretariat_group")
