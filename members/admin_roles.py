"""Who may do what in the admin: two roles.

- **Site administrator** (``is_superuser``): user accounts, groups and permissions, MFA authenticators, user
  sessions, login email addresses and the periodic-task scheduler, besides everything the secretariat does.
- **Secretariat** (``is_staff`` and the "Secretariat" group, see ``services.SECRETARIAT_PERMISSIONS``): the
  network's data only. It opens, closes and resets portal accounts through the people's actions (a link to set a
  password, sent by email), never by typing a password or editing privileges.

The group's permissions are the first lock; ``SiteAdministratorOnly`` is the second: the admin pages of accounts
and privileges answer 403 to anyone but a site administrator even if a permission was granted to them by hand.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


def is_site_administrator(user) -> bool:
    """Whether ``user`` (any user object, anonymous included) is an active site administrator (superuser)."""
    return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))


class SiteAdministratorOnly:
    """A ``ModelAdmin`` mixin: only site administrators see the model's pages or its entry in the admin index."""

    def has_module_permission(self, request):
        return is_site_administrator(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_site_administrator(request.user) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return is_site_administrator(request.user) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, *args, **kwargs):
        return is_site_administrator(request.user) and super().has_add_permission(request, *args, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return is_site_administrator(request.user) and super().has_delete_permission(request, obj)


def guard_site_administrator_admins(site, models) -> None:
    """Re-register the admins of ``models`` (registered by other apps on ``site``) with ``SiteAdministratorOnly``
    in front, keeping everything else they do. Models not registered on ``site`` are skipped."""
    for model in models:
        model_admin = site._registry.get(model)
        if model_admin is None or isinstance(model_admin, SiteAdministratorOnly):
            continue
        guarded = type(type(model_admin).__name__, (SiteAdministratorOnly, type(model_admin)), {})
        site.unregister(model)
        site.register(model, guarded)


class HistoryFormNeedsChange:
    """A ``SimpleHistoryAdmin`` mixin. simple_history's page of an old version saves what is POSTed to it as soon as
    the user may *view* the object; here saving it (reverting) needs the permission to change that object, as
    the change form does."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, object_id)
            if obj is None or not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


def guard_history_forms(site) -> None:
    """Put ``HistoryFormNeedsChange`` in front of every ``SimpleHistoryAdmin`` registered on ``site`` that lacks it
    (called once every app's admin is registered, from ``network.apps``)."""
    from simple_history.admin import SimpleHistoryAdmin

    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, SimpleHistoryAdmin) and not isinstance(model_admin, HistoryFormNeedsChange):
            guarded = type(type(model_admin).__name__, (HistoryFormNeedsChange, type(model_admin)), {})
            site.unregister(model)
            site.register(model, guarded)
