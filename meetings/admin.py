"""The secretariat's admin for meetings: agenda, documents, invitations, answers, attendance and lists.

Every change that follows a rule goes through ``meetings.services``; the admin only collects input and shows
the result. Nothing is deleted here: meetings are cancelled or closed, invitations withdrawn, documents archived.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import F
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin, TranslationStackedInline, TranslationTabularInline
from simple_history.admin import SimpleHistoryAdmin

from members.admin import NoDeleteMixin
from members.models import Person
from network.lib.collation import reader_ordering
from network.lib.widgets import LabelledSplitDateTime, PrivateFileInput

from . import exports, services
from .documents import check_upload
from .enums import MeetingStatus
from .models import (
    DEFAULT_REMINDERS,
    AgendaItem,
    Attendance,
    Crisis,
    Document,
    Invitation,
    Meeting,
    MeetingChange,
    ReminderRule,
    SeatAllowance,
    Theme,
)

# --- Crises and themes ------------------------------------------------------------------------------------------


@admin.register(Crisis)
class CrisisAdmin(NoDeleteMixin, TabbedTranslationAdmin):  # crises keep no history of their own (as themes)
    list_display = ("name", "start_date", "ipcr_level")
    list_filter = ("ipcr_level",)
    search_fields = ("name", "description")


@admin.register(Theme)
class ThemeAdmin(NoDeleteMixin, TabbedTranslationAdmin):
    list_display = ("label",)
    search_fields = ("label",)


# --- Meeting inlines ----------------------------------------------------------------------------------------------


class NoDeleteInline:
    def has_delete_permission(self, request, obj=None):
        return False


class MeetingAgendaChoicesMixin:
    """For a meeting's inlines: the agenda-item fields (``agenda_fields``: field name → main items only) offer
    this meeting's own items, and none on a meeting not saved yet."""

    agenda_fields: dict[str, bool] = {"agenda_item": False}

    def get_formset(self, request, obj=None, **kwargs):
        self._meeting = obj  # an inline instance serves one request (ModelAdmin.get_inline_instances)
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.agenda_fields:
            meeting = getattr(self, "_meeting", None)
            items = AgendaItem.objects.filter(meeting=meeting) if meeting else AgendaItem.objects.none()
            kwargs["queryset"] = items.filter(parent__isnull=True) if self.agenda_fields[db_field.name] else items
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AgendaItemInline(MeetingAgendaChoicesMixin, NoDeleteInline, TranslationTabularInline):
    model = AgendaItem
    agenda_fields = {"parent": True}
    extra = 0
    fields = (
        "position",
        "title",
        "parent",
        "kind",
        "duration_minutes",
        "presenter",
        "presenting_organisation",
        "planned_start",
    )
    readonly_fields = ("planned_start",)
    autocomplete_fields = ("presenter", "presenting_organisation")
    classes = ("agenda-sortable",)

    def has_delete_permission(self, request, obj=None):
        # Agenda items are the meeting's own working draft: removing one loses no history (it is kept there).
        return True

    def get_formset(self, request, obj=None, **kwargs):
        self._starts = {e.item.pk: e for e in services.planned_agenda(obj)} if obj else {}
        return super().get_formset(request, obj, **kwargs)

    def get_queryset(self, request):
        # In agenda order: each main item followed by its sub-items.
        from django.db.models.functions import Coalesce

        return (
            super()
            .get_queryset(request)
            .select_related("presenter", "presenting_organisation")
            .annotate(main_position=Coalesce("parent__position", "position"), main_id=Coalesce("parent_id", "id"))
            .order_by("main_position", "main_id", F("parent_id").asc(nulls_first=True), "position", "pk")
        )

    @admin.display(description=_("planned start"))
    def planned_start(self, item):
        entry = getattr(self, "_starts", {}).get(item.pk)
        return f"{entry.number} · {entry.starts_at:%H:%M}" if entry else "—"

    class Media:
        # The same order as modeltranslation's tabbed admin: jQuery UI attaches to the admin's own jQuery.
        js = (
            "admin/js/jquery.init.js",
            "modeltranslation/js/force_jquery.js",
            settings.JQUERY_UI_URL,
            "meetings/admin/agenda_sortable.js",
        )
        css = {"all": ("meetings/admin/agenda_sortable.css",)}


class DocumentForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = "__all__"

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and hasattr(upload, "content_type") and not getattr(upload, "_committed", False):
            self._checked = (check_upload(upload), PurePath(upload.name).name[:255], upload.size)
        return upload

    def save(self, commit=True):
        document = super().save(commit=False)
        if getattr(self, "_checked", None):
            document.content_type, document.original_name, document.size = self._checked
        if commit:
            document.save()
        return document


class DocumentInline(MeetingAgendaChoicesMixin, NoDeleteInline, TranslationStackedInline):
    model = Document
    form = DocumentForm
    extra = 0
    fields = (("title",), ("file", "download"), ("agenda_item", "visibility", "is_archived"))
    readonly_fields = ("download",)
    # The file input's "Currently" link goes through the access check too: documents have no public URL.
    formfield_overrides = {
        models.FileField: {"widget": PrivateFileInput(url_of=lambda doc: reverse("meetings:document", args=[doc.uid]))}
    }

    @admin.display(description=_("download"))
    def download(self, document):
        if not document.pk:
            return "—"
        return format_html(
            '<a href="{}">{}</a> ({}, {} kB)',
            reverse("meetings:document", args=[document.uid]),
            document.original_name,
            document.content_type,
            round(document.size / 1024),
        )


class SeatAllowanceInline(admin.TabularInline):
    model = SeatAllowance
    extra = 0
    autocomplete_fields = ("country",)
    verbose_name_plural = _("seats per country (one unless raised here)")


class InvitationInline(NoDeleteInline, admin.TabularInline):
    model = Invitation
    fk_name = "meeting"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("person", "country", "capacity", "answer_text", "remarks", "answered_by_text", "sent_at", "withdrawn_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # through "Invite someone" or "Invite the network", which check the seats

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("person__organisation__country", "country", "substitute", "answered_by")
        )

    @admin.display(description=_("answer"))
    def answer_text(self, invitation):
        return invitation.answer_label

    @admin.display(description=_("answered by"))
    def answered_by_text(self, invitation):
        if not invitation.answered_at:
            return "—"
        who = gettext("the secretariat") if invitation.answered_on_behalf else gettext("the invitee")
        return f"{who}, {date_format(timezone.localtime(invitation.answered_at), 'SHORT_DATETIME_FORMAT')}"


def register_name(attendance: Attendance) -> str:
    """A register row's name as the admin lists it: the person's, or a delegation member's with whose delegation."""
    if attendance.is_delegate:
        return gettext("%(name)s (delegation of %(invitee)s)") % {
            "name": attendance.name,
            "invitee": attendance.delegation_of.full_name,
        }
    return attendance.who


class AttendanceInline(NoDeleteInline, admin.TabularInline):
    """The register. A delegation member's row (checked in with their badge; not in the registry) shows their name
    and leaves the person empty."""

    model = Attendance
    extra = 0
    fields = ("person", "delegation_member", "invitation", "presence", "note")
    readonly_fields = ("delegation_member", "invitation")
    autocomplete_fields = ("person",)
    verbose_name_plural = _("attendance (add people who came without an invitation)")

    def get_queryset(self, request):
        return super().get_queryset(request).with_organisations().select_related("invitation__person")

    @admin.display(description=_("delegation member"))
    def delegation_member(self, attendance):
        return register_name(attendance) if attendance.is_delegate else ""


class MeetingChangeInline(NoDeleteInline, admin.TabularInline):
    model = MeetingChange
    extra = 0
    can_delete = False
    fields = ("sequence", "changed_at", "changed_by", "changes")
    readonly_fields = fields
    verbose_name_plural = _("changes told to the invitees")

    def has_add_permission(self, request, obj=None):
        return False


class ReminderRuleInline(admin.TabularInline):
    """The meeting's reminder schedule, edited on its page. A new meeting's form comes with the default schedule
    (``DEFAULT_REMINDERS``) filled in; rules are never deleted (the secretariat may not), a rule is switched off
    by unticking "active"."""

    model = ReminderRule
    extra = 0
    fields = ("kind", "days_before", "active")
    verbose_name_plural = _("reminders (days before the answer deadline or the meeting)")

    def get_extra(self, request, obj=None, **kwargs):
        return len(DEFAULT_REMINDERS) if obj is None else 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Each control of a table row is named by its column for assistive technology (the header is not a label).
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            field.widget.attrs.setdefault("aria-label", capfirst(db_field.verbose_name))
        return field

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:
            return formset
        defaults = [{"kind": kind, "days_before": days} for kind, days in DEFAULT_REMINDERS]

        class DefaultSchedule(formset):
            def __init__(self, *args, **kwargs):
                kwargs.setdefault("initial", defaults)
                super().__init__(*args, **kwargs)

            def _construct_form(self, i, **kwargs):
                form = super()._construct_form(i, **kwargs)
                if i < len(defaults):
                    # A row left as prefilled is still part of the schedule: saved, not skipped as unchanged
                    # (removing the row from the form is how one leaves it out).
                    form.has_changed = lambda: True
                return form

        return DefaultSchedule


# --- Meeting ------------------------------------------------------------------------------------------------------


class MeetingForm(forms.ModelForm):
    edited_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Meeting
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edited_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # The admin's change view runs in one transaction: this lock makes a second, simultaneous save wait
            # and then see the version the first one wrote.
            current = (
                Meeting.objects.select_for_update()
                .filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if cleaned.get("edited_version") is not None and current != cleaned["edited_version"]:
                raise forms.ValidationError(
                    gettext(
                        "Someone else saved this meeting after you opened it. Nothing of yours was saved: "
                        "open the meeting again to see their changes, then make yours."
                    ),
                    code="conflict",
                )
        zone_name = cleaned.get("time_zone")
        if zone_name and "time_zone" not in self.errors:
            import zoneinfo

            zone = zoneinfo.ZoneInfo(zone_name)
            current = timezone.get_current_timezone()
            # The form read the times in the active time zone; they were typed in the meeting's.
            for name in ("starts_at", "ends_at"):
                value = cleaned.get(name)
                if value is not None:
                    cleaned[name] = timezone.make_aware(timezone.make_naive(value, current), zone)
        return cleaned


@dataclass(frozen=True)
class MeetingStep:
    """A button on the meeting's page that asks for confirmation, then calls a service (see ``confirmation_view``).

    ``run(request, meeting)`` does it (raising ``ValidationError`` to refuse); ``done(result)`` is the success
    message; ``next(result)``, when given, is where to go after (else back to the meeting); ``question(meeting)``
    and ``context(meeting)`` fill the confirmation page; ``fields`` are typed on it (``"reason"``)."""

    path: str
    title: str
    button: str
    run: Callable
    done: Callable
    question: Callable = lambda meeting: ""
    context: Callable = lambda meeting: {}
    next: Callable | None = None
    fields: tuple[str, ...] = ()
    template: str = "confirm.html"
    needs_add: bool = False


def _unsent(meeting: Meeting) -> int:
    return meeting.invitations.live().filter(sent_at__isnull=True).count()


def _network_preview(meeting: Meeting) -> dict:
    planned, skipped = services.network_invitees(meeting)
    return {"planned": planned, "skipped": skipped}


def _send_question(n: int) -> str:
    return ngettext("Send %(n)d invitation now?", "Send %(n)d invitations now?", n) % {"n": n}


MEETING_STEPS: dict[str, MeetingStep] = {
    "invite_network": MeetingStep(
        path="invite-network",
        title=_("Invite the network"),
        button=_("Invite the network"),
        run=lambda request, meeting: services.invite_network(meeting, by=request.user),
        done=lambda invitations: (
            ngettext("%(n)d invitation added.", "%(n)d invitations added.", len(invitations)) % {"n": len(invitations)}
        ),
        context=_network_preview,
        template="invite_network.html",
    ),
    "send": MeetingStep(
        path="send",
        title=_("Send the invitations"),
        button=_("Send"),
        run=lambda request, meeting: services.send_invitations(meeting),
        done=lambda n: ngettext("%(n)d invitation sent.", "%(n)d invitations sent.", n) % {"n": n},
        question=lambda meeting: _send_question(_unsent(meeting)),
    ),
    "cancel": MeetingStep(
        path="cancel",
        title=_("Cancel the meeting"),
        button=_("Cancel the meeting"),
        run=lambda request, meeting: services.cancel_meeting(meeting, reason=request.POST.get("reason", "")),
        done=lambda meeting: gettext("The meeting is cancelled."),
        question=lambda meeting: gettext("Cancel this meeting? Every invitee is told, with the reason."),
        fields=("reason",),
    ),
    "held": MeetingStep(
        path="held",
        title=_("Mark as held"),
        button=_("Mark as held"),
        run=lambda request, meeting: services.mark_held(meeting),
        done=lambda meeting: gettext("The meeting is marked as held; record the attendance below."),
        question=lambda meeting: gettext("Mark the meeting as held and prepare the attendance register?"),
    ),
    "close": MeetingStep(
        path="close",
        title=_("Close the meeting"),
        button=_("Close"),
        run=lambda request, meeting: services.close_meeting(meeting),
        done=lambda meeting: gettext("The meeting is closed."),
        question=lambda meeting: gettext("Close the meeting? Its record is then complete."),
    ),
    "copy": MeetingStep(
        path="copy",
        title=_("Copy as a draft"),
        button=_("Copy"),
        run=lambda request, meeting: services.copy_meeting(meeting),
        done=lambda copy: gettext("This is a draft copy: set its dates, then invite the network."),
        next=lambda copy: reverse("admin:meetings_meeting_change", args=[copy.pk]),
        question=lambda meeting: gettext(
            "Make a draft for the next meeting with this one's practical details and agenda skeleton?"
        ),
        needs_add=True,
    ),
}


@admin.register(Meeting)
class MeetingAdmin(NoDeleteMixin, SimpleHistoryAdmin, TabbedTranslationAdmin):
    form = MeetingForm
    formfield_overrides = {models.DateTimeField: {"widget": LabelledSplitDateTime}}

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # The two boxes of a filtered selection (the themes) carry their field's name for assistive technology.
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None:
            field.widget.attrs.setdefault("aria-label", capfirst(db_field.verbose_name))
        return field

    list_display = ("title", "local_start_display", "format", "status", "answers")
    list_filter = ("status", "format", "crisis", "themes")
    search_fields = ("title", "summary", "venue_city")
    date_hierarchy = "starts_at"
    autocomplete_fields = ("chair", "host", "crisis")
    filter_horizontal = ("themes",)
    readonly_fields = ("status", "answers", "cancellation_reason", "sequence", "invitations_sent_at")
    # The buttons that ask for confirmation; an app above meetings may add its own in a subclass (knowledge does).
    steps = MEETING_STEPS
    fieldsets = (
        (None, {"fields": ("title", "summary", ("status", "answers"), "cancellation_reason", "edited_version")}),
        (
            _("When"),
            {
                "fields": ("format", ("starts_at", "ends_at"), "time_zone", "answer_deadline"),
                "description": _("Start and end are read in the meeting's time zone."),
            },
        ),
        (_("Where"), {"fields": ("venue_name", "venue_address", "venue_city", "video_link", "dial_in")}),
        (_("About"), {"fields": ("chair", "host", "crisis", "themes")}),
        (_("Record"), {"fields": ("sequence", "invitations_sent_at"), "classes": ("collapse",)}),
    )
    inlines = (
        AgendaItemInline,
        DocumentInline,
        SeatAllowanceInline,
        ReminderRuleInline,
        InvitationInline,
        AttendanceInline,
        MeetingChangeInline,
    )

    def get_queryset(self, request):
        return services.with_answer_counts(super().get_queryset(request))

    @admin.display(description=_("starts"), ordering="starts_at")
    def local_start_display(self, meeting):
        return f"{meeting.local_start:%Y-%m-%d %H:%M} ({meeting.time_zone})"

    @admin.display(description=_("answers"))
    def answers(self, meeting):
        return services.answer_summary(meeting) if meeting.pk else "—"

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is None:
            return [i for i in inlines if isinstance(i, (AgendaItemInline, SeatAllowanceInline, ReminderRuleInline))]
        if obj.status not in (MeetingStatus.HELD, MeetingStatus.CLOSED):
            inlines = [i for i in inlines if not isinstance(i, AttendanceInline)]
        return inlines

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        meeting = self.get_object(request, object_id) if object_id else None
        zone = meeting.zone if meeting else timezone.get_current_timezone()
        if meeting is not None:  # the buttons of the steps the meeting's status allows (services.STATUS_RULES)
            allowed = {step for step in services.STATUS_RULES if services.allows(meeting, step)}
            extra_context = {**(extra_context or {}), "allowed_steps": allowed}
        with timezone.override(zone):  # show and read the times in the meeting's own time zone
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()  # while the zone is active: the form renders its times lazily
            return response

    def save_model(self, request, obj, form, change):
        # A new meeting's schedule is the reminders inline (prefilled with the default one) when the user may add
        # reminders; otherwise the meeting gets the default schedule.
        schedule_on_form = not change and request.user.has_perm("meetings.add_reminderrule")
        change_record = services.save_meeting(obj, by=request.user, default_reminders=not schedule_on_form)
        if change_record:
            messages.info(
                request,
                gettext("The invitees will be told of the change (revision %(n)d).") % {"n": change_record.sequence},
            )

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, Document) and instance.pk is None:
                instance.uploaded_by = request.user
            instance.save()
        formset.save_m2m()

    # --- The meeting's own pages: previews and confirmations, lists ---

    def get_urls(self):
        def view(fn, **kwargs):
            return self.admin_site.admin_view(functools.partial(fn, **kwargs) if kwargs else fn)

        return [
            *(
                path(f"<int:pk>/{step.path}/", view(self.confirmation_view, name=name), name=f"meetings_meeting_{name}")
                for name, step in self.steps.items()
            ),
            path(
                "<int:pk>/participants.csv", view(self.participants_csv_view), name="meetings_meeting_participants_csv"
            ),
            path(
                "<int:pk>/participants.pdf", view(self.participants_pdf_view), name="meetings_meeting_participants_pdf"
            ),
            path("<int:pk>/attendance.pdf", view(self.attendance_pdf_view), name="meetings_meeting_attendance_pdf"),
            *super().get_urls(),
        ]

    def _meeting(self, request, pk, *, change=True) -> Meeting:
        meeting = get_object_or_404(Meeting, pk=pk)
        allowed = self.has_change_permission(request, meeting) if change else self.has_view_permission(request, meeting)
        if not allowed:
            raise PermissionDenied
        return meeting

    def _back(self, meeting) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:meetings_meeting_change", args=[meeting.pk]))

    def confirmation_view(self, request, pk, *, name: str):
        """One of ``self.steps``: GET shows what it will do; POST does it through the service and goes back to
        the meeting (or to what the step made), with the service's refusal as an error message."""
        step = self.steps[name]
        meeting = self._meeting(request, pk)
        if step.needs_add and not self.has_add_permission(request):
            raise PermissionDenied
        error = None
        if request.method == "POST":
            try:
                result = step.run(request, meeting)
            except ValidationError as refusal:
                for message in refusal.messages:
                    messages.error(request, message)
                if not step.fields:
                    return self._back(meeting)
                error = True  # the page again, with what was typed
            else:
                messages.success(request, step.done(result))
                return HttpResponseRedirect(step.next(result)) if step.next else self._back(meeting)
        return TemplateResponse(
            request,
            f"admin/meetings/meeting/{step.template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": meeting,
                "meeting": meeting,
                "title": step.title,
                "question": step.question(meeting),
                "action": name,
                "button": step.button,
                "fields": step.fields,
                "error": error,
                **step.context(meeting),
            },
        )

    def _download(self, request, pk, kind: str, extension: str, content_type: str, build):
        meeting = self._meeting(request, pk, change=False)
        response = HttpResponse(build(meeting), content_type=content_type)
        filename = f"{meeting.local_start:%Y-%m-%d}-{slugify(kind)}.{extension}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def participants_csv_view(self, request, pk):
        return self._download(request, pk, "participants", "csv", "text/csv; charset=utf-8", exports.participants_csv)

    def participants_pdf_view(self, request, pk):
        return self._download(request, pk, "participants", "pdf", "application/pdf", exports.participants_pdf)

    def attendance_pdf_view(self, request, pk):
        return self._download(request, pk, "attendance", "pdf", "application/pdf", exports.attendance_pdf)


# --- Invitations ------------------------------------------------------------------------------------------------


class InviteForm(forms.ModelForm):
    """Invite one person (the seats rule is checked)."""

    class Meta:
        model = Invitation
        fields = ("meeting", "person", "capacity")

    capacity = forms.TypedChoiceField(
        label=_("capacity"),
        choices=[("", _("from the registry"))] + list(Invitation._meta.get_field("capacity").choices),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        meeting, person = cleaned.get("meeting"), cleaned.get("person")
        if meeting and person:
            capacity = cleaned.get("capacity") or services.capacity_of(person, on=meeting.local_start.date())
            cleaned["capacity"] = capacity
            try:
                services.check_invitable(meeting, person, capacity=capacity)
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from error
        return cleaned

    def validate_unique(self):
        pass  # check_invitable says it in words


class AnswerForm(forms.ModelForm):
    """Record or change an answer on the invitee's behalf (after a phone call or an email)."""

    class Meta:
        model = Invitation
        fields = ("answer", "mode", "substitute", "remarks")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        invitation = Invitation.objects.select_related("meeting", "person__organisation").get(pk=self.instance.pk)
        try:  # the service's own first step: it validates and changes nothing
            services.check_answer(
                invitation,
                answer=cleaned.get("answer"),
                mode=cleaned.get("mode") or "",
                substitute=cleaned.get("substitute"),
            )
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error
        return cleaned

    def _post_clean(self):
        pass  # the model instance is changed by the service, not by the form


@admin.register(Invitation)
class InvitationAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = (
        "person",
        "meeting",
        "country",
        "capacity",
        "answer_text",
        "answered_on_behalf",
        "sent_at",
        "withdrawn_at",
    )
    list_filter = ("answer", "capacity", "answered_on_behalf", ("withdrawn_at", admin.EmptyFieldListFilter), "meeting")
    search_fields = (
        "person__first_name",
        "person__last_name",
        "person__email",
        "meeting__title",
        "person__organisation__name",
    )
    list_select_related = ("person", "meeting", "country", "substitute")
    autocomplete_fields = ("meeting", "person", "substitute")
    actions = ("withdraw",)

    def get_ordering(self, request):
        # The latest meeting first, then countries and names as the reader's language sorts them.
        names = ["country__name", "person__last_name", "person__first_name"]
        return ["-meeting__starts_at", *reader_ordering(Invitation, names, getattr(request, "LANGUAGE_CODE", None))]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = AnswerForm if obj else InviteForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("meeting", "person", "capacity")
        return (
            "meeting",
            "person",
            "country",
            "capacity",
            "delegated_from",
            "answer",
            "mode",
            "substitute",
            "remarks",
            "answered_at",
            "answered_by",
            "answered_on_behalf",
            "sent_at",
            "withdrawn_at",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        readonly = (
            "meeting",
            "person",
            "country",
            "capacity",
            "delegated_from",
            "answered_at",
            "answered_by",
            "answered_on_behalf",
            "sent_at",
            "withdrawn_at",
        )
        if not obj.can_change_answer:
            readonly += ("answer", "mode", "substitute", "remarks")
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("person", "substitute"):
            kwargs["queryset"] = Person.objects.active().select_related("organisation__country")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("answer"))
    def answer_text(self, invitation):
        return invitation.answer_label

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            invitation = services.invite(data["meeting"], data["person"], capacity=data["capacity"], by=request.user)
            obj.pk = invitation.pk
            return
        services.record_answer(  # "pending" changes only the remarks (services.set_remarks)
            Invitation.objects.get(pk=obj.pk),
            answer=data["answer"],
            mode=data.get("mode") or "",
            substitute=data.get("substitute"),
            remarks=data.get("remarks"),
            by=request.user,
            on_behalf=True,
        )

    def save_related(self, request, form, formsets, change):
        pass

    def log_addition(self, request, obj, message):
        return super().log_addition(request, Invitation.objects.get(pk=obj.pk), message)

    @admin.action(description=_("Withdraw the selected invitations"))
    def withdraw(self, request, queryset):
        for invitation in queryset:
            services.withdraw_invitation(invitation)
        n = queryset.count()
        messages.success(request, ngettext("%(n)d invitation withdrawn.", "%(n)d invitations withdrawn.", n) % {"n": n})


@admin.register(Attendance)
class AttendanceAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("name_display", "meeting", "presence", "note")
    list_filter = ("presence", "meeting")
    search_fields = ("person__first_name", "person__last_name", "name", "delegation_of__last_name")
    list_select_related = ("person", "delegation_of", "meeting")
    autocomplete_fields = ("meeting", "person", "delegation_of", "invitation")

    def get_ordering(self, request):
        # The latest meeting first, then countries and names as the reader's language sorts them; a delegation
        # member after the invitee they came with.
        names = [
            ("person__organisation__country__name", "delegation_of__organisation__country__name"),
            ("person__last_name", "delegation_of__last_name"),
            ("person__first_name", "delegation_of__first_name"),
            "name",
        ]
        return ["-meeting__starts_at", *reader_ordering(Attendance, names, getattr(request, "LANGUAGE_CODE", None))]

    @admin.display(description=_("name"))
    def name_display(self, attendance):
        return register_name(attendance)
