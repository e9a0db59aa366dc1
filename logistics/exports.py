"""The secretariat's logistics lists: delegations by country, hotel, caterer, interpretation; CSV, XLSX and PDF.

Only the caterer's list carries dietary needs and only the venue's (delegations) accessibility needs (special-
category data: see ``registration``); the caterer's has counts and needs without names. Every cell goes through
``spreadsheet_cell`` (no formulas, tablib writes CSV and XLSX) and every PDF text through ``pdf_text`` (the shared
``meetings.exports`` table).
"""

from __future__ import annotations

from collections import Counter

import tablib
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.units import mm

from meetings import exports as meeting_exports
from meetings.models import Meeting
from network.lib.neutralise import spreadsheet_cell

from .enums import Diet, Travel
from .models import Registration

LISTS = ("delegations", "hotel", "caterer", "interpretation")
FORMATS = ("csv", "xlsx", "pdf")


def _registrations(meeting: Meeting):
    return (
        Registration.objects.filter(invitation__meeting=meeting, invitation__withdrawn_at=None)
        .select_related("invitation__person__organisation__country")
        .prefetch_related("delegates")
        .order_by("invitation__person__organisation__country__code", "invitation__person__last_name")
    )


def _when(value, meeting: Meeting) -> str:
    return f"{timezone.localtime(value, meeting.zone):%Y-%m-%d %H:%M}" if value else ""


def _travel(value: str) -> str:
    return str(Travel(value).label) if value else ""


def rows(meeting: Meeting, kind: str) -> tuple[str, list[list[str]]]:
    """(title, rows with the header first) of the list ``kind`` (one of ``LISTS``), in the active language."""
    registrations = list(_registrations(meeting))
    if kind == "delegations":
        header = [
            _("Country"),
            _("Name"),
            _("Function"),
            _("Email"),
            _("Arrival"),
            _("Departure"),
            _("Accessibility needs"),
        ]
        out = [header]
        for r in registrations:
            person = r.invitation.person
            country = person.organisation.country.code if person.organisation.country_id else "—"
            out.append(
                [
                    country,
                    person.full_name,
                    person.title,
                    person.email,
                    " ".join(p for p in (_when(r.arrival_at, meeting), _travel(r.arrival_by)) if p),
                    " ".join(p for p in (_when(r.departure_at, meeting), _travel(r.departure_by)) if p),
                    r.accessibility,
                ]
            )
            out += [[country, d.name, d.function, d.email, "", "", ""] for d in r.delegates.all()]
        return _("Delegation list"), out
    if kind == "hotel":
        out = [[_("Country"), _("Name"), _("Arrival"), _("Departure"), _("Nights")]]
        for r in registrations:
            if r.hotel:
                person = r.invitation.person
                out.append(
                    [
                        person.organisation.country.code if person.organisation.country_id else "—",
                        person.full_name,
                        _when(r.arrival_at, meeting),
                        _when(r.departure_at, meeting),
                        str(r.nights or ""),
                    ]
                )
        return _("Hotel list"), out
    if kind == "caterer":
        dinner = sum(1 for r in registrations if r.dinner)
        diets = Counter(d for r in registrations for d in r.diets)
        out = [[_("Need"), _("Count")], [_("Guests at the dinner"), str(dinner)]]
        out += [[str(Diet(d).label), str(n)] for d, n in sorted(diets.items())]
        out += [[_("Other requirement"), r.diet_other] for r in registrations if r.diet_other]
        return _("Caterer list"), out
    if kind == "interpretation":
        counts = Counter(r.interpretation for r in registrations if r.interpretation)
        out = [[_("Language"), _("Participants")]]
        names = dict(settings.LANGUAGES)
        out += [[str(names.get(code, code)), str(n)] for code, n in sorted(counts.items())]
        return _("Interpretation needs"), out
    raise ValueError(kind)


def dataset(meeting: Meeting, kind: str) -> tablib.Dataset:
    title, table = rows(meeting, kind)
    data = tablib.Dataset(headers=[spreadsheet_cell(c) for c in table[0]], title=title[:31])
    for row in table[1:]:
        data.append([spreadsheet_cell(c) for c in row])
    return data


def export(meeting: Meeting, kind: str, fmt: str) -> tuple[bytes, str]:
    """(content, content type) of list ``kind`` in format ``fmt`` (``FORMATS``)."""
    if fmt == "csv":
        return dataset(meeting, kind).export("csv").encode("utf-8"), "text/csv; charset=utf-8"
    if fmt == "xlsx":
        return (
            dataset(meeting, kind).export("xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    title, table = rows(meeting, kind)
    s = meeting_exports.styles()
    width = 180 / len(table[0])
    flowables = [meeting_exports.table(table, [width * mm] * len(table[0]), s)]
    return meeting_exports.build_pdf(meeting, title, flowables), "application/pdf"
