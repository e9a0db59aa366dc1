from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from members.models import Person
from network.lib.collation import reader_ordering

from . import services
from .enums import Answer, AttendanceMode, MeetingFormat
from .models import Invitation


class AnswerForm(forms.Form):
    """Accept (in person or online), decline or send a substitute: the same rules behind the email links and the
    portal (``services.record_answer``)."""

    choice = forms.ChoiceField(label=_("Your answer"), widget=forms.RadioSelect)
    substitute = forms.ModelChoiceField(
        label=_("Substitute"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("A colleague from your organisation; they receive an invitation of their own."),
    )
    remarks = forms.CharField(
        label=_("Remarks"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Dietary needs, accessibility, …"),
    )

    def __init__(self, *args, invitation: Invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        meeting = invitation.meeting
        choices = []
        if meeting.format == MeetingFormat.HYBRID:
            choices += [
                ("accept-in-person", _("I will attend in person")),
                ("accept-online", _("I will attend online")),
            ]
        else:
            choices.append(("accept", _("I will attend")))
        choices.append(("decline", _("I cannot attend")))
        if not invitation.delegated_from_id:
            choices.append(("substitute", _("I will send a substitute")))
        self.fields["choice"].choices = choices
        taken = meeting.invitations.live().exclude(pk__in=invitation.substitutions.values("pk")).values("person_id")
        self.fields["substitute"].queryset = (
            Person.objects.active()
            .filter(organisation_id=invitation.person.organisation_id)
            .exclude(pk=invitation.person_id)
            .exclude(pk__in=taken)
            .order_by(*reader_ordering(Person, ["last_name", "first_name"]))
        )
        if invitation.delegated_from_id:
            del self.fields["substitute"]
        if not self.is_bound:
            self.initial.setdefault("remarks", invitation.remarks)
            if invitation.substitute_id:
                self.initial.setdefault("substitute", invitation.substitute_id)

    def clean(self):
        cleaned = super().clean()
        try:
            services.check_answerable(self.invitation)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error
        return cleaned

    def answer_arguments(self) -> dict:
        choice = self.cleaned_data["choice"]
        arguments = {"remarks": self.cleaned_data.get("remarks", "")}
        if choice.startswith("accept"):
            mode = {"accept-in-person": AttendanceMode.IN_PERSON, "accept-online": AttendanceMode.ONLINE}.get(
                choice, ""
            )
            arguments.update(answer=Answer.ACCEPTED, mode=mode)
        elif choice == "decline":
            arguments.update(answer=Answer.DECLINED)
        else:
            arguments.update(answer=Answer.DELEGATED, substitute=self.cleaned_data.get("substitute"))
        return arguments

    def save(self, *, by=None) -> Invitation:
        """Record the answer; a rule the answer breaks becomes a form error (nothing is changed)."""
        try:
            return services.record_answer(self.invitation, by=by, **self.answer_arguments())
        except ValidationError as error:
            for message in error.messages:
                self.add_error(None, message)
            return None
