"""The member portal: dashboard, meetings and answers, directory, profile, calendar feed, secretariat's board.

Every view checks access: anonymous visitors go to the login page; what a signed-in reader sees and may do is
``meetings.visibility``'s rule (a member sees the meetings they were invited to, the secretariat sees all). The
calendar feed is the one page without login: its secret URL is the key.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections import defaultdict
from urllib.parse import quote_plus

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from modeltranslation.utils import build_localized_fieldname

from knowledge import services as knowledge
from knowledge import visibility
from logistics import registration
from meetings import calendar, services, times
from meetings.delivery import when
from meetings.enums import Answer, MeetingStatus
from meetings.forms import AnswerForm
from meetings.models import Invitation, Meeting
from members.enums import OrganisationKind, Participation, Role
from members.identity import person_of
from members.models import Country, Mandate, Notice, Organisation, Person
from network.lib import fold, zones
from network.lib.collation import in_reader_order, reader_ordering
from questionnaires import services as questionnaires
from questionnaires.models import Questionnaire


def member_required(view):
    """Signed in, active, and either secretariat staff or an active person of the registry; sets
    ``request.reader`` (``meetings.visibility.Reader``)."""

    @functools.wraps(view)
    @login_required
    @never_cache
    def wrapper(request, *args, **kwargs):
        if not hasattr(request, "person"):  # set by PersonLanguageMiddleware
            request.person = person_of(request.user)
        request.reader = visibility.Reader.of_user(request.user, person=request.person)
        if request.person is None and not request.reader.staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    @functools.wraps(view)
    @member_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _my_invitations(reader: visibility.Reader) -> dict[int, Invitation]:
    """The reader's invitations that open a meeting to them, by meeting id."""
    return {i.meeting_id: i for i in visibility.invitations(reader).select_related("substitute")}


def _in_every_language(path: str) -> list[str]:
    """A translated field (through relations) and its field in each language, for ``only()`` on a model without
    translated fields of its own: modeltranslation adds them only to its own models' ``only()``, and without them
    the fallback to another language would load each missing one with a query of its own."""
    return [path, *(build_localized_fieldname(path, code) for code, _name in settings.LANGUAGES)]


def _attached(invitation: Invitation | None, meeting) -> Invitation | None:
    """The invitation with its meeting set (the rules read it) without another query."""
    if invitation is not None:
        invitation.meeting = meeting
    return invitation


# --- Dashboard --------------------------------------------------------------------------------------------------


@member_required
@require_GET
def dashboard(request):
    reader = request.reader
    upcoming = list(visibility.meetings(reader).upcoming().order_by("starts_at")[:5])
    mine = _my_invitations(reader)
    context = {
        "nav": "dashboard",
        "upcoming": [(m, _attached(mine.get(m.pk), m)) for m in upcoming],
        "may_answer": reader.in_office,
        "notices": Notice.objects.current()[:5],
        **knowledge.dashboard_context(reader),
    }
    return render(request, "portal/dashboard.html", context)


# --- Meetings ---------------------------------------------------------------------------------------------------


@member_required
@require_GET
def meetings(request):
    visible = visibility.meetings(request.reader)
    mine = _my_invitations(request.reader)
    upcoming = list(visible.upcoming().order_by("starts_at"))
    past = list(visible.past().order_by("-starts_at")[:50])
    return render(
        request,
        "portal/meetings.html",
        {
            "nav": "meetings",
            "upcoming": [(m, _attached(mine.get(m.pk), m)) for m in upcoming],
            "past": [(m, mine.get(m.pk)) for m in past],
        },
    )


def _meeting_for(request, pk) -> Meeting:
    meeting = visibility.meetings(request.reader).filter(pk=pk).select_related("chair", "host", "crisis").first()
    if meeting is None:
        raise Http404
    return meeting


@member_required
@require_GET
def meeting(request, pk):
    reader = request.reader
    meeting = _meeting_for(request, pk)
    invitation = _attached(_my_invitations(reader).get(meeting.pk), meeting)
    my_zone = zoneinfo.ZoneInfo(request.person.time_zone) if request.person else meeting.zone
    with timezone.override(meeting.zone):
        meeting_when = when(meeting)
    local_when = None
    if my_zone.key != meeting.zone.key:
        local_when = times.span(meeting.starts_at, meeting.ends_at, my_zone)
    agenda_items = meeting.agenda_items.select_related("presenter", "presenting_organisation").annotate(
        has_questionnaires=Exists(questionnaires.shown(Questionnaire.objects.filter(agenda_item=OuterRef("pk"))))
    )
    agenda = services.planned_agenda(meeting, agenda_items)
    # The questionnaires attached to the agenda's items, with what the reader may do there: no query for an agenda
    # without any, a fixed number otherwise.
    attached = defaultdict(list)
    if any(entry.item.has_questionnaires for entry in agenda):
        for entry in questionnaires.for_reader(
            questionnaires.shown(Questionnaire.objects.filter(agenda_item__meeting=meeting)),
            user=request.user,
            person=request.person,
        ):
            attached[entry.questionnaire.agenda_item_id].append(entry)
    documents = visibility.documents(reader).filter(meeting=meeting, is_archived=False)
    answers = in_reader_order(
        Invitation.objects.live()
        .filter(meeting=meeting, sent_at__isnull=False)
        .select_related("person__organisation__country", "substitute")
        .only(  # what the table shows: country (else organisation), name, answer
            "answer",
            "mode",
            "substitute__first_name",
            "substitute__last_name",
            "person__first_name",
            "person__last_name",
            *_in_every_language("person__organisation__acronym"),
            *_in_every_language("person__organisation__country__name"),
        ),
        "person__organisation__country__name",
        "person__last_name",
    )
    map_url = ""
    if meeting.has_venue:
        address = ", ".join(p for p in (meeting.venue_name, meeting.venue_address, meeting.venue_city) if p)
        map_url = f"https://www.openstreetmap.org/search?query={quote_plus(address)}"
    return render(
        request,
        "portal/meeting.html",
        {
            "nav": "meetings",
            "meeting": meeting,
            "invitation": invitation,
            "when": meeting_when,
            "local_when": local_when,
            "agenda": [(entry, attached[entry.item.pk]) for entry in agenda],
            "reader_zone": request.person.time_zone if request.person else "",
            "documents": documents,
            "answers": answers,
            "show_connection": reader.staff or invitation is not None,
            "map_url": map_url,
            "can_answer": invitation is not None
            and visibility.can_answer(reader, invitation)
            and invitation.can_change_answer
            and meeting.status != MeetingStatus.DRAFT,
        },
    )


@member_required
@require_http_methods(["GET", "POST"])
def answer(request, pk):
    meeting = _meeting_for(request, pk)
    invitation = _my_invitations(request.reader).get(meeting.pk)
    if invitation is None:
        raise Http404
    if not visibility.can_answer(request.reader, invitation):
        messages.error(
            request, _("You no longer hold a mandate in the network: you may read this meeting, not answer.")
        )
        return redirect("portal:meeting", pk=meeting.pk)
    invitation.meeting = meeting
    if not invitation.can_change_answer:
        messages.error(request, _("Answers to this meeting can no longer change."))
        return redirect("portal:meeting", pk=meeting.pk)
    if request.method == "POST":
        form = AnswerForm(request.POST, invitation=invitation)
        saved = form.save(by=request.user) if form.is_valid() else None
        if saved is not None:
            messages.success(request, _("Your answer is registered; a confirmation is on its way by email."))
            saved.meeting = meeting
            if registration.asks_registration(saved):  # accepted in person: the logistics come next
                return redirect("portal:registration", pk=meeting.pk)
            return redirect("portal:meeting", pk=meeting.pk)
    else:
        choice = request.GET.get("choice")
        form = AnswerForm(invitation=invitation, initial={"choice": choice} if choice else None)
    with timezone.override(meeting.zone):
        meeting_when = when(meeting)
    return render(
        request,
        "portal/answer.html",
        {"nav": "meetings", "meeting": meeting, "invitation": invitation, "form": form, "when": meeting_when},
        status=400 if request.method == "POST" else 200,
    )


@member_required
@require_GET
def meeting_ics(request, pk):
    meeting = _meeting_for(request, pk)
    invitation = _my_invitations(request.reader).get(meeting.pk)
    if invitation is not None:
        invitation.meeting = meeting
        _method, content = calendar.copy_ics(invitation)
    else:
        content = calendar.calendar([calendar.meeting_event(meeting)], method="PUBLISH")
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.local_start:%Y-%m-%d}.ics"'
    return response


@require_GET
def calendar_feed(request, token):
    person = Person.objects.filter(calendar_token=token, is_active=True).first() if token else None
    if person is None:
        raise Http404
    invitations = visibility.invitations(visibility.Reader.of_person(person)).select_related("meeting", "person")
    # A meeting the person declined or sent a substitute to leaves their feed, as their mailed copy is cancelled.
    events = [calendar.meeting_event(i.meeting, invitation=i) for i in invitations if calendar.keeps_copy(i)]
    content = calendar.calendar(events, method="PUBLISH", name=_("DG Network meetings"))
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response


# --- Directory ----------------------------------------------------------------------------------------------------


@member_required
@require_GET
def directory(request):
    if not visibility.may_use_directory(request.reader):
        raise PermissionDenied
    # Control characters (a NUL cannot even reach PostgreSQL) are dropped; a country is two ASCII letters.
    q = knowledge.clean_query(request.GET.get("q") or "")[:100]
    code = "".join(c for c in (request.GET.get("country") or "") if c.isascii() and c.isalpha())[:2].upper()
    people = (
        Mandate.objects.current()
        .filter(role__in=[Role.DIRECTOR_GENERAL, Role.DEPUTY, Role.OBSERVER, Role.SECRETARIAT], person__is_active=True)
        .select_related("person")
        .order_by("role", *reader_ordering(Mandate, ["person__last_name", "person__first_name"]))
    )
    organisations = (
        Organisation.objects.active()
        .filter(Q(country__isnull=True) | Q(country__participation__in=[Participation.MEMBER, Participation.OBSERVER]))
        .select_related("country")
        .prefetch_related(Prefetch("mandates", queryset=people, to_attr="roles"))
    )
    organisations = in_reader_order(organisations, "country__name", "name")
    if code:
        organisations = organisations.filter(country__code=code)
    if q:
        # The search reads what the page shows (names in the reader's language or their English fallback, acronyms,
        # countries, the people listed), ignoring accents and case; the directory is small enough to read whole.
        organisations = [
            organisation
            for organisation in organisations
            if fold.matches(
                q,
                [
                    organisation.name,
                    organisation.acronym,
                    organisation.country and organisation.country.name,
                    *(mandate.person.full_name for mandate in organisation.roles),
                ],
            )
        ]
    groups: dict[str, list] = {"centres": [], "eu": [], "secretariat": []}
    for organisation in organisations:
        key = {OrganisationKind.EU_BODY: "eu", OrganisationKind.SECRETARIAT: "secretariat"}.get(
            organisation.kind, "centres"
        )
        groups[key].append(organisation)
    countries = in_reader_order(Country.objects.exclude(participation=Participation.FORMER), "name")
    response = render(
        request,
        "portal/directory.html",
        {
            "nav": "directory",
            "q": q,
            "code": code,
            "countries": countries,
            "groups": groups,
            "count": sum(len(v) for v in groups.values()),
        },
    )
    return response


# --- Profile --------------------------------------------------------------------------------------------------------


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=gettext_lazy("time zone"), choices=zones.choices)

    class Meta:
        model = Person
        fields = ("title", "phone", "preferred_language", "time_zone", "wants_reminders")


@member_required
@require_http_methods(["GET", "POST"])
def profile(request):
    person = request.person
    if person is None:  # secretariat staff without a registry entry
        return render(request, "portal/profile.html", {"nav": "profile", "person": None})
    form = ProfileForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        response = redirect("portal:profile")
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            person.preferred_language,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            max_age=365 * 24 * 3600,
        )
        return response
    colleagues = (
        Mandate.objects.current()
        .filter(organisation_id=person.organisation_id, role__in=[Role.DEPUTY, Role.ASSISTANT], person__is_active=True)
        .exclude(person=person)
        .select_related("person")
    )
    feed_url = settings.SITE_URL + reverse("portal:calendar_feed", args=[person.ensure_calendar_token()])
    return render(
        request,
        "portal/profile.html",
        {"nav": "profile", "person": person, "form": form, "colleagues": colleagues, "feed_url": feed_url},
        status=400 if request.method == "POST" else 200,
    )


@member_required
@require_POST
def reset_calendar(request):
    if request.person is None:
        raise PermissionDenied
    request.person.ensure_calendar_token(reset=True)
    messages.success(request, _("Your calendar feed has a new address; the old one no longer works."))
    return redirect("portal:profile")


# --- Secretariat's board ------------------------------------------------------------------------------------------


@staff_required
@require_GET
def board(request):
    candidates = Meeting.objects.upcoming().filter(status__in=[MeetingStatus.INVITED, MeetingStatus.DRAFT])
    chosen = request.GET.get("meeting")
    meeting = (candidates.filter(pk=chosen).first() if chosen and chosen.isdigit() else None) or candidates.order_by(
        "starts_at"
    ).first()
    rows: list[dict] = []
    if meeting is not None:
        invitations = (
            Invitation.objects.live()
            .filter(meeting=meeting)
            .select_related("person__organisation__country", "substitute")
        )
        invitations = in_reader_order(invitations, "person__organisation__country__name", "person__last_name")
        by_country: dict = {}
        for invitation in invitations:
            country = invitation.person.organisation.country
            by_country.setdefault(country, []).append(invitation)
        invited = set(by_country)
        for country in Country.objects.filter(participation=Participation.MEMBER):
            if country not in invited:
                by_country.setdefault(country, [])
        in_order = in_reader_order([c for c in by_country if c is not None], "name") + [None] * (None in by_country)
        for country, items in ((c, by_country[c]) for c in in_order):
            rows.append(
                {
                    "country": country,
                    "invitations": items,
                    "pending": any(i.answer == Answer.PENDING for i in items),
                    "missing": not items,
                }
            )
    return render(
        request,
        "portal/board.html",
        {
            "nav": "board",
            "meeting": meeting,
            "rows": rows,
            "candidates": candidates.order_by("starts_at"),
            "summary": services.answer_summary(meeting) if meeting else "",
        },
    )
