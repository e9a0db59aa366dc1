"""The admin pages other apps register for accounts and privileges belong to the site administrator only.

Imported by the admin's autodiscovery after django.contrib.auth and allauth (they come before
``network`` in ``INSTALLED_APPS``), so their admins are registered by then. See ``members/admin_roles.py``.
"""

from __future__ import annotations

import json

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.contrib.auth.models import Group
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from members.admin import PersonAdmin
from members.admin_roles import SiteAdministratorOnly, guard_site_administrator_admins

from .privacy import erase_person, export_person

# Login addresses follow the registry (Person.email); sessions, authenticators and groups are the site
# administrator's.
SITE_ADMINISTRATOR_MODELS = (Group, EmailAddress)

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


class UserSessionAdmin(SiteAdministratorOnly, admin.ModelAdmin):
    """Who is signed in where. A site administrator ends a session by deleting it here: the session itself is
    ended, not only the row that lists it."""

    list_display = ("user", "created_at", "last_seen_at", "ip", "user_agent")
    search_fields = ("user__email", "ip")  # allauth's own admin searches a username this project has not
    list_select_related = ("user",)
    fields = ("user", "created_at", "last_seen_at", "ip", "user_agent")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        obj.end()

    def delete_queryset(self, request, queryset):
        for session in queryset:
            session.end()


if admin.site.is_registered(UserSession):
    admin.site.unregister(UserSession)
admin.site.register(UserSession, UserSessionAdmin)


# --- Privacy: the person's page gets the buttons of export and erasure (they span the apps, see privacy.py) ----------


@admin.action(description=_("Export the selected people's personal data (JSON)"), permissions=["view"])
def export_data(modeladmin, request, queryset):
    data = [export_person(person) for person in queryset.select_related("organisation__country", "user")]
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="personal-data.json"'
    return response


@admin.action(
    description=_("Erase the selected people's personal data (keeps the anonymised history)"),
    permissions=["change"],
)
def erase_data(modeladmin, request, queryset):
    queryset = modeladmin._manageable(request, queryset)
    if not queryset.exists():
        return None
    if request.POST.get("confirm") == "yes":
        count = 0
        for person in queryset:
            erase_person(person)
            count += 1
        modeladmin.message_user(request, ngettext("%d person erased.", "%d people erased.", count) % count)
        return None
    return TemplateResponse(
        request,
        "admin/members/person/erase_confirm.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "people": queryset,
            "title": _("Erase personal data"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


PersonAdmin.actions = [*PersonAdmin.actions, export_data, erase_data]
