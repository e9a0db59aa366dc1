from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self):
        from django.db.backends.signals import connection_created

        from network.lib.fold import register_sqlite_fold

        # The word match of lesson search on SQLite compares dg_fold(text) (see knowledge.services).
        connection_created.connect(register_sqlite_fold, dispatch_uid="dg_fold")
