"""The secretariat's admin for the knowledge base: lessons learned, conclusions, actions, minutes and news.

Every change that follows a rule goes through ``knowledge.services``; nothing is deleted here.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin, TranslationStackedInline
from simple_history.admin import SimpleHistoryAdmin

from meetings.admin import DocumentForm, MeetingAdmin, MeetingChangeInline, NoDeleteInline
from meetings.models import AgendaItem, Meeting
from members.admin import NoDeleteMixin

from . import services as knowledge
from .models import Action, ActionUpdate, Conclusion, LessonAttachment, LessonComment, LessonLearned, Minutes, NewsItem

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
        if self.instance.pk and "status" in self.changed_data and not (cleaned.get("progress_note") or "").strip():
            self.add_error("progress_note", gettext("Add a short progress note."))
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
        status_changed = change and "status" in form.changed_data
        super().save_model(request, obj, form, change)
        note = (form.cleaned_data.get("progress_note") or "").strip()
        if status_changed or (not change) or note:
            ActionUpdate.objects.create(action=obj, status=obj.status, note=note or gettext("Created"), by=request.user)


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

    def save_model(self, request, obj, form, change):
        for code, _name in settings.LANGUAGES:
            setattr(obj, f"text_{code}", knowledge.sanitize(getattr(obj, f"text_{code}") or ""))
        super().save_model(request, obj, form, change)


@admin.register(NewsItem)
class NewsItemAdmin(NoDeleteMixin, SimpleHistoryAdmin, TabbedTranslationAdmin):
    list_display = ("title", "meeting", "status", "published_at")
    list_filter = ("status",)
    search_fields = ("title", "body")
    autocomplete_fields = ("meeting",)
    readonly_fields = ("status", "published_at")
    actions = ("publish",)

    def save_model(self, request, obj, form, change):
        for code, _name in settings.LANGUAGES:
            setattr(obj, f"body_{code}", knowledge.sanitize(getattr(obj, f"body_{code}") or ""))
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Publish the selected news items"), permissions=["change"])
    def publish(self, request, queryset):
        for item in queryset:
            knowledge.publish_news(item)
        self.message_user(request, gettext("%(n)d news items published.") % {"n": queryset.count()})


# --- The meeting's page: its conclusions and its public summary -------------------------------------------------------
# The meetings app knows nothing of the knowledge base, so the knowledge base extends the meeting's admin: a subclass
# with the conclusions inline and the "Public summary" button, registered in place of meetings' own.


class ConclusionInline(NoDeleteInline, TranslationStackedInline):
    model = Conclusion
    extra = 0
    fields = ("number", "text", "agenda_item", "themes", "is_public")
    filter_horizontal = ("themes",)

    def get_formset(self, request, obj=None, **kwargs):
        self._meeting = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agenda_item":
            meeting = getattr(self, "_meeting", None)
            kwargs["queryset"] = AgendaItem.objects.filter(meeting=meeting) if meeting else AgendaItem.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MeetingWithKnowledgeAdmin(MeetingAdmin):
    """The meeting's admin with the knowledge base's parts: the conclusions inline, and the public summary's
    confirmation page (``admin:meetings_meeting_news``, linked from the meeting's page)."""

    # The conclusions come just before the changes told to the invitees.
    inlines = (
        *(inline for inline in MeetingAdmin.inlines if inline is not MeetingChangeInline),
        ConclusionInline,
        MeetingChangeInline,
    )

    def get_urls(self):
        news = path("<int:pk>/news/", self.admin_site.admin_view(self.news_view), name="meetings_meeting_news")
        return [news, *super().get_urls()]

    def news_view(self, request, pk):
        meeting = self._meeting(request, pk)
        if request.method == "POST":
            item = knowledge.draft_news(meeting)
            messages.success(request, gettext("Edit each language of the summary, then publish it."))
            return HttpResponseRedirect(reverse("admin:knowledge_newsitem_change", args=[item.pk]))
        return self._confirm(
            request,
            meeting,
            title=gettext("Public summary"),
            question=gettext(
                "Prepare the public summary from this meeting's records (counts, themes, public conclusions)?"
            ),
            action="news",
            button=gettext("Prepare"),
        )


admin.site.unregister(Meeting)
admin.site.register(Meeting, MeetingWithKnowledgeAdmin)
