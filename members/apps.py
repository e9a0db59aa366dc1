from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
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
        # Any change to the network's data retires the portal pages kept for readers (members/pagecache.py).
        from .pagecache import on_model_change

        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(on_model_change, dispatch_uid=f"members.pagecache.{id(signal)}")
