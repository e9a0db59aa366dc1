"""The secretariat's admin for the registry.

Nothing is deleted here: people and organisations are deactivated, mandates are ended. Every change is kept in
the history (the "History" button on each page).
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from modeltranslation.admin import TabbedTranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from network.lib.collation import reader_ordering

from . import services
from .admin_roles import SiteAdministratorOnly, is_site_administrator
from .enums import Role
from .formats import SpreadsheetCSV, UnreadableFile
from .models import Country, Mandate, Organisation, Person, Presidency, User
from .resources import CountryResource, MandateResource, OrganisationResource, PersonResource


class NoDeleteMixin:
    """The registry keeps its history: deactivate or end instead of deleting."""

    def has_delete_permission(self, request, obj=None):
        return False


class RegistryAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    formats = [CSV, XLSX]  # what the secretariat exchanges; used by the import/export mixins


class TranslatedRegistryAdmin(NoDeleteMixin, SimpleHistoryAdmin, TabbedTranslationAdmin):
    formats = [CSV, XLSX]


# --- Filters ---------------------------------------------------------------------------------------------------


class CurrentRoleFilter(admin.SimpleListFilter):
    title = _("current role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        if self.value() in Role.values:
            holders = Mandate.objects.current().filter(role=self.value()).values("person_id")
            return queryset.filter(pk__in=holders)
        return queryset


class InOfficeOnFilter(admin.SimpleListFilter):
    """Answers "who held which role on a given day?", e.g. who represented Belgium on 29 March 2022."""

    title = _("in office on")
    parameter_name = "in_office_on"
    template = "admin/members/in_office_on_filter.html"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.other_params = [
            (key, value)
            for key, values in request.GET.lists()
            if key not in (self.parameter_name, "p")
            for value in values
        ]
        self.error = None

    def lookups(self, request, model_admin):
        return [("today", _("Today"))]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == "today":
            day = timezone.localdate()
        else:
            try:
                day = datetime.date.fromisoformat(value)
            except ValueError:
                messages.error(request, _("“%(value)s” is not a date; use YYYY-MM-DD.") % {"value": value})
                return queryset
        return queryset.active_on(day)


# --- Inlines ---------------------------------------------------------------------------------------------------


class MandateInline(admin.TabularInline):
    model = Mandate
    extra = 0
    fields = ("role", "acting", "start_date", "end_date", "note")
    show_change_link = True

    def has_delete_permission(self, request, obj=None):
        return False


class PersonMandateInline(MandateInline):
    fk_name = "person"
    fields = ("organisation", "role", "acting", "start_date", "end_date", "note")
    autocomplete_fields = ("organisation",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation__country")


class OrganisationMandateInline(MandateInline):
    fk_name = "organisation"
    fields = ("person", "role", "acting", "start_date", "end_date", "note")
    autocomplete_fields = ("person",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")


# --- Model admins ----------------------------------------------------------------------------------------------


@admin.register(User)
class UserAdmin(SiteAdministratorOnly, NoDeleteMixin, DjangoUserAdmin):
    """Accounts are the site administrator's (see admin_roles.py). The secretariat opens, closes and resets portal
    accounts through the people's actions, never here."""

    ordering = ("email",)
    list_display = ("email", "person", "is_staff", "is_superuser", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "person__first_name", "person__last_name")
    list_select_related = ("person",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        # A second lock behind the permissions: only a site administrator ever gets an editable privilege field.
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not is_site_administrator(request.user):
            readonly += ("email", "is_active", *self.PRIVILEGE_FIELDS)
        return readonly

    def user_change_password(self, request, id, form_url=""):
        if not is_site_administrator(request.user):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


@admin.register(Country)
class CountryAdmin(ExportMixin, TranslatedRegistryAdmin):
    resource_classes = [CountryResource]
    list_display = ("code", "name", "is_eu_member", "participation")
    list_filter = ("participation", "is_eu_member")
    search_fields = ("code", "name")

    def get_ordering(self, request):
        # By name as the reader's language sorts it; other admins' country filters and pickers follow this order.
        return reader_ordering(Country, ["name"], getattr(request, "LANGUAGE_CODE", None))


@admin.register(Organisation)
class OrganisationAdmin(ExportMixin, TranslatedRegistryAdmin):
    resource_classes = [OrganisationResource]
    list_display = ("name", "acronym", "country", "kind", "phone_24_7", "mailbox_24_7", "is_active")
    list_filter = ("kind", "is_active", ("country", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "acronym", "country__code", "country__name")
    list_select_related = ("country",)
    autocomplete_fields = ("country",)
    inlines = [OrganisationMandateInline]

    def get_ordering(self, request):
        return reader_ordering(Organisation, ["country__name", "name"], getattr(request, "LANGUAGE_CODE", None))

    actions = ["deactivate", "reactivate"]
    fieldsets = (
        (None, {"fields": ("kind", "country", "name", "acronym", "is_active")}),
        (_("24/7 contact point"), {"fields": ("phone_24_7", "mailbox_24_7")}),
        (_("Address"), {"fields": ("address", "website")}),
    )

    @admin.action(description=_("Deactivate the selected organisations"), permissions=["change"])
    def deactivate(self, request, queryset):
        for organisation in queryset:
            services.set_organisation_active(organisation, active=False)
        count = queryset.count()
        self.message_user(
            request, ngettext("%d organisation deactivated.", "%d organisations deactivated.", count) % count
        )

    @admin.action(description=_("Reactivate the selected organisations"), permissions=["change"])
    def reactivate(self, request, queryset):
        for organisation in queryset:
            services.set_organisation_active(organisation, active=True)
        count = queryset.count()
        self.message_user(
            request, ngettext("%d organisation reactivated.", "%d organisations reactivated.", count) % count
        )


class PersonForm(forms.ModelForm):
    """The registry's address is the person's login: a change is checked against other people and accounts
    before anything is saved (``services.check_login_address``)."""

    changed_by = None  # the signed-in user, set by PersonAdmin.get_form

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if self.instance.pk is None or email != self.instance.email:
            try:
                services.check_login_address(self.instance, email, by=self.changed_by)
            except ValidationError as error:
                raise ValidationError(error.message_dict["email"]) from error
        return email


@admin.register(Person)
class PersonAdmin(ImportExportMixin, TranslatedRegistryAdmin):
    resource_classes = [PersonResource]
    form = PersonForm
    list_display = ("last_name", "first_name", "organisation", "country", "current_roles", "email", "is_active")
    list_display_links = ("last_name", "first_name")
    list_filter = (
        ("organisation__country", admin.RelatedOnlyFieldListFilter),
        CurrentRoleFilter,
        "is_active",
        "preferred_language",
    )
    search_fields = ("first_name", "last_name", "email", "organisation__name", "organisation__acronym")
    autocomplete_fields = ("organisation",)
    # The account is opened, reset and closed by the actions below and follows the registry's address; it is shown,
    # never linked by hand (a person linked to someone else's account would be sent that account's set-password
    # link), and not as a link to the account's page, which is the site administrator's.
    readonly_fields = ("portal_account",)
    inlines = [PersonMandateInline]
    # network/admin.py adds the privacy actions (export and erasure span the apps).
    actions = ["send_access", "close_account", "deactivate", "reactivate"]
    fieldsets = (
        (None, {"fields": ("first_name", "last_name", "title", "organisation", "is_active")}),
        (_("Contact"), {"fields": ("email", "phone", "preferred_language", "time_zone", "wants_reminders")}),
        (_("Portal"), {"fields": ("portal_account",)}),
    )

    @admin.display(description=_("portal account"))
    def portal_account(self, person: Person) -> str:
        if person.user_id is None:
            return "—"
        state = _("active") if person.user.is_active else pgettext_lazy("portal account", "closed")
        return f"{person.user.email} ({state})"

    # --- Who may change whom: people with a staff account are the site administrator's (admin_roles.py) ---

    def has_change_permission(self, request, obj=None):
        if obj is not None and not self._may_manage(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def _may_manage(self, request, person: Person) -> bool:
        """Whether ``request.user`` may change ``person`` or their account: a secretariat member may not touch
        the registry entry or the account of anyone who can use the admin (their email is where a set-password
        link goes); a site administrator may."""
        if is_site_administrator(request.user) or person.user_id is None:
            return True
        return not (person.user.is_staff or person.user.is_superuser)

    def _manageable(self, request, queryset):
        """``queryset`` without the people ``request.user`` may not manage; says so when some were left out."""
        if is_site_administrator(request.user):
            return queryset
        allowed = queryset.exclude(user__is_staff=True).exclude(user__is_superuser=True)
        skipped = queryset.count() - allowed.count()
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d person left unchanged: accounts of secretariat staff are managed by a site administrator.",
                    "%d people left unchanged: accounts of secretariat staff are managed by a site administrator.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )
        return allowed

    # CSV as Excel writes it in any locale (separator and encoding found, members/formats.py); a file-wide error
    # shown as its message, not as a traceback.
    import_template_name = "admin/members/person/import.html"

    def get_import_formats(self):
        return [SpreadsheetCSV if fmt is CSV else fmt for fmt in super().get_import_formats()]

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UnreadableFile):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def get_import_data_kwargs(self, **kwargs):
        # All or nothing: a row that turns invalid between the preview and the confirmation undoes the import.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"changed_by": request.user})

    def save_model(self, request, obj, form, change):
        if change and "email" in form.changed_data:
            services.change_email(obj, obj.email, by=request.user)  # saves the person; the account follows
        else:
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Unticking "active" is deactivating, with all it means (mandates end, the account closes, open invitations
        # are withdrawn); ticking it again is reactivating.
        if change and "is_active" in form.changed_data:
            if form.instance.is_active:
                services.reactivate_person(form.instance)
            else:
                services.deactivate_person(form.instance)

    def get_queryset(self, request):
        current = Mandate.objects.current().order_by("role")
        return (
            super()
            .get_queryset(request)
            .select_related("organisation__country")
            .prefetch_related(Prefetch("mandates", queryset=current, to_attr="current_mandates"))
        )

    @admin.display(description=_("country"), ordering="organisation__country__code")
    def country(self, person: Person):
        return person.organisation.country or "—"

    @admin.display(description=_("current roles"))
    def current_roles(self, person: Person):
        mandates = getattr(person, "current_mandates", None)
        if mandates is None:
            mandates = list(person.mandates.current())
        return ", ".join(str(m.get_role_display()) + (f" ({_('acting')})" if m.acting else "") for m in mandates) or "—"

    @admin.action(
        description=_("Deactivate the selected people (their open mandates end today)"), permissions=["change"]
    )
    def deactivate(self, request, queryset):
        queryset = self._manageable(request, queryset)
        for person in queryset:
            services.deactivate_person(person)
        count = queryset.count()
        self.message_user(request, ngettext("%d person deactivated.", "%d people deactivated.", count) % count)

    @admin.action(description=_("Open a portal account and email the link to set a password"), permissions=["change"])
    def send_access(self, request, queryset):
        queryset = self._manageable(request, queryset)
        sent = 0
        for person in queryset.filter(is_active=True):
            try:
                services.send_access_link(person)
            except ValidationError as error:  # nothing was done for this person; the others go on
                self.message_user(
                    request,
                    _("No portal account for %(person)s: %(reason)s")
                    % {"person": person, "reason": " ".join(error.messages)},
                    messages.ERROR,
                )
                continue
            sent += 1
        self.message_user(request, ngettext("%d access link queued.", "%d access links queued.", sent) % sent)

    @admin.action(
        description=_("Close the selected people's portal accounts (they stay in the registry)"),
        permissions=["change"],
    )
    def close_account(self, request, queryset):
        closed = sum(services.close_account(person) for person in self._manageable(request, queryset))
        self.message_user(request, ngettext("%d portal account closed.", "%d portal accounts closed.", closed) % closed)

    @admin.action(description=_("Reactivate the selected people"), permissions=["change"])
    def reactivate(self, request, queryset):
        queryset = self._manageable(request, queryset)
        for person in queryset:
            services.reactivate_person(person)
        count = queryset.count()
        self.message_user(request, ngettext("%d person reactivated.", "%d people reactivated.", count) % count)


@admin.register(Mandate)
class MandateAdmin(ExportMixin, RegistryAdmin):
    resource_classes = [MandateResource]
    list_display = ("person", "role", "acting", "organisation", "country", "start_date", "end_date")
    list_filter = (
        InOfficeOnFilter,
        "role",
        "acting",
        ("organisation__country", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("person__first_name", "person__last_name", "person__email", "organisation__name")
    list_select_related = ("person", "organisation__country")
    autocomplete_fields = ("person", "organisation")
    date_hierarchy = "start_date"

    @admin.display(description=_("country"), ordering="organisation__country__code")
    def country(self, mandate: Mandate):
        return mandate.organisation.country or "—"


@admin.register(Presidency)
class PresidencyAdmin(RegistryAdmin):
    list_display = ("country", "start_date", "end_date", "representative")
    list_select_related = ("country", "representative")
    autocomplete_fields = ("country", "representative")
