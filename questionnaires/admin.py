"""The secretariat's admin for questionnaires: write it and its questions in the four languages, open it (an action
calling ``services.open_questionnaire``), close it now (a button with a confirmation page, ``services.close_now``),
read the countries' answers and their versions. Nothing is deleted."""

from __future__ import annotations

import zoneinfo

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin, TranslationStackedInline

from members.admin import NoDeleteMixin

from . import services
from .enums import QuestionnaireStatus
from .models import AnswerVersion, CountryAnswer, Question, Questionnaire


class QuestionInline(TranslationStackedInline):
    model = Question
    extra = 0
    fields = ("position", "kind", "text", "help_text", "required", "unit", "options")


@admin.register(Questionnaire)
class QuestionnaireAdmin(NoDeleteMixin, TabbedTranslationAdmin):
    list_display = ("title", "status", "deadline", "visibility")
    list_filter = ("status", "visibility")
    search_fields = ("title",)
    inlines = [QuestionInline]
    filter_horizontal = ("countries",)
    raw_id_fields = ("agenda_item", "lesson")
    readonly_fields = ("status", "opened_at", "created_by")
    actions = ("open_selected",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Open the selected questionnaires and invite the countries"), permissions=["change"])
    def open_selected(self, request, queryset):
        for questionnaire in queryset:
            try:
                n = services.open_questionnaire(questionnaire)
            except ValidationError as error:
                self.message_user(request, f"{questionnaire}: {' '.join(error.messages)}", level="error")
            else:
                self.message_user(
                    request, gettext("%(title)s: %(n)d invitations queued.") % {"title": questionnaire, "n": n}
                )

    # --- Closing now: a button on the questionnaire's page, a confirmation page, then the service ---

    def get_urls(self):
        close = path(
            "<int:pk>/close/",
            self.admin_site.admin_view(self.close_view),
            name="questionnaires_questionnaire_close",
        )
        return [close, *super().get_urls()]

    def close_view(self, request, pk):
        """GET asks for confirmation; POST closes the questionnaire now (``services.close_now``), records the
        deadline it had in the admin's history of it, and goes back to its page. Needs the change permission."""
        questionnaire = get_object_or_404(Questionnaire, pk=pk)
        if not self.has_change_permission(request, questionnaire):
            raise PermissionDenied
        back = HttpResponseRedirect(reverse("admin:questionnaires_questionnaire_change", args=[questionnaire.pk]))
        if request.method == "POST":
            try:
                former = services.close_now(questionnaire)
            except ValidationError as refusal:
                for message in refusal.messages:
                    messages.error(request, message)
                return back
            # The record keeps the deadline that was announced (the questionnaire's own now says when it closed).
            was = {"deadline": _in_its_zone(questionnaire, former)}
            self.log_change(request, questionnaire, gettext("Closed now; the deadline was %(deadline)s.") % was)
            messages.success(request, gettext("The questionnaire is closed: no answer is accepted any more."))
            return back
        return TemplateResponse(
            request,
            "admin/questionnaires/questionnaire/close.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": questionnaire,
                "questionnaire": questionnaire,
                "title": gettext("Close the questionnaire now"),
                "is_open": questionnaire.status == QuestionnaireStatus.OPEN,
                "deadline": _in_its_zone(questionnaire, questionnaire.deadline),
            },
        )


def _in_its_zone(questionnaire: Questionnaire, moment) -> str:
    """``moment`` in the questionnaire's time zone, in the active language, with the zone's name."""
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(questionnaire.time_zone))
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({questionnaire.time_zone})"


class AnswerVersionInline(admin.TabularInline):
    model = AnswerVersion
    extra = 0
    fields = ("number", "language", "submitted_at", "submitted_by", "values")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CountryAnswer)
class CountryAnswerAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("questionnaire", "country", "status", "language", "submitted_at")
    list_filter = ("status", "questionnaire")
    inlines = [AnswerVersionInline]
    readonly_fields = (
        "questionnaire",
        "country",
        "status",
        "language",
        "values",
        "updated_at",
        "updated_by",
        "submitted_at",
        "submitted_by",
    )

    def has_add_permission(self, request):
        return False
