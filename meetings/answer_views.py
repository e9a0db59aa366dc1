"""The pages behind the one-click links in emails: no login needed, the signed token is the key.

A GET only shows the meeting and the chosen answer with a button; the answer changes only on POST (with CSRF),
so mail scanners and link previews cannot answer for anyone.
"""

from __future__ import annotations

from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from network.lib.pages import link_language, render_in

from . import links, signals
from .delivery import language_of, when
from .forms import AnswerForm
from .services import modes_for, planned_agenda


def _language(request, invitation) -> str:
    """The page speaks the invitee's language unless the visitor chose one."""
    return link_language(request, language_of(invitation.person) if invitation is not None else None)


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request, token):
    try:
        invitation = links.invitation_from(token)
    except links.LinkError as error:
        # Nothing changes; the page says why, in the invitee's language when the link names an invitation.
        return render_in(
            request,
            "meetings/answer_unusable.html",
            {"reason": error.reason},
            language=_language(request, error.invitation),
            status=410 if error.reason in ("expired", "withdrawn") else 400,
        )
    language = _language(request, invitation)
    with translation.override(language):  # the form's and the agenda's texts are in the page's language
        meeting = invitation.meeting
        context = {
            "invitation": invitation,
            "meeting": meeting,
            "when": when(meeting),
            "agenda": planned_agenda(meeting),
            "modes": modes_for(meeting),
        }
        if invitation.answer_closed_reason == "cancelled":
            template, context, status = "meetings/answer_unusable.html", {**context, "reason": "cancelled"}, 410
        elif request.method == "POST":
            form = AnswerForm(request.POST, invitation=invitation)
            saved = form.save() if form.is_valid() else None
            if saved is not None:
                replies = signals.answer_saved_by_link.send(sender=type(saved), invitation=saved)
                steps = [step for _receiver, step in replies if step is not None]
                template, status = "meetings/answer_done.html", 200
                context = {**context, "invitation": saved, "next_steps": steps}
            else:
                template, context, status = "meetings/answer.html", {**context, "form": form}, 400
        else:
            choice = request.GET.get("choice")
            form = AnswerForm(invitation=invitation, initial={"choice": choice} if choice else None)
            template, context, status = "meetings/answer.html", {**context, "form": form}, 200
    return render_in(request, template, context, language=language, status=status)
