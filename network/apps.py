from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = "DG Network"

    def ready(self):
        # Every app's admin is registered by now (the admin's own ready() ran first).
        from django.contrib import admin

        from members.admin_roles import guard_history_forms

        guard_history_forms(admin.site)

        # SQLite learns the collation names PostgreSQL's ICU has, so that lists sort the same on both.
        from django.db.backends.signals import connection_created

        from network.lib.collation import register_sqlite_collations

        connection_created.connect(register_sqlite_collations, dispatch_uid="network.sqlite_collations")
