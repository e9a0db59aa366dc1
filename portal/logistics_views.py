"""The portal's logistics pages: the date polls (grid and answer), the registration after accepting in person, and
the one-click online check-in. Who may do what is the logistics services' rule (``polls.country_answered_by``,
``registration.asks_registration``, ``checkin.may_check_in_online``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from logistics import checkin, polls, registration
from logistics.forms import PollAnswerForm, RegistrationForm
from logistics.models import Registration
from meetings.signals import NextStep

from .views import _meeting_for, _my_invitations, member_required


def _zone(request, fallback):
    """The reader's zone: their profile's, or ``fallback`` (the poll's) for staff without a registry entry."""
    return polls.zone_of(request.person) if request.person is not None else fallback


@member_required
@require_GET
def poll_list(request):
    visible = polls.polls_for(request.person, staff=request.reader.staff).order_by("-created_at")
    return render(request, "portal/polls.html", {"nav": "polls", "polls": list(visible[:50])})


@member_required
@require_http_methods(["GET", "POST"])
def poll(request, pk):
    poll = polls.polls_for(request.person, staff=request.reader.staff).filter(pk=pk).first()
    if poll is None:
        raise Http404
    country = polls.country_answered_by(request.person, poll)
    zone = _zone(request, poll.zone)
    slots = list(poll.slots.all())
    grid = polls.grid(poll, slots=slots)
    form = None
    status = 200
    if country is not None and poll.is_open:
        form = PollAnswerForm(
            request.POST or None, poll=poll, zone=zone, initial_choices=grid.answers_of(country), slots=slots
        )
        if request.method == "POST":
            if form.is_valid() and form.save(country=country, by=request.person):
                messages.success(
                    request, _("Your country's answer is registered; you may change it until a date is chosen.")
                )
                return redirect("portal:poll", pk=poll.pk)
            status = 400
    elif request.method == "POST":
        messages.error(request, _("You cannot answer this poll."))
        return redirect("portal:poll", pk=poll.pk)
    return render(
        request,
        "portal/poll.html",
        {
            "nav": "polls",
            "poll": poll,
            "grid": grid,
            "columns": [(polls.slot_label(s, zone), t) for s, t in zip(grid.slots, grid.totals, strict=True)],
            "country": country,
            "form": form,
            "chosen": polls.slot_label(poll.chosen_slot, zone) if poll.chosen_slot_id else "",
        },
        status=status,
    )


@member_required
@require_http_methods(["GET", "POST"])
def register(request, pk):
    meeting = _meeting_for(request, pk)
    invitation = _my_invitations(request.reader).get(meeting.pk)
    if invitation is None:
        raise Http404
    invitation.meeting = meeting
    logistics = registration.logistics_of(meeting)
    if not registration.asks_registration(invitation, logistics):
        messages.error(request, _("Registration is for invitees who accepted to come in person."))
        return redirect("portal:meeting", pk=meeting.pk)
    instance = Registration.objects.filter(invitation=invitation).first() or Registration(invitation=invitation)
    may_change = registration.can_change(invitation, logistics)
    status = 200
    with timezone.override(meeting.zone):  # arrival and departure are read in the meeting's zone
        form = RegistrationForm(
            request.POST if request.method == "POST" and may_change else None,
            instance=instance,
            invitation=invitation,
            logistics=logistics,
        )
        if request.method == "POST":
            if not may_change:
                messages.error(request, _("The logistics deadline has passed: write to the secretariat."))
                return redirect("portal:meeting", pk=meeting.pk)
            if form.is_valid() and form.save() is not None:
                messages.success(request, _("Your registration is saved."))
                return redirect("portal:meeting", pk=meeting.pk)
            status = 400
        response = render(
            request,
            "portal/registration.html",
            {
                "nav": "meetings",
                "meeting": meeting,
                "form": form,
                "may_change": may_change,
                "deadline": timezone.localtime(registration.deadline(meeting, logistics), meeting.zone),
            },
            status=status,
        )
    return response


@member_required
@require_POST
def check_in_online(request, pk):
    meeting = _meeting_for(request, pk)
    invitation = _my_invitations(request.reader).get(meeting.pk)
    if invitation is None:
        raise Http404
    invitation.meeting = meeting
    try:
        checkin.check_in_online(invitation)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("You are checked in. Welcome!"))
    return redirect("portal:meeting", pk=meeting.pk)


def registration_step(sender, invitation, **kwargs) -> NextStep | None:
    """Receiver of ``meetings.signals.answer_saved_by_link``: an invitee who accepted in person through their email
    link is asked to register next, as the portal's own answer page does (``views.answer``)."""
    if not registration.asks_registration(invitation):
        return None
    return NextStep(
        text=_("You will attend in person: the secretariat asks how you travel and what you need during your stay."),
        label=_("Register"),
        url=reverse("portal:registration", args=[invitation.meeting_id]),
    )
