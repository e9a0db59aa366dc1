"""Forms of the decisions pages: the same rules behind the email links, the portal and the admin (``services``)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .enums import ProcedureAnswerKind, ReservationKind
from .models import PARAGRAPH_LIMIT, REASON_LIMIT


class ProcedureAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your country's answer"), choices=ProcedureAnswerKind.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Reason or comment"),
        required=False,
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required to break silence or to comment."),
    )

    def clean(self):
        data = super().clean()
        answer, text = data.get("answer"), (data.get("text") or "").strip()
        if answer == ProcedureAnswerKind.OBJECTION and not text:
            self.add_error("text", ValidationError(_("Breaking silence needs a reason."), code="no_reason"))
        if answer == ProcedureAnswerKind.COMMENT and not text:
            self.add_error("text", ValidationError(_("Write your comment."), code="no_comment"))
        return data


class ProposalForm(forms.Form):
    paragraph_number = forms.TypedChoiceField(label=_("Paragraph"), coerce=int)
    text = forms.CharField(
        label=_("Proposed wording"), max_length=PARAGRAPH_LIMIT, widget=forms.Textarea(attrs={"rows": 4})
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=REASON_LIMIT, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, numbers: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paragraph_number"].choices = [(n, str(n)) for n in numbers]


class ReservationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Reservation"), choices=ReservationKind.choices)
    paragraph_number = forms.TypedChoiceField(label=_("On"), coerce=int, required=False, empty_value=None)
    reason = forms.CharField(label=_("Reason"), max_length=REASON_LIMIT, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, numbers: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paragraph_number"].choices = [("", _("the whole text"))] + [
            (n, _("paragraph %(number)s") % {"number": n}) for n in numbers
        ]
