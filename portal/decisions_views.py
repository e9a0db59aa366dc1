"""Portal pages for texts negotiated between meetings: the drafts, a draft with its proposals and reservations, the
comparison of two revisions, and a written procedure with its board and the answer form. Access is
``decisions.visibility``'s rule; every change goes through ``decisions.services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from decisions import compare as comparing
from decisions import mail, services, visibility
from decisions.enums import AnswerChannel, DraftStatus, ProcedureStatus
from decisions.forms import ProcedureAnswerForm, ProposalForm, ReservationForm
from decisions.models import Draft, ProcedureCountry, Proposal, Reservation, Revision, WrittenProcedure

from .views import member_required


@member_required
@require_GET
def drafts(request):
    items = (
        visibility.drafts(request.reader)
        .select_related("meeting")
        .annotate(revision_count=Count("revisions"))
        .order_by("-created_at")
    )
    return render(request, "portal/drafts.html", {"nav": "drafts", "drafts": items})


def _draft(request, pk: int) -> Draft:
    return get_object_or_404(visibility.drafts(request.reader).select_related("meeting"), pk=pk)


@member_required
@require_http_methods(["GET", "POST"])
def draft(request, pk):
    reader = request.reader
    item = _draft(request, pk)
    revisions = list(item.revisions.order_by("number"))
    current = revisions[-1] if revisions else None
    numbers = list(current.paragraphs.values_list("number", flat=True)) if current else []
    country = visibility.speaks_for(reader, item) if item.status == DraftStatus.COMMENTS else None
    proposal_form = ProposalForm(request.POST if "propose" in request.POST else None, numbers=numbers, prefix="p")
    reservation_form = ReservationForm(request.POST if "reserve" in request.POST else None, numbers=numbers, prefix="r")
    if request.method == "POST":
        if country is None or current is None:
            raise PermissionDenied
        form = proposal_form if "propose" in request.POST else reservation_form
        if form.is_valid():
            try:
                if form is proposal_form:
                    services.propose(current, person=reader.person, **form.cleaned_data)
                    messages.success(request, _("Your country's proposal is recorded."))
                else:
                    services.reserve(current, person=reader.person, **form.cleaned_data)
                    messages.success(request, _("Your country's reservation is recorded."))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("portal:draft", pk=item.pk)
    proposals = (
        Proposal.objects.filter(revision__draft=item)
        .select_related("country", "author", "revision", "decided_in")
        .order_by("revision__number", "paragraph_number", "country__code", "created_at")
    )
    reservations = (
        Reservation.objects.filter(revision__draft=item)
        .select_related("country", "author", "revision")
        .order_by("revision__number", "country__code", "created_at")
    )
    procedures = list(
        WrittenProcedure.objects.filter(revision__draft=item).select_related("revision").order_by("-opened_at")
    )
    last_failed = next((p for p in procedures if p.status == ProcedureStatus.FAILED), None)
    objections = (
        ProcedureCountry.objects.filter(procedure=last_failed, answer="objection").select_related("country")
        if last_failed and item.status == DraftStatus.COMMENTS
        else []
    )
    context = {
        "nav": "drafts",
        "draft": item,
        "revisions": revisions,
        "current": current,
        "paragraphs": current.paragraphs.select_related("action_owner_country").order_by("number") if current else [],
        "proposals": proposals,
        "reservations": reservations,
        "procedures": procedures,
        "objections": objections,
        "country": country,
        "proposal_form": proposal_form,
        "reservation_form": reservation_form,
    }
    return render(request, "portal/draft.html", context, status=400 if request.method == "POST" else 200)


@member_required
@require_GET
def revision(request, pk, number):
    item = _draft(request, pk)
    shown = get_object_or_404(Revision, draft=item, number=number)
    return render(
        request,
        "portal/revision.html",
        {
            "nav": "drafts",
            "draft": item,
            "revision": shown,
            "paragraphs": shown.paragraphs.select_related("action_owner_country").order_by("number"),
        },
    )


@member_required
@require_GET
def compare(request, pk):
    item = _draft(request, pk)
    revisions = list(item.revisions.order_by("number"))
    if len(revisions) < 2:
        raise Http404
    by_number = {r.number: r for r in revisions}
    try:
        old = by_number[int(request.GET.get("from", revisions[-2].number))]
        new = by_number[int(request.GET.get("to", revisions[-1].number))]
    except (KeyError, ValueError) as error:
        raise Http404 from error
    return render(
        request,
        "portal/compare.html",
        {
            "nav": "drafts",
            "draft": item,
            "revisions": revisions,
            "old": old,
            "new": new,
            "rows": comparing.compare(old, new),
        },
    )


@member_required
@require_http_methods(["GET", "POST"])
def procedure(request, pk):
    reader = request.reader
    item = get_object_or_404(WrittenProcedure.objects.select_related("revision__draft__meeting"), pk=pk)
    if not visibility.drafts(reader).filter(pk=item.revision.draft_id).exists():
        raise Http404
    country = visibility.speaks_for(reader, item.revision.draft) if item.is_open else None
    entry = item.countries.filter(country=country).first() if country else None
    form = ProcedureAnswerForm(request.POST or None)
    if request.method == "POST":
        if entry is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.answer_procedure(
                    item,
                    country,
                    person=reader.person,
                    answer=form.cleaned_data["answer"],
                    text=form.cleaned_data["text"],
                    channel=AnswerChannel.PORTAL,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your country's answer is recorded."))
                return redirect("portal:procedure", pk=item.pk)
    zone = reader.person.time_zone if reader.person else None
    context = {
        "nav": "drafts",
        "procedure": item,
        "draft": item.revision.draft,
        "revision": item.revision,
        "paragraphs": item.revision.paragraphs.select_related("action_owner_country").order_by("number"),
        "deadline": mail.deadline_for(item, zone),
        "board": services.board(item),
        "history": services.history(item),
        "entry": entry,
        "form": form,
    }
    return render(request, "portal/procedure.html", context, status=400 if request.method == "POST" else 200)
