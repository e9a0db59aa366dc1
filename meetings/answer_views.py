"""The pages behind the one-click links in emails: no login needed, the signed token is the key.

A GET only shows the meeting and the chosen answer with a button; the answer changes only on POST (with CSRF),
so mail scanners and link previews cannot answer for anyone.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import links
from .delivery import language_of, when
from .enums import MeetingStatus
from .forms import AnswerForm
from .services import modes_for, planned_agenda


def _language(request, invitation) -> str:
    """The page speaks the invitee's language unless the visitor chose one."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES):
        return chosen
    if invitation is not None:
        return language_of(invitation.person)
    return translation.get_language()


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request, token):
    try:
        invitation = links.invitation_from(token)
    except links.LinkError as error:
        # Nothing changes; the page says why, in the invitee's language when the link names an invitation.
        with translation.override(_language(request, error.invitation)):
            return render(
                request,
                "meetings/answer_unusable.html",
                {"reason": error.reason},
                status=410 if error.reason in ("expired", "withdrawn") else 400,
            )
    with translation.override(_language(request, invitation)):
        meeting = invitation.meeting
        context = {
            "invitation": invitation,
            "meeting": meeting,
            "when": when(meeting),
            "agenda": planned_agenda(meeting),
            "modes": modes_for(meeting),
        }
        if meeting.status == MeetingStatus.CANCELLED:
            return render(request, "meetings/answer_unusable.html", {**context, "reason": "cancelled"}, status=410)
        if request.method == "POST":
            form = AnswerForm(request.POST, invitation=invitation)
            if form.is_valid():
                saved = form.save()
                if saved is not None:
                    return render(request, "meetings/answer_done.html", {**context, "invitation": saved})
            return render(request, "meetings/answer.html", {**context, "form": form}, status=400)
        choice = request.GET.get("choice")
        form = AnswerForm(invitation=invitation, initial={"choice": choice} if choice else None)
        return render(request, "meetings/answer.html", {**context, "form": form})
