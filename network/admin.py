"""The admin pages other apps register for accounts and privileges belong to the site administrator only.

Imported by the admin's autodiscovery after django.contrib.auth, allauth and django_celery_beat (they come before
``network`` in ``INSTALLED_APPS``), so their admins are registered by then. See ``members/admin_roles.py``.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.contrib.auth.models import Group
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from members.admin_roles import SiteAdministratorOnly, guard_site_administrator_admins

# Login addresses follow the registry (Person.email); sessions, authenticators, groups and the scheduler are the
# site administrator's.
SITE_ADMINISTRATOR_MODELS = (
    Group,
    EmailAddress,
    UserSession,
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

guard_site_administrator_admins(admin.site, SITE_ADMINISTRATOR_MODELS)


class AuthenticatorAdmin(SiteAdministratorOnly, admin.ModelAdmin):
    """Lists who has which second factor and lets a site administrator remove one (a lost phone: the person sets up
    a new one at their next sign-in). Nobody reads or types secrets or recovery codes here."""

    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type", "created_at", "last_used_at")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


if admin.site.is_registered(Authenticator):
    admin.site.unregister(Authenticator)
admin.site.register(Authenticator, AuthenticatorAdmin)
