"""The secretariat's side of drafts and written procedures. Every button calls ``decisions.services``; a refusal
is shown as an error message and changes nothing."""

from __future__ import annotations

import datetime
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.identity import seat_countries
from members.models import Country

from . import services
from .enums import ProcedureStatus, ProposalOutcome
from .models import Draft, Proposal, Reservation, Revision, WrittenProcedure

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


class RevisionInline(admin.TabularInline):
    model = Revision
    fields = ("number", "published_at", "published_by", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


class ProcedureInline(admin.TabularInline):
    model = WrittenProcedure
    fk_name = "revision"
    fields = ("deadline", "status", "closed_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


class PublishForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    actions = forms.CharField(
        label=gettext_lazy("Actions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 100}),
        help_text=gettext_lazy(
            "One a line: paragraph number | owner (a country code, or “secretariat”) | due date (YYYY-MM-DD) | what "
            "is to be done (in English). On adoption each becomes the action of its conclusion."
        ),
    )

    def __init__(self, *args, languages, proposals, **kwargs):
        super().__init__(*args, **kwargs)
        for code, name in languages:
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Paragraphs (%(language)s), separated by an empty line") % {"language": name},
                required=code == "en",
                widget=forms.Textarea(attrs={"rows": 12, "cols": 100}),
            )
        self.proposals = proposals
        for proposal in proposals:
            self.fields[f"proposal_{proposal.pk}"] = forms.ChoiceField(
                label=f"{proposal.country} · {proposal.revision.label} § {proposal.paragraph_number}: {proposal.text}",
                choices=ProposalOutcome.choices,
                initial=ProposalOutcome.PENDING,
            )


def parse_actions(text: str) -> dict[int, dict]:
    """The publish form's action lines, by paragraph number, as ``services.publish_revision`` takes them; raises
    ``ValidationError`` naming the line that cannot be read."""
    actions: dict[int, dict] = {}
    for line in filter(None, (raw.strip() for raw in text.splitlines())):
        parts = [part.strip() for part in line.split("|")]
        try:
            number, owner, due, title = int(parts[0]), parts[1], datetime.date.fromisoformat(parts[2]), parts[3]
            country = None if owner.lower() == "secretariat" else Country.objects.get(code=owner.upper())
        except (IndexError, ValueError, Country.DoesNotExist) as error:
            raise ValidationError(
                _("This action line cannot be read: %(line)s"), params={"line": line}, code="action_line"
            ) from error
        actions[number] = {"title": {"en": title}, "country": country, "secretariat": country is None, "due": due}
    return actions


def action_lines(revision) -> str:
    lines = []
    for paragraph in revision.paragraphs.order_by("number").select_related("action_owner_country"):
        if paragraph.action_title_en:
            owner = paragraph.action_owner_country.code if paragraph.action_owner_country else "secretariat"
            lines.append(f"{paragraph.number} | {owner} | {paragraph.action_due} | {paragraph.action_title_en}")
    return "\n".join(lines)


def split_paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


class ProcedureForm(forms.Form):
    deadline = forms.DateTimeField(
        label=gettext_lazy("Deadline (Brussels time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    countries = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Countries concerned"), queryset=Country.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    reminder_hours = forms.CharField(
        label=gettext_lazy("Reminders (hours before the deadline, separated by commas)"),
        initial="48, 4",
        required=False,
    )

    def clean_deadline(self):
        value = self.cleaned_data["deadline"]
        return value.replace(tzinfo=None).replace(tzinfo=BRUSSELS)  # what was typed is Brussels time

    def clean_reminder_hours(self):
        raw = self.cleaned_data["reminder_hours"]
        try:
            return [int(h) for h in raw.replace(";", ",").split(",") if h.strip()]
        except ValueError as error:
            raise ValidationError(_("Reminders are whole numbers of hours.")) from error


class ExtendForm(forms.Form):
    deadline = ProcedureForm.base_fields["deadline"]
    clean_deadline = ProcedureForm.clean_deadline


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "meeting", "status", "adopted_on", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("title",)
    autocomplete_fields = ("meeting", "readers")
    readonly_fields = ("status", "adopted_on", "created_at")
    fields = (
        "title_en",
        "title_fr",
        "title_nl",
        "title_de",
        "kind",
        "meeting",
        "original_language",
        "readers",
        *readonly_fields,
    )
    inlines = [RevisionInline]
    change_form_template = "admin/decisions/draft/change_form.html"

    def has_delete_permission(self, request, obj=None):
        return False  # nothing is deleted: a draft is withdrawn

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/publish/", view(self.publish_view), name="decisions_draft_publish"),
            path("<int:pk>/comments/", view(self.confirm_view), {"step": "comments"}, name="decisions_draft_comments"),
            path("<int:pk>/withdraw/", view(self.confirm_view), {"step": "withdraw"}, name="decisions_draft_withdraw"),
            path("<int:pk>/procedure/", view(self.procedure_view), name="decisions_draft_procedure"),
            *super().get_urls(),
        ]

    def _draft(self, request, pk) -> Draft:
        draft = get_object_or_404(Draft, pk=pk)
        if not self.has_change_permission(request, draft):
            raise PermissionDenied
        return draft

    def _back(self, draft):
        return HttpResponseRedirect(reverse("admin:decisions_draft_change", args=[draft.pk]))

    def _page(self, request, draft, title, form=None, **extra):
        return TemplateResponse(
            request,
            "admin/decisions/form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": draft,
                "title": title,
                "form": form,
                **extra,
            },
        )

    def publish_view(self, request, pk):
        draft = self._draft(request, pk)
        latest = services.latest_revision(draft)
        proposals = list(
            Proposal.objects.filter(revision__draft=draft, outcome=ProposalOutcome.PENDING).select_related(
                "country", "revision"
            )
        )
        initial = {}
        if latest is not None:
            for code, _name in settings.LANGUAGES:
                initial[f"text_{code}"] = "\n\n".join(
                    getattr(p, f"text_{code}") or "" for p in latest.paragraphs.order_by("number")
                ).strip()
            initial["actions"] = action_lines(latest)
        form = PublishForm(request.POST or None, initial=initial, languages=settings.LANGUAGES, proposals=proposals)
        if request.method == "POST" and form.is_valid():
            by_language = {
                code: split_paragraphs(form.cleaned_data[f"text_{code}"] or "") for code, _n in settings.LANGUAGES
            }
            count = len(by_language["en"])
            try:
                for code, texts in by_language.items():
                    if texts and len(texts) != count:
                        raise ValidationError(
                            _("The %(language)s text has %(count)s paragraphs; the English one has %(english)s."),
                            params={"language": code, "count": len(texts), "english": count},
                        )
                actions = parse_actions(form.cleaned_data["actions"] or "")
                paragraphs = [
                    {code: (texts[n] if texts else "") for code, texts in by_language.items()} for n in range(count)
                ]
                for number, action in actions.items():
                    if not 1 <= number <= count:
                        raise ValidationError(_("There is no paragraph %(number)s."), params={"number": number})
                    paragraphs[number - 1]["action"] = action
                outcomes = {
                    p.pk: form.cleaned_data[f"proposal_{p.pk}"]
                    for p in proposals
                    if form.cleaned_data[f"proposal_{p.pk}"] != ProposalOutcome.PENDING
                }
                revision = services.publish_revision(
                    draft, paragraphs, note=form.cleaned_data["note"], outcomes=outcomes, by=request.user
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("%(label)s is published.") % {"label": revision.label})
                return self._back(draft)
        return self._page(request, draft, _("Publish the next revision"), form)

    def confirm_view(self, request, pk, *, step: str):
        draft = self._draft(request, pk)
        titles = {"comments": _("Open for comments"), "withdraw": _("Withdraw the draft")}
        if request.method == "POST":
            try:
                (services.open_for_comments if step == "comments" else services.withdraw_draft)(draft)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("Done."))
            return self._back(draft)
        return self._page(request, draft, titles[step], confirm=True)

    def procedure_view(self, request, pk):
        draft = self._draft(request, pk)
        latest = services.latest_revision(draft)
        form = ProcedureForm(
            request.POST or None,
            initial={
                "countries": list(seat_countries()),
                "deadline": (datetime.datetime.now(BRUSSELS) + datetime.timedelta(days=7)).replace(
                    hour=17, minute=0, second=0, microsecond=0, tzinfo=None
                ),
            },
        )
        if request.method == "POST" and form.is_valid():
            if latest is None:
                messages.error(request, _("Publish a first revision before opening the draft for comments."))
                return self._back(draft)
            try:
                procedure = services.open_procedure(
                    latest,
                    deadline=form.cleaned_data["deadline"],
                    countries=list(form.cleaned_data["countries"]),
                    reminder_hours=form.cleaned_data["reminder_hours"] or [],
                    by=request.user,
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("The written procedure is open; the countries are told."))
                return HttpResponseRedirect(reverse("admin:decisions_writtenprocedure_board", args=[procedure.pk]))
        return self._page(request, draft, _("Open a written procedure"), form)


class ReminderScheduleForm(forms.ModelForm):
    """The reminder schedule is the one thing of a procedure edited here; ``services.check_hours`` checks it."""

    def clean_reminder_hours(self):
        return services.check_hours(self.cleaned_data["reminder_hours"] or [])


@admin.register(WrittenProcedure)
class WrittenProcedureAdmin(admin.ModelAdmin):
    list_display = ("revision", "deadline", "status", "opened_at", "closed_at", "board_link")
    list_filter = ("status",)
    list_select_related = ("revision__draft",)
    fields = ("revision", "deadline", "status", "reminder_hours", "opened_at", "opened_by", "closed_at")
    readonly_fields = ("revision", "deadline", "status", "opened_at", "opened_by", "closed_at")
    change_form_template = "admin/decisions/writtenprocedure/change_form.html"

    def has_add_permission(self, request):
        return False  # opened from the draft's page

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("board"))
    def board_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:decisions_writtenprocedure_board", args=[obj.pk]), _("Board")
        )

    form = ReminderScheduleForm

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/board/", view(self.board_view), name="decisions_writtenprocedure_board"),
            path("<int:pk>/extend/", view(self.extend_view), name="decisions_writtenprocedure_extend"),
            path("<int:pk>/withdraw/", view(self.withdraw_view), name="decisions_writtenprocedure_withdraw"),
            *super().get_urls(),
        ]

    def _procedure(self, request, pk, *, change=True) -> WrittenProcedure:
        procedure = get_object_or_404(WrittenProcedure.objects.select_related("revision__draft"), pk=pk)
        allowed = (
            self.has_change_permission(request, procedure) if change else self.has_view_permission(request, procedure)
        )
        if not allowed:
            raise PermissionDenied
        return procedure

    def _page(self, request, procedure, title, template="admin/decisions/form.html", **extra):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": procedure,
                "title": title,
                **extra,
            },
        )

    def board_view(self, request, pk):
        procedure = self._procedure(request, pk, change=False)
        return self._page(
            request,
            procedure,
            _("Board of the written procedure"),
            template="admin/decisions/writtenprocedure/board.html",
            board=services.board(procedure),
            history=services.history(procedure),
            is_open=procedure.status == ProcedureStatus.OPEN,
        )

    def extend_view(self, request, pk):
        procedure = self._procedure(request, pk)
        form = ExtendForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.extend_procedure(procedure, deadline=form.cleaned_data["deadline"])
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("The deadline is extended; the countries are told."))
                return HttpResponseRedirect(reverse("admin:decisions_writtenprocedure_board", args=[procedure.pk]))
        return self._page(request, procedure, _("Extend the deadline"), form=form)

    def withdraw_view(self, request, pk):
        procedure = self._procedure(request, pk)
        if request.method == "POST":
            try:
                services.withdraw_procedure(procedure)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("The written procedure is withdrawn; the countries are told."))
            return HttpResponseRedirect(reverse("admin:decisions_writtenprocedure_board", args=[procedure.pk]))
        return self._page(request, procedure, _("Withdraw the written procedure"), confirm=True)


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ("revision", "paragraph_number", "country", "author", "outcome", "decided_in", "created_at")
    list_filter = ("outcome",)
    list_select_related = ("revision__draft", "country", "author", "decided_in")
    readonly_fields = [f.name for f in Proposal._meta.fields]

    def has_add_permission(self, request):
        return False  # proposed by countries in the portal; decided when a revision is published

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = ("revision", "paragraph_number", "country", "kind", "author", "created_at")
    list_filter = ("kind",)
    list_select_related = ("revision__draft", "country", "author")
    readonly_fields = [f.name for f in Reservation._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
