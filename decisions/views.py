"""The page behind the one-click links of a written procedure: no login needed, the signed token is the key.

A GET shows the text, the chosen answer and a button; only the POST (with CSRF) records the answer, so mail scanners
and link previews cannot answer for a country.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from members.services import language_of
from network.lib.pages import link_language, render_in

from . import links, mail, services
from .enums import AnswerChannel
from .forms import ProcedureAnswerForm

STATUS = {"invalid": 400, "other_procedure": 400, "other_country": 400, "not_holder": 403, "closed": 410}


def _language(request, person) -> str:
    return link_language(request, language_of(person) if person is not None else None)


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request, pk: int, token: str):
    try:
        holder = links.holder_from(pk, token)
    except links.LinkError as error:
        return render_in(
            request,
            "decisions/answer_unusable.html",
            {"reason": error.reason},
            language=_language(request, error.person),
            status=STATUS[error.reason],
        )
    language = _language(request, holder.person)
    with translation.override(language):
        procedure = holder.procedure
        context = {
            "procedure": procedure,
            "draft": procedure.revision.draft,
            "revision": procedure.revision,
            "paragraphs": procedure.revision.paragraphs.select_related("action_owner_country").order_by("number"),
            "entry": holder.entry,
            "person": holder.person,
            "deadline": mail.deadline_for(procedure, holder.person.time_zone),
        }
        status = 200
        if request.method == "POST":
            form = ProcedureAnswerForm(request.POST)
            if form.is_valid():
                try:
                    services.answer_procedure(
                        procedure,
                        holder.entry.country,
                        person=holder.person,
                        answer=form.cleaned_data["answer"],
                        text=form.cleaned_data["text"],
                        channel=AnswerChannel.LINK,
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    holder.entry.refresh_from_db()
                    response = render(request, "decisions/answer_done.html", context)
                    response.headers["Content-Language"] = language
                    return response
            status = 400
        else:
            choice = links.CHOICES.get(request.GET.get("choice", ""))
            form = ProcedureAnswerForm(initial={"answer": choice} if choice else None)
        response = render(request, "decisions/answer.html", {**context, "form": form}, status=status)
    response.headers["Content-Language"] = language
    return response
