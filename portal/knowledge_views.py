"""Portal pages for what the network learns: the lessons library, submitting lessons, conclusions and actions,
the meeting report (PDF). Every view checks access like the rest of the portal."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.forms.models import ModelChoiceIterator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from knowledge import reports, visibility
from knowledge import services as knowledge
from knowledge.models import (
    Action,
    ActionStatus,
    ActionUpdate,
    LessonAttachment,
    LessonLearned,
    LessonStatus,
    Phase,
    Position,
)
from meetings.models import Crisis, Meeting, Theme
from members.models import Country
from network.lib.collation import in_reader_order
from network.lib.files import private_file_response
from questionnaires import services as questionnaires

from .views import member_required

LANGUAGE_CHOICES = settings.LANGUAGES


# --- Lessons library ------------------------------------------------------------------------------------------------


class ListedChoiceIterator(ModelChoiceIterator):
    """A choice list read with one plain query, instead of ``ModelChoiceIterator``'s ``iterator()``, which on
    PostgreSQL opens a server-side cursor (a DECLARE, a FETCH and a CLOSE) for a list of a few dozen rows."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ListSelect(forms.Select):
    """A select whose options are written by its own template, not one included template each (the same HTML for
    choices without groups or attributes of their own)."""

    template_name = "portal/widgets/select.html"


class ListedChoiceField(forms.ModelChoiceField):
    iterator = ListedChoiceIterator
    widget = ListSelect


# The filters' choice lists load only the columns of the choices' labels (``only`` of a translated field loads it in
# every language, so the fallbacks still work).
class LessonFilter(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    crisis = ListedChoiceField(label=gettext_lazy("Crisis"), queryset=Crisis.objects.only("name"), required=False)
    theme = ListedChoiceField(label=gettext_lazy("Theme"), queryset=Theme.objects.only("label"), required=False)
    country = ListedChoiceField(
        label=gettext_lazy("Country"),
        queryset=Country.objects.only("code", "name").order_by("name"),
        required=False,
        to_field_name="code",
    )
    phase = forms.ChoiceField(
        label=gettext_lazy("Phase"), choices=[("", "—"), *Phase.choices], required=False, widget=ListSelect
    )
    meeting = ListedChoiceField(label=gettext_lazy("Meeting"), queryset=Meeting.objects.none(), required=False)

    def __init__(self, *args, meetings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = (
            meetings.only("title", "starts_at", "time_zone") if meetings is not None else Meeting.objects.none()
        )
        self.fields["country"].queryset = in_reader_order(Country.objects.only("code", "name"), "name")


@member_required
@require_GET
def lessons(request):
    reader = request.reader
    form = LessonFilter(request.GET or None, meetings=visibility.meetings(reader).order_by("-starts_at"))
    lessons = (
        visibility.lessons(reader)
        .select_related("country", "crisis")
        .only("title", "text", "original_language", "phase", "status", "country__name", "crisis__name")
    )
    q = ""
    if form.is_valid():
        data = form.cleaned_data
        q = data.get("q") or ""
        for field in ("crisis", "country", "meeting"):
            if data.get(field):
                lessons = lessons.filter(**{field: data[field]})
        if data.get("theme"):
            lessons = lessons.filter(themes=data["theme"])
        if data.get("phase"):
            lessons = lessons.filter(phase=data["phase"])
        lessons = knowledge.search_lessons(lessons, q, language=get_language() or "en")
    if not q:
        lessons = lessons.order_by("-created_at")
    page = Paginator(lessons, 20).get_page(request.GET.get("page"))
    results = [
        (
            lesson,
            knowledge.highlight(getattr(lesson, "headline", "") or lesson.shown_text, q),
            knowledge.highlight(lesson.shown_title, q),
        )
        for lesson in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/lessons.html",
        {
            "nav": "lessons",
            "form": form,
            "page": page,
            "results": results,
            "q": q,
            "query": query.urlencode(),
            "can_submit": visibility.can_submit_lesson(reader),
        },
    )


@member_required
@require_http_methods(["GET", "POST"])
def lesson(request, pk):
    reader = request.reader
    lesson = get_object_or_404(
        visibility.lessons(reader).select_related("country", "organisation", "crisis", "meeting", "author"), pk=pk
    )
    error = None
    if request.method == "POST":
        try:
            knowledge.comment(lesson, reader=reader, text=request.POST.get("text", ""))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Your comment is added."))
            return redirect("portal:lesson", pk=lesson.pk)
    return render(
        request,
        "portal/lesson.html",
        {
            "nav": "lessons",
            "lesson": lesson,
            "comments": lesson.comments.select_related("author"),
            "attachments": lesson.attachments.all(),
            # The questionnaires asked about this lesson, with what the reader may do there.
            "questionnaires": questionnaires.for_reader(
                questionnaires.shown(lesson.questionnaires.all()), user=request.user, person=request.person
            ),
            "reader_zone": request.person.time_zone if request.person else "",
            "error": error,
            "can_edit": visibility.can_edit_lesson(reader, lesson),
            "can_comment": visibility.can_comment(reader, lesson),
        },
        status=400 if error else 200,
    )


class LessonForm(forms.Form):
    original_language = forms.ChoiceField(label=gettext_lazy("Written in"), choices=LANGUAGE_CHOICES)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    text = forms.CharField(
        label=gettext_lazy("Lesson learned"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=knowledge.LessonLearned._meta.get_field("text").validators[0].limit_value,
    )
    crisis = forms.ModelChoiceField(label=gettext_lazy("Crisis"), queryset=Crisis.objects.all(), required=False)
    themes = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Themes"), queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    phase = forms.ChoiceField(label=gettext_lazy("Phase"), choices=Phase.choices)
    meeting = forms.ModelChoiceField(
        label=gettext_lazy("Shared at the meeting"), queryset=Meeting.objects.none(), required=False
    )

    def __init__(self, *args, meetings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings if meetings is not None else Meeting.objects.none()

    def clean_title(self):
        return self.cleaned_data["title"].strip()

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("The text is empty."))
        return text


def _lesson_form_initial(lesson: LessonLearned) -> dict:
    language = lesson.original_language
    return {
        "original_language": language,
        "title": getattr(lesson, f"title_{language}"),
        "text": getattr(lesson, f"text_{language}"),
        "crisis": lesson.crisis_id,
        "phase": lesson.phase,
        "themes": list(lesson.themes.values_list("pk", flat=True)),
        "meeting": lesson.meeting_id,
    }


@member_required
@require_http_methods(["GET", "POST"])
def lesson_edit(request, pk=None):
    reader = request.reader
    person = request.person
    if pk is None:
        if not visibility.can_submit_lesson(reader):
            raise PermissionDenied  # lessons come from a country, written by its people in office
        lesson = LessonLearned(
            country_id=person.organisation.country_id,
            organisation=person.organisation,
            author=person,
            original_language=get_language() or "en",
        )
    else:
        lesson = get_object_or_404(visibility.lessons(reader), pk=pk)
        if not visibility.can_edit_lesson(reader, lesson):
            raise PermissionDenied
    meetings = visibility.meetings(reader)
    if lesson.meeting_id:  # a colleague's draft may name a meeting the reader was not invited to: keep it
        meetings = Meeting.objects.filter(Q(pk__in=meetings.values("pk")) | Q(pk=lesson.meeting_id))
    meetings = meetings.order_by("-starts_at")
    if request.method == "POST":
        form = LessonForm(request.POST, meetings=meetings)
        if form.is_valid():
            data = form.cleaned_data
            lesson.original_language = data["original_language"]
            setattr(lesson, f"title_{lesson.original_language}", data["title"])
            setattr(lesson, f"text_{lesson.original_language}", data["text"])
            lesson.crisis, lesson.phase, lesson.meeting = data["crisis"], data["phase"], data["meeting"]
            if "preview" in request.POST:
                return render(
                    request,
                    "portal/lesson_form.html",
                    {"nav": "lessons", "form": form, "lesson": lesson, "preview": data},
                )
            try:
                knowledge.save_lesson(lesson, themes=data["themes"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if "share" in request.POST:
                    knowledge.share_lesson(lesson, reader=reader)
                    messages.success(request, _("Your lesson is shared with the network."))
                else:
                    messages.success(request, _("Your draft is saved; only your country and the secretariat see it."))
                return redirect("portal:lesson", pk=lesson.pk)
        status = 400
    else:
        form = LessonForm(
            initial=_lesson_form_initial(lesson)
            if lesson.pk
            else {"original_language": lesson.original_language, "phase": Phase.RESPONSE},
            meetings=meetings,
        )
        status = 200
    return render(request, "portal/lesson_form.html", {"nav": "lessons", "form": form, "lesson": lesson}, status=status)


# --- Conclusions and actions ------------------------------------------------------------------------------------------


@member_required
@require_GET
def actions(request):
    owner = request.GET.get("owner", "")
    reader = request.reader
    actions = visibility.own_actions(reader) if owner == "mine" else visibility.actions(reader)
    actions = actions.select_related("conclusion__meeting", "owner_country", "owner_organisation__country")
    show = request.GET.get("show", "open")
    if show == "open":
        actions = actions.open()
    actions = actions.order_by("due_date", "pk")
    return render(request, "portal/actions.html", {"nav": "actions", "actions": actions, "owner": owner, "show": show})


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=ActionStatus.choices)
    note = forms.CharField(
        label=gettext_lazy("Progress note"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


@member_required
@require_http_methods(["GET", "POST"])
def action(request, pk):
    reader = request.reader
    action = get_object_or_404(visibility.actions(reader).select_related("conclusion__meeting"), pk=pk)
    can_update = visibility.can_update_action(reader, action)
    form = ActionUpdateForm(request.POST or None, initial={"status": action.status})
    if request.method == "POST":
        if not can_update:
            raise PermissionDenied
        if form.is_valid():
            try:
                knowledge.update_action(
                    action,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                    reader=reader,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The action is updated."))
                return redirect("portal:action", pk=action.pk)
    updates = ActionUpdate.objects.filter(action=action).select_related("by")
    return render(
        request,
        "portal/action.html",
        {"nav": "actions", "action": action, "form": form, "can_update": can_update, "updates": updates},
        status=400 if request.method == "POST" else 200,
    )


@member_required
@require_GET
def meeting_outcomes(request, pk):
    reader = request.reader
    meeting = visibility.meetings(reader).filter(pk=pk).first()
    if meeting is None:
        raise Http404
    minutes = visibility.minutes(reader).filter(meeting=meeting).first()
    conclusions = (
        visibility.conclusions(reader)
        .filter(meeting=meeting)
        .prefetch_related(
            Prefetch("actions", queryset=Action.objects.select_related("owner_country", "owner_organisation__country")),
            Prefetch("positions", queryset=Position.objects.select_related("country")),
        )
    )
    return render(
        request,
        "portal/outcomes.html",
        {
            "nav": "meetings",
            "meeting": meeting,
            "conclusions": conclusions,
            "minutes": minutes,
            # nh3 keeps an allow-list of tags and attributes: the minutes' rich text is safe to show as HTML.
            "minutes_text": minutes.text_html if minutes else "",
            "lessons": visibility.lessons(reader).filter(meeting=meeting).select_related("country"),
        },
    )


@member_required
@require_GET
def meeting_report(request, pk):
    meeting = visibility.meetings(request.reader).filter(pk=pk).first()
    if meeting is None:
        raise Http404
    language = request.GET.get("lang") or get_language() or "en"
    if language not in dict(settings.LANGUAGES):
        language = "en"
    with translation.override(language):
        pdf = reports.meeting_report_pdf(meeting, reader=request.reader)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="report-{meeting.local_start:%Y-%m-%d}-{language}.pdf"'
    return response


@member_required
@require_POST
def lesson_share(request, pk):
    lesson = get_object_or_404(visibility.lessons(request.reader), pk=pk, status=LessonStatus.DRAFT)
    knowledge.share_lesson(lesson, reader=request.reader)
    messages.success(request, _("Your lesson is shared with the network."))
    return redirect("portal:lesson", pk=lesson.pk)


@member_required
@require_GET
def lesson_attachment(request, uid):
    """A lesson's attachment, to whoever may read the lesson."""
    attachment = get_object_or_404(LessonAttachment.objects.select_related("lesson"), uid=uid)
    if not visibility.lessons(request.reader).filter(pk=attachment.lesson_id).exists():
        raise Http404
    return private_file_response(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )
