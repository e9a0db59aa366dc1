"""The secretariat's admin for the knowledge base: lessons learned, conclusions, actions, minutes and news.

Every change that follows a rule goes through ``knowledge.services``; nothing is deleted here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin, TranslationStackedInline
from simple_history.admin import SimpleHistoryAdmin

from meetings.admin import (
    DocumentForm,
    MeetingAdmin,
    MeetingAgendaChoicesMixin,
    MeetingChangeInline,
    MeetingStep,
    NoDeleteInline,
)
from meetings.models import Meeting
from members.admin import NoDeleteMixin
from network.lib.widgets import PrivateFileInput

from . import services as knowledge
from .models import Action, ActionUpdate, Conclusion, LessonAttachment, LessonComment, LessonLearned, Minutes, NewsItem
from .visibility import Reader

# --- Lessons, conclusions, actions, minutes, news ---------------------------------------------------------------


class LessonCommentInline(NoDeleteInline, admin.TabularInline):
    model = LessonComment
    extra = 0
    fields = ("author", "text", "created_at")
    readonly_fields = ("author", "created_at")


class LessonAttachmentForm(DocumentForm):
    class Meta:
        model = LessonAttachment
        fields = ("file",)


class LessonAttachmentInline(admin.TabularInline):
    model = LessonAttachment
    form = LessonAttachmentForm
    extra = 0
    fields = ("file", "original_name", "content_type", "size")
    readonly_fields = ("original_name", "content_type", "size")
    # The file input's "Currently" link goes through the access check: attachments have no public URL.
    formfield_overrides = {
        models.FileField: {
            "widget": PrivateFileInput(url_of=lambda a: reverse("portal:lesson_attachment", args=[a.uid]))
        }
    }


@admin.register(LessonLearned)
class LessonLearnedAdmin(NoDeleteMixin, SimpleHistoryAdmin, TabbedTranslationAdmin):
    list_display = ("title", "country", "phase", "status", "meeting", "created_at")
    list_filter = ("status", "phase", "crisis", "themes", ("country", admin.RelatedOnlyFieldListFilter), "meeting")
    search_fields = ("title", "text")
    list_select_related = ("country", "meeting")
    autocomplete_fields = ("country", "organisation", "crisis", "meeting", "author")
    filter_horizontal = ("themes",)
    inlines = (LessonAttachmentInline, LessonCommentInline)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        knowledge.index_lessons(LessonLearned.objects.filter(pk=form.instance.pk))


class ActionUpdateInline(NoDeleteInline, admin.TabularInline):
    model = ActionUpdate
    extra = 0
    can_delete = False
    fields = ("at", "status", "note", "by")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ActionForm(forms.ModelForm):
    progress_note = forms.CharField(
        label=_("progress note"),
        required=False,
        max_length=500,
        help_text=_("Required when the status changes; kept in the action's record."),
    )

    def clean(self):
        cleaned = super().clean()
        note = cleaned.get("progress_note") or ""
        if self.instance.pk and ("status" in self.changed_data or note.strip()) and "status" in cleaned:
            try:
                knowledge.check_action_update(status=cleaned["status"], note=note)
            except ValidationError as error:
                self.add_error("progress_note", error)
        return cleaned


@admin.register(Action)
class ActionAdmin(NoDeleteMixin, SimpleHistoryAdmin, TabbedTranslationAdmin):
    form = ActionForm
    list_display = ("title", "owner_label", "due_date", "status", "conclusion")
    list_filter = ("status", ("owner_country", admin.RelatedOnlyFieldListFilter), "owner_secretariat")
    search_fields = ("title",)
    list_select_related = ("owner_country", "owner_organisation", "conclusion__meeting")
    autocomplete_fields = ("conclusion", "owner_country", "owner_organisation")
    inlines = (ActionUpdateInline,)

    def save_model(self, request, obj, form, change):
        """The other fields are saved here; the status and its note go through ``knowledge.update_action``, the
        portal's path, so the record is the same whoever changes it."""
        status = obj.status
        status_changed = change and "status" in form.changed_data
        if status_changed:
            obj.status = form.initial["status"]
        super().save_model(request, obj, form, change)
        note = (form.cleaned_data.get("progress_note") or "").strip()
        if status_changed or (not change) or note:
            knowledge.update_action(
                obj, status=status, note=note or gettext("Created"), reader=Reader.of_user(request.user)
            )
            obj.status = status


@admin.register(Conclusion)
class ConclusionAdmin(NoDeleteMixin, SimpleHistoryAdmin, TabbedTranslationAdmin):
    list_display = ("number", "text", "meeting", "is_public")
    list_filter = ("is_public", "meeting", "themes")
    search_fields = ("text",)
    autocomplete_fields = ("meeting",)
    filter_horizontal = ("themes",)


@admin.register(Minutes)
class MinutesAdmin(NoDeleteMixin, SimpleHistoryAdmin, TabbedTranslationAdmin):
    list_display = ("meeting", "status", "approved_at")
    list_filter = ("status",)
    autocomplete_fields = ("meeting", "approved_at")


@admin.register(NewsItem)
class NewsItemAdmin(NoDeleteMixin, SimpleHistoryAdmin, TabbedTranslationAdmin):
    list_display = ("title", "meeting", "status", "published_at")
    list_filter = ("status",)
    search_fields = ("title", "body")
    autocomplete_fields = ("meeting",)
    readonly_fields = ("status", "published_at")
    actions = ("publish",)

    @admin.action(description=_("Publish the selected news items"), permissions=["change"])
    def publish(self, request, queryset):
        for item in queryset:
            knowledge.publish_news(item)
        n = queryset.count()
        self.message_user(request, ngettext("%(n)d news item published.", "%(n)d news items published.", n) % {"n": n})


# --- The meeting's page: its conclusions and its public summary -------------------------------------------------------
# The meetings app knows nothing of the knowledge base, so the knowledge base extends the meeting's admin: a subclass
# with the conclusions inline and the "Public summary" button, registered in place of meetings' own.


class ConclusionInline(MeetingAgendaChoicesMixin, NoDeleteInline, TranslationStackedInline):
    model = Conclusion
    extra = 0
    fields = ("number", "text", "agenda_item", "themes", "is_public")
    filter_horizontal = ("themes",)


class MeetingWithKnowledgeAdmin(MeetingAdmin):
    """The meeting's admin with the knowledge base's parts: the conclusions inline, and the public summary's
    confirmation page (``admin:meetings_meeting_news``, linked from the meeting's page)."""

    # The conclusions come just before the changes told to the invitees.
    inlines = (
        *(inline for inline in MeetingAdmin.inlines if inline is not MeetingChangeInline),
        ConclusionInline,
        MeetingChangeInline,
    )

    steps = {
        **MeetingAdmin.steps,
        "news": MeetingStep(
            path="news",
            title=_("Public summary"),
            button=_("Prepare"),
            run=lambda request, meeting: knowledge.draft_news(meeting),
            done=lambda item: gettext("Edit each language of the summary, then publish it."),
            next=lambda item: reverse("admin:knowledge_newsitem_change", args=[item.pk]),
            question=lambda meeting: gettext(
                "Prepare the public summary from this meeting's records (counts, themes, public conclusions)?"
            ),
        ),
    }


admin.site.unregister(Meeting)
admin.site.register(Meeting, MeetingWithKnowledgeAdmin)
