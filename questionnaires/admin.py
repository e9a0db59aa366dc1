"""The secretariat's admin for questionnaires: write it and its questions in the four languages, open it (an action
calling ``services.open_questionnaire``), read the countries' answers and their versions. Nothing is deleted."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin, TranslationStackedInline

from members.admin import NoDeleteMixin

from . import services
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
