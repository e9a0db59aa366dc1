from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from meetings.models import Invitation

from . import polls, registration
from .enums import Diet, LogisticsField, PollChoice, Travel
from .models import DatePoll, MeetingLogistics, Registration


class PollAnswerForm(forms.Form):
    """One radio choice per slot; saved through ``polls.answer``."""

    def __init__(
        self, *args, poll: DatePoll, zone, initial_choices: dict[int, str] | None = None, slots=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.poll = poll
        for slot in poll.slots.all() if slots is None else slots:
            self.fields[f"slot_{slot.pk}"] = forms.ChoiceField(
                label=polls.slot_label(slot, zone),
                choices=PollChoice.choices,
                widget=forms.RadioSelect,
                initial=(initial_choices or {}).get(slot.pk),
            )

    def choices(self) -> dict[int, str]:
        return {int(name.removeprefix("slot_")): value for name, value in self.cleaned_data.items()}

    def save(self, *, country, by) -> bool:
        try:
            polls.answer(self.poll, country=country, choices=self.choices(), by=by)
        except ValidationError as error:
            self.add_error(None, error.messages)
            return False
        return True


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class RegistrationForm(forms.ModelForm):
    """The questions the meeting asks, and up to ``delegate_places`` other members of the delegation. Times are
    read in the meeting's time zone (the view activates it)."""

    FIELDS_BY_QUESTION = {
        LogisticsField.ARRIVAL: ("arrival_at", "arrival_by"),
        LogisticsField.DEPARTURE: ("departure_at", "departure_by"),
        LogisticsField.HOTEL: ("hotel", "nights"),
        LogisticsField.DINNER: ("dinner",),
        LogisticsField.DIETARY: ("diets", "diet_other"),
        LogisticsField.ACCESSIBILITY: ("accessibility",),
        LogisticsField.INTERPRETATION: ("interpretation",),
    }

    class Meta:
        model = Registration
        fields = (
            "arrival_at",
            "arrival_by",
            "departure_at",
            "departure_by",
            "hotel",
            "nights",
            "dinner",
            "diets",
            "diet_other",
            "accessibility",
            "interpretation",
        )
        widgets = {"arrival_at": DateTimeInput(), "departure_at": DateTimeInput()}

    diets = forms.MultipleChoiceField(
        label=_("Dietary requirements"), choices=Diet.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    arrival_by = forms.ChoiceField(label=_("arriving by"), choices=[("", "—"), *Travel.choices], required=False)
    departure_by = forms.ChoiceField(label=_("leaving by"), choices=[("", "—"), *Travel.choices], required=False)
    interpretation = forms.ChoiceField(
        label=_("interpretation language"), choices=[("", _("none")), *settings.LANGUAGES], required=False
    )

    def __init__(self, *args, invitation: Invitation, logistics: MeetingLogistics, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.logistics = logistics
        self.fields["arrival_at"].input_formats = ["%Y-%m-%dT%H:%M"]
        self.fields["departure_at"].input_formats = ["%Y-%m-%dT%H:%M"]
        self.fields["nights"].widget.attrs["data-depends-on"] = "id_hotel"
        self.fields["nights"].help_text = _("Only if you need a hotel.")
        asked = {name for q, names in self.FIELDS_BY_QUESTION.items() if logistics.asks(q) for name in names}
        for name in list(self.fields):
            if name not in asked:
                del self.fields[name]
        self.places = registration.delegate_places(invitation) if logistics.asks(LogisticsField.DELEGATION) else 0
        existing = list(self.instance.delegates.all()) if self.instance.pk else []
        for i in range(self.places):
            known = existing[i] if i < len(existing) else None
            self.fields[f"delegate_{i}_name"] = forms.CharField(
                label=_("Name"), max_length=200, required=False, initial=known.name if known else ""
            )
            self.fields[f"delegate_{i}_function"] = forms.CharField(
                label=_("Function"), max_length=200, required=False, initial=known.function if known else ""
            )
            self.fields[f"delegate_{i}_email"] = forms.EmailField(
                label=_("Email"), required=False, initial=known.email if known else ""
            )

    def delegate_rows(self):
        return [[self[f"delegate_{i}_{part}"] for part in ("name", "function", "email")] for i in range(self.places)]

    def _post_clean(self):
        pass  # the service changes the row

    def save(self, commit=True):
        answers = {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data}
        delegates = [
            {part: self.cleaned_data.get(f"delegate_{i}_{part}", "") for part in ("name", "function", "email")}
            for i in range(self.places)
        ]
        try:
            return registration.save_registration(self.invitation, answers=answers, delegates=delegates)
        except ValidationError as error:
            self.add_error(None, error.messages)
            return None


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Badge code"),
        max_length=400,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "autocapitalize": "characters"}),
        help_text=_("The eight characters under the QR code, or the QR code read by the camera."),
    )
