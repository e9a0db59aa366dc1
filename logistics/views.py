"""The date poll's signed link (sent in the reminder): no login, the token names the poll and the person. A GET shows
the grid and the form; only the POST (with CSRF) records an answer, so link previews cannot answer for anyone."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from members.services import language_of
from network.lib.pages import link_language, render_in

from . import polls
from .forms import PollAnswerForm


@never_cache
@require_http_methods(["GET", "POST"])
def poll_link(request, token):
    try:
        poll, person = polls.from_token(token)
    except ValidationError:
        language = link_language(request)
        with translation.override(language):
            reason = _("This link is not valid.")
        return render_in(request, "logistics/poll_unusable.html", {"reason": reason}, language=language, status=400)
    language = link_language(request, language_of(person))
    zone = polls.zone_of(person)
    status = 200
    with translation.override(language):
        country = polls.country_answered_by(person, poll)
        slots = list(poll.slots.all())
        form = None
        saved = False
        if country is not None and poll.is_open:
            mine = polls.grid(poll, slots=slots).answers_of(country)
            form = PollAnswerForm(request.POST or None, poll=poll, zone=zone, initial_choices=mine, slots=slots)
            if request.method == "POST":
                saved = form.is_valid() and form.save(country=country, by=person)
                status = 200 if saved else 400
        grid = polls.grid(poll, slots=slots)
        response = render(
            request,
            "logistics/poll_link.html",
            {
                "poll": poll,
                "person": person,
                "country": country,
                "form": None if saved else form,
                "saved": saved,
                "grid": grid,
                "columns": [(polls.slot_label(s, zone), t) for s, t in zip(grid.slots, grid.totals, strict=True)],
                "chosen": polls.slot_label(poll.chosen_slot, zone) if poll.chosen_slot_id else "",
            },
            status=status,
        )
    response.headers["Content-Language"] = language
    return response
