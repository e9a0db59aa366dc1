"""A stretch of time as a reader reads it: in a given zone, in the active language."""

from __future__ import annotations

import datetime

from django.utils.formats import date_format


def span(start: datetime.datetime, end: datetime.datetime, zone: datetime.tzinfo) -> str:
    """``start`` to ``end`` (aware) as read in ``zone``, the dates in the active language's DATE_FORMAT, the times
    on the 24-hour clock, the zone's IANA name after: "March 27, 2027, 15:00–18:00 (America/New_York)". When the
    two fall on different days in ``zone``, both dates are written: "March 27, 2027 15:00 – March 28, 2027 04:00
    (America/New_York)"."""
    start, end = start.astimezone(zone), end.astimezone(zone)
    name = getattr(zone, "key", None) or str(zone)
    day = date_format(start, "DATE_FORMAT")
    if start.date() == end.date():
        return f"{day}, {start:%H:%M}–{end:%H:%M} ({name})"
    return f"{day} {start:%H:%M} – {date_format(end, 'DATE_FORMAT')} {end:%H:%M} ({name})"
