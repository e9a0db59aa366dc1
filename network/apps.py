from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = "DG Network"

    def ready(self):
        # Every app's admin is registered by now (the admin's own ready() ran first).
        from django.contrib import admin

        from members.admin_roles import guard_history_forms

        guard_history_forms(admin.site)
