"""A time zone as an iCalendar VTIMEZONE written with yearly repeat rules (RFC 5545, section 3.6.5), the way Outlook
and Google Calendar write theirs.

icalendar's own ``Timezone.from_tzinfo`` writes one observance per kind of change with the list of its dates (RDATE);
clients that read only repeat rules (Outlook is reported to) then put a meeting after the first change of the year an
hour off. Here the zone's changes in the years concerned are read from the IANA database (``zoneinfo``) and each
series of yearly changes on the same rule ("the last Sunday of March at 02:00") becomes one observance with an
``RRULE:FREQ=YEARLY``; the rule of the last years is left open (no UNTIL) since that is what clients extend to later
years. A zone without changes is one STANDARD observance. Changes that follow no yearly rule (a one-off change of
offset, a zone whose changes move with a lunar calendar) keep their dates as RDATE, which is still valid and exact.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

import icalendar

UTC = datetime.UTC
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_STEP = datetime.timedelta(hours=6)  # no zone changes twice within six hours


@dataclass(frozen=True)
class Change:
    """One change of a zone's offset, abbreviation or daylight-saving flag."""

    at: datetime.datetime  # the instant, aware UTC
    offset_from: datetime.timedelta
    offset_to: datetime.timedelta
    name: str
    daylight: bool

    @property
    def onset(self) -> datetime.datetime:
        """The wall-clock time of the change in the offset before it (naive), as DTSTART writes it."""
        return (self.at + self.offset_from).replace(tzinfo=None)

    @property
    def kind(self) -> tuple:
        return (self.offset_from, self.offset_to, self.name, self.daylight)


def _state(zone: datetime.tzinfo, at: datetime.datetime) -> tuple:
    local = at.astimezone(zone)
    return (local.utcoffset(), local.tzname(), bool(local.dst()))


def changes(zone: datetime.tzinfo, first: datetime.datetime, last: datetime.datetime) -> list[Change]:
    """The zone's changes between the aware instants ``first`` and ``last``, in order, each to the second."""
    found: list[Change] = []
    at, state = first, _state(zone, first)
    while at < last:
        following = min(at + _STEP, last)
        following_state = _state(zone, following)
        if following_state != state:
            low, high = at, following  # the change lies in (low, high]: halve to the second
            while high - low > datetime.timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if middle <= low:
                    break
                if _state(zone, middle) == state:
                    low = middle
                else:
                    high = middle
            found.append(Change(high, state[0], following_state[0], following_state[1] or "", following_state[2]))
            state = following_state
        at = following
    return found


def _weekday_rules(day: datetime.date) -> set[str]:
    """The BYDAY forms that pick ``day`` in its month: its position (``2SU``) and, in the last week, ``-1SU``."""
    code = DAY_CODES[day.weekday()]
    rules = {f"{(day.day - 1) // 7 + 1}{code}"}
    if day.day + 7 > month_calendar.monthrange(day.year, day.month)[1]:
        rules.add(f"-1{code}")
    return rules


def _rule(onsets: list[datetime.datetime]) -> dict | None:
    """The yearly rule that gives exactly these onsets (one a year, in consecutive years), or None. Prefers a weekday
    by position (``BYDAY=-1SU``, what every client reads), then a fixed day of the month, then a weekday within a
    week of days (``BYDAY=FR;BYMONTHDAY=23,...,29``, e.g. "the Friday before the last Sunday")."""
    first = onsets[0]
    if any(
        o.year != first.year + n or (o.month, o.time()) != (first.month, first.time()) for n, o in enumerate(onsets)
    ):
        return None
    common = set.intersection(*(_weekday_rules(o.date()) for o in onsets))
    if common:
        return {"FREQ": "YEARLY", "BYMONTH": first.month, "BYDAY": sorted(common)[0]}  # "-1SU" sorts first
    if all(o.day == first.day for o in onsets):
        return {"FREQ": "YEARLY", "BYMONTH": first.month, "BYMONTHDAY": first.day}
    if all(o.weekday() == first.weekday() for o in onsets):
        low = max(o.day for o in onsets) - 6
        if low >= 1 and min(o.day for o in onsets) >= low:
            return {
                "FREQ": "YEARLY",
                "BYMONTH": first.month,
                "BYDAY": DAY_CODES[first.weekday()],
                "BYMONTHDAY": list(range(low, low + 7)),
            }
    return None


def _runs(series: list[Change]) -> list[tuple[list[Change], dict | None]]:
    """Split one kind of change into runs that follow one yearly rule (longest first from the left); changes that
    fit no rule with a neighbour stand alone (rule None)."""
    runs: list[tuple[list[Change], dict | None]] = []
    start = 0
    while start < len(series):
        end, rule = start + 1, None
        while end < len(series):
            candidate = _rule([c.onset for c in series[start : end + 1]])
            if candidate is None:
                break
            end, rule = end + 1, candidate
        runs.append((series[start:end], rule))
        start = end
    return runs


def _observance(change: Change, *, offset_from: datetime.timedelta | None = None) -> icalendar.Component:
    part = icalendar.TimezoneDaylight() if change.daylight else icalendar.TimezoneStandard()
    part.add("dtstart", change.onset)
    part.add("tzoffsetfrom", change.offset_from if offset_from is None else offset_from)
    part.add("tzoffsetto", change.offset_to)
    if change.name:
        part.add("tzname", change.name)
    return part


@lru_cache(maxsize=256)
def vtimezone(tzid: str, first_year: int, last_year: int) -> icalendar.Timezone:
    """The VTIMEZONE of the IANA zone ``tzid``, exact for every time from 1 January ``first_year`` to 31 December
    ``last_year`` (local), with the rule of the last of those years repeated after them. Raises
    ``zoneinfo.ZoneInfoNotFoundError`` for an unknown zone. Callers must not change the component (it is cached);
    ``Calendar.add_component`` only refers to it."""
    zone = zoneinfo.ZoneInfo(tzid)
    first = datetime.datetime(first_year, 1, 1, tzinfo=UTC) - datetime.timedelta(days=1)
    last = datetime.datetime(last_year + 1, 1, 1, tzinfo=UTC) + datetime.timedelta(days=1)
    found = changes(zone, first, last)
    result = icalendar.Timezone()
    result.add("tzid", tzid)
    if not found:
        offset, name, daylight = _state(zone, first)
        result.add_component(
            _observance(
                Change(datetime.datetime(1970, 1, 1, tzinfo=UTC) - offset, offset, offset, name or "", daylight)
            )
        )
        return result
    kinds: dict[tuple, list[Change]] = {}
    for change in found:
        kinds.setdefault(change.kind, []).append(change)
    parts: list[tuple[datetime.datetime, icalendar.Component]] = []
    for series in kinds.values():
        loose: list[Change] = []
        for run, rule in _runs(series):
            if rule is None:
                loose.extend(run)
                continue
            part = _observance(run[0])
            if run[-1].at.year < last_year:  # the rule ended within the years concerned
                # UTC, as RFC 5545 (3.3.10) asks in a VTIMEZONE; a day after the last change, so that a reader who
                # takes it for local time (dateutil does) still ends the rule between the same two changes.
                rule = {**rule, "UNTIL": run[-1].at + datetime.timedelta(days=1)}
            part.add("rrule", rule)
            parts.append((run[0].at, part))
        if loose:
            part = _observance(loose[0])
            if len(loose) > 1:
                part.add("rdate", [c.onset for c in loose[1:]])
            parts.append((loose[0].at, part))
    for _, part in sorted(parts, key=lambda p: p[0]):
        result.add_component(part)
    return result
