"""The form the secretariat (or the chair's centre) writes an alert with, in the portal."""

from __future__ import annotations

import datetime
import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from members.enums import Language
from network.lib import zones

from .models import Alert


class AlertForm(forms.Form):
    language = forms.ChoiceField(label=_("Written in"), choices=Language.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    request = forms.CharField(label=_("What is asked"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    handling_note = forms.CharField(label=_("Handling note"), max_length=200, required=False)
    acknowledge_by = forms.DateTimeField(
        label=_("Acknowledge by"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=zones.choices, initial="Europe/Brussels")
    escalation_minutes = forms.IntegerField(label=_("Escalation delay (minutes)"), min_value=1, initial=15)
    is_test = forms.BooleanField(label=_("Test alert"), required=False)

    def draft(self, *, by) -> Alert:
        """An unsaved draft from the cleaned data: the texts go to the chosen language's fields, the time is read
        in the chosen zone."""
        data = self.cleaned_data
        zone = zoneinfo.ZoneInfo(data["time_zone"])
        local: datetime.datetime = data["acknowledge_by"]
        alert = Alert(
            language=data["language"],
            handling_note=" ".join(data["handling_note"].split()),
            acknowledge_by=local.replace(tzinfo=None).replace(tzinfo=zone),
            time_zone=data["time_zone"],
            escalation_minutes=data["escalation_minutes"],
            is_test=data["is_test"],
            created_by=by,
        )
        for field in ("title", "body", "request"):
            setattr(alert, f"{field}_{data['language']}", data[field].strip())
        return alert
