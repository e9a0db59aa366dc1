"""Import and export of the registry (django-import-export).

People are imported from CSV or XLSX: one row per person, matched on email (regardless of case) so a second
import updates rather than duplicates. The admin shows a preview with every bad row and why; a file with any bad
row cannot be confirmed, and the confirmed import runs in one transaction, so it is all or nothing.

Every resource here derives from ``RegistryResource``, which neutralises spreadsheet formulas in each exported cell
(see ``network.lib.neutralise``) and removes that neutralisation again from imported cells.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from network.lib.neutralise import spreadsheet_cell, spreadsheet_import_value

from . import services
from .enums import Language
from .models import Country, Mandate, Organisation, Person

LANGUAGE_ALIASES = {
    **{code: code for code in Language.values},
    **{label.lower(): code for code, label in Language.choices},
    "english": "en",
    "french": "fr",
    "dutch": "nl",
    "german": "de",
    "francais": "fr",
    "néerlandais": "nl",
    "allemand": "de",
    "frans": "fr",
    "engels": "en",
    "duits": "de",
}


class RegistryResource(resources.ModelResource):
    """A resource whose exports, CSV and XLSX alike, are safe to open in a spreadsheet.

    django-import-export's own ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`` only strips a leading ``=`` (``+``,
    ``-``, ``@`` stay live) and turns every cell, numbers included, into text; so each cell goes through
    ``spreadsheet_cell`` here instead, at the one place every exported value passes (``export_field``). Cells
    rendered by a number widget are numbers, not text, and are left as they are (a negative number stays one)."""

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if isinstance(field.widget, widgets.NumberWidget) and not self._is_dehydrated(field):
            return value
        return spreadsheet_cell(value)

    def _is_dehydrated(self, field) -> bool:
        method = field.get_dehydrate_method(self.get_field_name(field))
        return callable(method) or hasattr(self, method)

    def before_import_row(self, row, row_number=None, **kwargs):
        for key, value in row.items():
            row[key] = spreadsheet_import_value(value)
        super().before_import_row(row, row_number=row_number, **kwargs)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Each error under the file's column: a translated field (``title_en``) is also checked through
        modeltranslation's ``title``, and the preview would show the same message twice, once under no column."""
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            columns = {f.attribute: f.column_name for f in self.get_import_fields() if f.attribute}
            by_column: dict[str, list[str]] = {}
            for key, messages in error.message_dict.items():
                found = by_column.setdefault(columns.get(key, key), [])
                found.extend(m for m in messages if m not in found)
            raise ValidationError(by_column) from error


class OrganisationWidget(widgets.ForeignKeyWidget):
    """Finds an organisation by its acronym or its English name, as people write them in a spreadsheet."""

    def __init__(self):
        super().__init__(Organisation)

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            raise ValueError(_("The organisation is missing."))
        matches = list(
            Organisation.objects.filter(
                Q(acronym_en__iexact=text) | Q(name_en__iexact=text) | Q(acronym__iexact=text) | Q(name__iexact=text)
            ).distinct()[:2]
        )
        if not matches:
            raise ValueError(
                _("Unknown organisation “%(value)s”: give its acronym or English name as in the registry.")
                % {"value": text}
            )
        if len(matches) > 1:
            raise ValueError(_("“%(value)s” matches more than one organisation: use its full name.") % {"value": text})
        return matches[0]

    def render(self, value, obj=None, **kwargs):
        return (value.acronym or value.name) if value else ""


class LanguageWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().lower()
        if not text:
            return Language.EN
        if text not in LANGUAGE_ALIASES:
            raise ValueError(_("Unknown language “%(value)s”: use en, fr, nl or de.") % {"value": str(value).strip()})
        return LANGUAGE_ALIASES[text]

    def render(self, value, obj=None, **kwargs):
        return value or ""


class PersonResource(RegistryResource):
    email = fields.Field(attribute="email", column_name="email")
    first_name = fields.Field(attribute="first_name", column_name="first_name")
    last_name = fields.Field(attribute="last_name", column_name="last_name")
    title = fields.Field(attribute="title_en", column_name="title")
    phone = fields.Field(attribute="phone", column_name="phone")
    preferred_language = fields.Field(
        attribute="preferred_language", column_name="preferred_language", widget=LanguageWidget()
    )
    organisation = fields.Field(attribute="organisation", column_name="organisation", widget=OrganisationWidget())
    country = fields.Field(column_name="country", readonly=True)
    current_roles = fields.Field(column_name="current_roles", readonly=True)
    is_active = fields.Field(attribute="is_active", column_name="active", readonly=True, widget=widgets.BooleanWidget())

    class Meta:
        model = Person
        import_id_fields = ("email",)
        fields = (
            "email",
            "first_name",
            "last_name",
            "title",
            "phone",
            "preferred_language",
            "organisation",
            "country",
            "current_roles",
            "is_active",
        )
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def before_import(self, dataset, **kwargs):
        self._emails_seen: dict[str, int] = {}
        missing = {"email", "first_name", "last_name", "organisation"} - set(dataset.headers or [])
        if missing:
            raise ValidationError(
                _("The file lacks the column(s): %(columns)s.") % {"columns": ", ".join(sorted(missing))}
            )

    def before_import_row(self, row, row_number=None, **kwargs):
        super().before_import_row(row, row_number=row_number, **kwargs)
        email = str(row.get("email") or "").strip()
        row["email"] = email
        if not email:
            raise ValidationError({"email": _("The email address is missing.")})
        key = email.lower()
        if key in self._emails_seen:
            raise ValidationError(
                {
                    "email": _("%(email)s appears twice in the file (rows %(first)s and %(second)s).")
                    % {"email": email, "first": self._emails_seen[key], "second": row_number}
                }
            )
        self._emails_seen[key] = row_number

    def get_instance(self, instance_loader, row):
        return Person.objects.filter(email__iexact=row.get("email", "")).first()

    def save_instance(self, instance, is_create, row, **kwargs):
        # The address is the person's login: a new person's must be free, and a changed one (rows match on the
        # address regardless of case, so only its case can change) goes through the registry's rule, so the
        # portal account follows in the same transaction.
        by = kwargs.get("user")
        if is_create:
            services.check_login_address(instance, instance.email, by=by)
            return super().save_instance(instance, is_create, row, **kwargs)
        stored = Person.objects.filter(pk=instance.pk).values_list("email", flat=True).first()
        if stored == instance.email:
            return super().save_instance(instance, is_create, row, **kwargs)
        self.before_save_instance(instance, row, **kwargs)
        services.change_email(instance, instance.email, by=by)
        self.after_save_instance(instance, row, **kwargs)
        return None

    def get_queryset(self):
        return Person.objects.select_related("organisation__country").prefetch_related("mandates")

    def dehydrate_country(self, person: Person) -> str:
        return person.organisation.country.code if person.organisation.country_id else ""

    def dehydrate_current_roles(self, person: Person) -> str:
        today = timezone.localdate()
        return ", ".join(sorted({str(m.get_role_display()) for m in person.mandates.all() if m.is_active_on(today)}))


class CountryResource(RegistryResource):
    class Meta:
        model = Country
        fields = ("code", "name_en", "name_fr", "name_nl", "name_de", "is_eu_member", "participation")
        export_order = fields


class OrganisationResource(RegistryResource):
    country = fields.Field(
        attribute="country", column_name="country", widget=widgets.ForeignKeyWidget(Country, field="code")
    )

    class Meta:
        model = Organisation
        fields = (
            "id",
            "kind",
            "country",
            "name_en",
            "name_fr",
            "name_nl",
            "name_de",
            "acronym_en",
            "phone_24_7",
            "mailbox_24_7",
            "address",
            "website",
            "is_active",
        )
        export_order = fields

    def get_queryset(self):
        return Organisation.objects.select_related("country")


class MandateResource(RegistryResource):
    person = fields.Field(column_name="person", readonly=True)
    email = fields.Field(attribute="person__email", column_name="email", readonly=True)
    organisation = fields.Field(column_name="organisation", readonly=True)
    country = fields.Field(column_name="country", readonly=True)

    class Meta:
        model = Mandate
        fields = ("person", "email", "organisation", "country", "role", "acting", "start_date", "end_date", "note")
        export_order = fields

    def get_queryset(self):
        return Mandate.objects.select_related("person", "organisation__country")

    def dehydrate_person(self, mandate: Mandate) -> str:
        return mandate.person.full_name

    def dehydrate_organisation(self, mandate: Mandate) -> str:
        return mandate.organisation.acronym or mandate.organisation.name

    def dehydrate_country(self, mandate: Mandate) -> str:
        return mandate.organisation.country.code if mandate.organisation.country_id else ""
