"""The secretariat's pages for the date poll, registrations, badges, check-in and roll-call.

Every change goes through the services (``polls``, ``registration``, ``badges``, ``checkin``); nothing is deleted
here. Dietary and accessibility needs are shown only here (the admin is the secretariat's).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from modeltranslation.admin import TabbedTranslationAdmin

from meetings.enums import Presence
from members.admin import NoDeleteMixin
from members.models import Country, Person

from . import badges, checkin, exports, polls
from .enums import LogisticsField
from .forms import CheckInForm
from .models import Badge, DatePoll, MeetingLogistics, PollSlot, Registration


class SlotInline(admin.TabularInline):
    model = PollSlot
    extra = 0
    min_num, max_num = polls.MIN_SLOTS, polls.MAX_SLOTS

    def get_formset(self, request, obj=None, **kwargs):
        # The admin does not pass validate_min/max on its own: a poll proposes 2 to 8 slots (``polls.check_slots``).
        return super().get_formset(request, obj, validate_min=True, validate_max=True, **kwargs)


@admin.register(DatePoll)
class DatePollAdmin(NoDeleteMixin, TabbedTranslationAdmin):
    list_display = ("title", "status", "chosen_slot", "created_at")
    list_filter = ("status",)
    search_fields = ("title",)
    filter_horizontal = ("countries",)
    autocomplete_fields = ("meeting",)
    readonly_fields = ("status", "chosen_slot", "closed_at")
    fields = ("title", "time_zone", "duration_minutes", "countries", "meeting", "status", "chosen_slot", "closed_at")
    inlines = (SlotInline,)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        poll = self.get_object(request, object_id) if object_id else None
        zone = poll.zone if poll else timezone.get_current_timezone()
        with timezone.override(zone):  # the slots are read and shown in the poll's zone
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()
            return response

    def get_urls(self):
        def view(fn):
            return self.admin_site.admin_view(fn)

        return [
            path("<int:pk>/grid/", view(self.grid_view), name="logistics_datepoll_grid"),
            path("<int:pk>/choose/", view(require_POST(self.choose_view)), name="logistics_datepoll_choose"),
            path("<int:pk>/remind/", view(require_POST(self.remind_view)), name="logistics_datepoll_remind"),
            *super().get_urls(),
        ]

    def _poll(self, request, pk, *, change: bool) -> DatePoll:
        poll = get_object_or_404(DatePoll, pk=pk)
        allowed = self.has_change_permission(request, poll) if change else self.has_view_permission(request, poll)
        if not allowed:
            raise PermissionDenied
        return poll

    def grid_view(self, request, pk):
        poll = self._poll(request, pk, change=False)
        grid = polls.grid(poll)
        return TemplateResponse(
            request,
            "admin/logistics/poll_grid.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": poll,
                "title": gettext("Date poll: %(title)s") % {"title": poll.title},
                "poll": poll,
                "grid": grid,
                "columns": [
                    (polls.slot_label(s, poll.zone), t, s) for s, t in zip(grid.slots, grid.totals, strict=True)
                ],
                "people_missing": polls.people_asked(poll, countries=grid.missing) if grid.missing else [],
            },
        )

    def choose_view(self, request, pk):
        poll = self._poll(request, pk, change=True)
        slot = get_object_or_404(PollSlot, pk=request.POST.get("slot"), poll=poll)
        try:
            meeting = polls.choose(poll, slot, by=request.user)
        except ValidationError as refusal:
            for message in refusal.messages:
                messages.error(request, message)
            return HttpResponseRedirect(reverse("admin:logistics_datepoll_grid", args=[poll.pk]))
        messages.success(request, gettext("Date chosen; the save-the-date is on its way to everyone asked."))
        return HttpResponseRedirect(reverse("admin:meetings_meeting_change", args=[meeting.pk]))

    def remind_view(self, request, pk):
        poll = self._poll(request, pk, change=True)
        try:
            count = polls.remind(poll)
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
        else:
            messages.success(request, gettext("%(n)d reminders queued.") % {"n": count})
        return HttpResponseRedirect(reverse("admin:logistics_datepoll_grid", args=[poll.pk]))


class LogisticsForm(forms.ModelForm):
    fields = forms.MultipleChoiceField(
        label=_("questions asked"), choices=LogisticsField.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = MeetingLogistics
        fields = ("meeting", "fields", "deadline", "badge_language")


class WalkInForm(forms.Form):
    person = forms.ModelChoiceField(label=_("person"), queryset=Person.objects.none())
    presence = forms.ChoiceField(label=_("presence"), choices=Presence.choices[:2])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            Person.objects.filter(is_active=True).select_related("organisation").order_by("last_name", "first_name")
        )


@admin.register(MeetingLogistics)
class MeetingLogisticsAdmin(NoDeleteMixin, admin.ModelAdmin):
    form = LogisticsForm
    list_display = ("meeting", "deadline", "badge_language")
    autocomplete_fields = ("meeting",)
    search_fields = ("meeting__title",)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        names = {
            "delegations": gettext("Delegation list"),
            "hotel": gettext("Hotel list"),
            "caterer": gettext("Caterer list"),
            "interpretation": gettext("Interpretation needs"),
        }
        extra_context = {**(extra_context or {}), "lists": [(k, names[k]) for k in exports.LISTS]}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        def view(fn):
            return self.admin_site.admin_view(fn)

        return [
            path("<int:pk>/badges/", view(require_POST(self.issue_view)), name="logistics_meetinglogistics_issue"),
            path("<int:pk>/badges.pdf", view(self.badges_view), name="logistics_meetinglogistics_badges"),
            path("<int:pk>/name-cards.pdf", view(self.cards_view), name="logistics_meetinglogistics_cards"),
            path("<int:pk>/lists/", view(self.list_view), name="logistics_meetinglogistics_list"),
            path("<int:pk>/check-in/", view(self.checkin_view), name="logistics_meetinglogistics_checkin"),
            path("<int:pk>/roll-call/", view(self.rollcall_view), name="logistics_meetinglogistics_rollcall"),
            *super().get_urls(),
        ]

    def _logistics(self, request, pk, *, change: bool) -> MeetingLogistics:
        logistics = get_object_or_404(MeetingLogistics.objects.select_related("meeting"), pk=pk)
        allowed = (
            self.has_change_permission(request, logistics) if change else self.has_view_permission(request, logistics)
        )
        if not allowed:
            raise PermissionDenied
        return logistics

    def _file(self, logistics, kind: str, extension: str, content: bytes, content_type: str) -> HttpResponse:
        response = HttpResponse(content, content_type=content_type)
        name = f"{logistics.meeting.local_start:%Y-%m-%d}-{slugify(kind)}.{extension}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def issue_view(self, request, pk):
        logistics = self._logistics(request, pk, change=True)
        count = badges.issue_badges(logistics.meeting)
        messages.success(request, gettext("%(n)d badges issued.") % {"n": count})
        return HttpResponseRedirect(reverse("admin:logistics_meetinglogistics_checkin", args=[pk]))

    def badges_view(self, request, pk):
        logistics = self._logistics(request, pk, change=False)
        return self._file(logistics, "badges", "pdf", badges.badges_pdf(logistics.meeting), "application/pdf")

    def cards_view(self, request, pk):
        logistics = self._logistics(request, pk, change=False)
        return self._file(logistics, "name-cards", "pdf", badges.name_cards_pdf(logistics.meeting), "application/pdf")

    def list_view(self, request, pk):
        logistics = self._logistics(request, pk, change=False)
        kind = request.GET.get("list", "delegations")
        fmt = request.GET.get("format", "pdf")
        if kind not in exports.LISTS or fmt not in exports.FORMATS:
            kind, fmt = "delegations", "pdf"
        content, content_type = exports.export(logistics.meeting, kind, fmt)
        return self._file(logistics, kind, fmt, content, content_type)

    def _context(self, request, logistics, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": logistics,
            "logistics": logistics,
            "meeting": logistics.meeting,
            "title": title,
            "window": [timezone.localtime(t, logistics.meeting.zone) for t in checkin.window(logistics.meeting)],
            "is_open": checkin.is_open(logistics.meeting),
        }

    def checkin_view(self, request, pk):
        """The door: a badge code typed (or read by the camera into the same field) checks in; a walk-in is added."""
        logistics = self._logistics(request, pk, change=request.method == "POST")
        meeting = logistics.meeting
        form, walk_in = CheckInForm(), WalkInForm()
        status = 200
        if request.method == "POST" and "person" in request.POST:
            walk_in = WalkInForm(request.POST)
            if walk_in.is_valid():
                try:
                    checkin.add_walk_in(
                        meeting, walk_in.cleaned_data["person"], presence=walk_in.cleaned_data["presence"]
                    )
                except ValidationError as refusal:
                    messages.error(request, " ".join(refusal.messages))
                else:
                    messages.success(request, gettext("Added to the register."))
                    return HttpResponseRedirect(request.path)
        elif request.method == "POST":
            form = CheckInForm(request.POST)
            if form.is_valid():
                try:
                    done = checkin.check_in(meeting, form.cleaned_data["code"])
                except ValidationError as refusal:
                    messages.error(request, " ".join(refusal.messages))
                    status = 400
                else:
                    if done.attendance.is_delegate:
                        welcome = gettext("Welcome, %(name)s (delegation of %(invitee)s): checked in.") % {
                            "name": done.badge.name,
                            "invitee": done.attendance.delegation_of.full_name,
                        }
                    else:
                        welcome = gettext("Welcome, %(name)s: checked in.") % {"name": done.badge.name}
                    messages.success(request, welcome)
                    return HttpResponseRedirect(request.path)
        badge_list = list(badges.badges_of(meeting))
        response = TemplateResponse(
            request,
            "admin/logistics/checkin.html",
            {
                **self._context(request, logistics, gettext("Check-in: %(title)s") % {"title": meeting.title}),
                "form": form,
                "walk_in": walk_in,
                "badges": badge_list,
                "checked_in": sum(1 for b in badge_list if b.checked_in_at),
            },
            status=status,
        )
        # This page alone may use the camera (to read badges' QR codes); every other page keeps it denied.
        policy = {**settings.PERMISSIONS_POLICY, "camera": ["self"]}
        response.headers["Permissions-Policy"] = ", ".join(f"{k}=({' '.join(v)})" for k, v in policy.items())
        return response

    def rollcall_view(self, request, pk):
        logistics = self._logistics(request, pk, change=request.method == "POST")
        meeting = logistics.meeting
        if request.method == "POST":
            country = get_object_or_404(Country, pk=request.POST.get("country"))
            try:
                count = checkin.roll_call(meeting, country, request.POST.get("presence", ""))
            except ValidationError as refusal:
                messages.error(request, " ".join(refusal.messages))
            else:
                messages.success(request, gettext("%(country)s: %(n)d recorded.") % {"country": country, "n": count})
            return HttpResponseRedirect(request.path)
        return TemplateResponse(
            request,
            "admin/logistics/rollcall.html",
            {
                **self._context(request, logistics, gettext("Roll-call: %(title)s") % {"title": meeting.title}),
                "rows": checkin.roll_call_rows(meeting),
                "presences": Presence.choices,
            },
        )


@admin.register(Registration)
class RegistrationAdmin(NoDeleteMixin, admin.ModelAdmin):
    """The registrations as given (special-category needs included: this admin is the secretariat's)."""

    list_display = ("invitation", "arrival_at", "departure_at", "hotel", "nights", "dinner", "needs")
    list_filter = ("invitation__meeting", "hotel", "dinner")
    list_select_related = ("invitation__person", "invitation__meeting")
    search_fields = ("invitation__person__last_name", "invitation__person__first_name")
    readonly_fields = ("invitation", "sensitive_erased_at")

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("dietary and accessibility needs"))
    def needs(self, registration):
        return ", ".join(
            p for p in (", ".join(registration.diets), registration.diet_other, registration.accessibility) if p
        )


@admin.register(Badge)
class BadgeAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "code", "meeting", "country_code", "role", "checked_in_at")
    list_filter = ("meeting", "role")
    search_fields = ("name", "code")
    list_select_related = ("meeting",)
    readonly_fields = ("meeting", "invitation", "delegate", "code", "checked_in_at")

    def has_add_permission(self, request):
        return False
