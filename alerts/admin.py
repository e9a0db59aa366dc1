"""The secretariat's admin for alerts: write a draft, send it (an action calling ``services.send_alert``), follow
each country's row. Nothing is deleted; sent alerts' texts are read-only."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin

from members.admin import NoDeleteMixin

from . import services
from .enums import AlertStatus
from .models import Alert, AlertCountry


class AlertCountryInline(admin.TabularInline):
    model = AlertCountry
    extra = 0
    fields = ("country", "organisation", "step", "acknowledged_at", "acknowledged_by", "call_outcome", "call_note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(NoDeleteMixin, TabbedTranslationAdmin):
    list_display = ("title", "is_test", "status", "sent_at", "acknowledge_by")
    list_filter = ("status", "is_test")
    search_fields = ("title",)
    date_hierarchy = "created_at"
    inlines = [AlertCountryInline]
    actions = ("send",)
    fields = (
        "language",
        "title",
        "body",
        "request",
        "handling_note",
        "acknowledge_by",
        "time_zone",
        "escalation_minutes",
        "is_test",
        "status",
        "sent_at",
        "closed_at",
        "created_by",
    )

    def get_readonly_fields(self, request, obj=None):
        always = ("status", "sent_at", "closed_at", "created_by")
        if obj is not None and obj.status != AlertStatus.DRAFT:
            return [f.name for f in Alert._meta.fields if f.name != "id"]
        return always

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Send the selected draft alerts"), permissions=["add"])
    def send(self, request, queryset):
        sent = 0
        for alert in queryset.filter(status=AlertStatus.DRAFT):
            try:
                services.send_alert(alert)
            except ValidationError as error:
                self.message_user(
                    request,
                    gettext("“%(title)s” was not sent: %(errors)s")
                    % {"title": alert, "errors": " ".join(error.messages)},
                    level="error",
                )
            else:
                sent += 1
        if sent:
            self.message_user(request, gettext("%(n)d alerts sent.") % {"n": sent})
