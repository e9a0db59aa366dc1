"""Calendars every client reads the same (issue 18, section 4): the meeting's zone is written with yearly repeat rules,
as Outlook and Google write theirs, and the file is read the same by parsers other than the one that wrote it."""

from __future__ import annotations

import bisect
import datetime
import io
import re
import zoneinfo

import icalendar
import pytest
import vobject
from dateutil import rrule as dateutil_rrule
from dateutil import tz as dateutil_tz

from meetings import calendar
from network.lib.vtimezone import vtimezone
from tests import factories

UTC = datetime.UTC
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


# --- Reading a VTIMEZONE the way a client that knows only its own rules does ------------------------------------


def _offset(value: str) -> datetime.timedelta:
    sign = -1 if value.startswith("-") else 1
    hours, minutes = int(value[1:3]), int(value[3:5])
    return sign * datetime.timedelta(hours=hours, minutes=minutes)


def observances(ics: str, tzid: str) -> list[dict]:
    """The observances of ``tzid``'s VTIMEZONE in ``ics``, read from the text alone (unfolded lines)."""
    lines = ics.replace("\r\n ", "").split("\r\n")
    start = lines.index(f"TZID:{tzid}")
    found, current = [], None
    for line in lines[start + 1 :]:
        if line == "END:VTIMEZONE":
            break
        if line in ("BEGIN:STANDARD", "BEGIN:DAYLIGHT"):
            current = {"rrule": None, "rdate": []}
        elif line in ("END:STANDARD", "END:DAYLIGHT"):
            found.append(current)
        else:
            name, _, value = line.partition(":")
            name = name.split(";")[0]
            if name == "DTSTART":
                current["dtstart"] = datetime.datetime.strptime(value, "%Y%m%dT%H%M%S")
            elif name in ("TZOFFSETFROM", "TZOFFSETTO"):
                current[name.lower()] = _offset(value)
            elif name == "RRULE":
                current["rrule"] = value
            elif name == "RDATE":
                current["rdate"] += [datetime.datetime.strptime(v, "%Y%m%dT%H%M%S") for v in value.split(",")]
    return found


def onsets_utc(observance: dict, until: datetime.datetime) -> list[datetime.datetime]:
    """Every change an observance makes up to ``until`` (UTC), as UTC instants: DTSTART, its RRULE (expanded by
    dateutil in local wall time, UNTIL read as UTC) and its RDATEs."""
    local = [observance["dtstart"], *observance["rdate"]]
    rule = observance["rrule"]
    if rule:
        parts = dict(p.split("=") for p in rule.split(";"))
        rule_until = parts.pop("UNTIL", None)
        limit = until.replace(tzinfo=None) + observance["tzoffsetfrom"]
        if rule_until:
            assert rule_until.endswith("Z"), "UNTIL in a VTIMEZONE is UTC (RFC 5545, 3.3.10)"
            limit = min(limit, datetime.datetime.strptime(rule_until, "%Y%m%dT%H%M%SZ") + observance["tzoffsetfrom"])
        text = ";".join(f"{k}={v}" for k, v in parts.items())
        local += list(
            dateutil_rrule.rrulestr(text, dtstart=observance["dtstart"]).between(observance["dtstart"], limit, inc=True)
        )
    return sorted({(o - observance["tzoffsetfrom"]).replace(tzinfo=UTC) for o in local})


class RulesReader:
    """A zone read from a file's VTIMEZONE alone, as a client without the IANA database does: at an instant, the
    offset of the observance whose change is the latest before it; before the first change, the offset the first
    change comes from."""

    def __init__(self, ics: str, tzid: str, *, until: datetime.datetime):
        found = observances(ics, tzid)
        assert found, f"no VTIMEZONE for {tzid}"
        changes = sorted(
            (onset, observance["tzoffsetto"], observance["tzoffsetfrom"])
            for observance in found
            for onset in onsets_utc(observance, until)
        )
        self.instants = [c[0] for c in changes]
        self.offsets = [c[1] for c in changes]
        self.before = changes[0][2]

    def offset(self, instant: datetime.datetime) -> datetime.timedelta:
        n = bisect.bisect_right(self.instants, instant)
        return self.offsets[n - 1] if n else self.before

    def to_utc(self, local: datetime.datetime) -> datetime.datetime:
        """A wall-clock time (away from a change) as UTC."""
        guess = local.replace(tzinfo=UTC)
        for _ in range(2):
            guess = (local - self.offset(guess)).replace(tzinfo=UTC)
        return guess


def local_to_utc_by_rules(ics: str, tzid: str, local: datetime.datetime) -> datetime.datetime:
    return RulesReader(ics, tzid, until=local.replace(tzinfo=UTC) + datetime.timedelta(days=2)).to_utc(local)


# --- The zone as the file writes it ------------------------------------------------------------------------------


def test_brussels_is_written_with_two_yearly_rules_and_no_list_of_dates():
    text = vtimezone("Europe/Brussels", 2026, 2028).to_ical().decode()
    rules = re.findall(r"^RRULE:(.*)$", text.replace("\r\n ", "").replace("\r", ""), flags=re.M)
    assert sorted(rules) == ["FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"]
    assert "RDATE" not in text
    assert text.count("BEGIN:DAYLIGHT") == 1 and text.count("BEGIN:STANDARD") == 1
    assert "DTSTART:20260329T020000" in text and "DTSTART:20261025T030000" in text


def test_a_zone_without_summer_time_is_one_standard_observance():
    text = vtimezone("Asia/Tokyo", 2026, 2028).to_ical().decode()
    assert text.count("BEGIN:STANDARD") == 1
    assert "DAYLIGHT" not in text and "RRULE" not in text and "RDATE" not in text
    assert "TZOFFSETFROM:+0900" in text and "TZOFFSETTO:+0900" in text


def test_new_york_rules_are_the_second_sunday_of_march_and_the_first_of_november():
    text = vtimezone("America/New_York", 2026, 2028).to_ical().decode()
    assert "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3" in text
    assert "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11" in text


@pytest.mark.parametrize(
    "tzid",
    [
        "Europe/Brussels",
        "Europe/Lisbon",
        "America/New_York",
        "Australia/Sydney",
        "Pacific/Auckland",  # changes on the previous day in UTC
        "America/Santiago",  # "the first Sunday on or after 2 April", and an exception in 2022
        "Asia/Jerusalem",  # "the Friday before the last Sunday of March"
        "America/Mexico_City",  # summer time abolished in 2022: the rules end
        "Africa/Casablanca",  # changes that follow no yearly rule stay dated
        "Asia/Kolkata",
    ],
)
def test_the_rules_give_the_zone_databases_offset_at_every_instant_of_the_years_concerned(tzid):
    zone = zoneinfo.ZoneInfo(tzid)
    cal = icalendar.Calendar()
    cal.add("prodid", calendar.PRODID)
    cal.add("version", "2.0")
    cal.add_component(vtimezone(tzid, 2017, 2029))
    ics = cal.to_ical().decode()
    their_zone = dateutil_tz.tzical(io.StringIO(ics)).get(tzid)  # a second reader of VTIMEZONE
    # From a year after the first: before a zone's first change, readers differ (RFC 5545 leaves it open), so a
    # calendar's zone starts a year before its first meeting.
    first, end = datetime.datetime(2018, 1, 1, tzinfo=UTC), datetime.datetime(2032, 1, 1, tzinfo=UTC)
    ours = RulesReader(ics, tzid, until=end)
    samples, near_change = [], set()
    day = first
    while day < end:  # every day at noon UTC, and every hour of a day with a change
        following = day + datetime.timedelta(days=1)
        samples.append(day + datetime.timedelta(hours=12))
        if day.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            hours = [day + datetime.timedelta(hours=h) for h in range(-6, 31)]
            samples += hours
            near_change.update(hours)
        day = following
    for instant in samples:
        expected = instant.astimezone(zone).utcoffset()
        if instant.year >= 2030 and tzid == "Africa/Casablanca":
            continue  # its changes follow the lunar calendar: there is no rule to carry on
        assert ours.offset(instant) == expected, instant
        if instant in near_change and tzid == "Africa/Casablanca":
            continue  # dateutil mistakes the hour of a change whose summer time is negative
        assert instant.astimezone(their_zone).utcoffset() == expected, instant


# --- The files the portal and the mails carry -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_summer_meetings_utc_time_follows_from_the_files_rules_alone():
    meeting = factories.meeting(
        starts_at=datetime.datetime(2027, 7, 7, 9, 30, tzinfo=BRUSSELS),
        ends_at=datetime.datetime(2027, 7, 7, 17, 0, tzinfo=BRUSSELS),
    )
    ics = calendar.calendar([calendar.meeting_event(meeting)], method="PUBLISH").decode()
    assert "RDATE" not in ics
    assert "DTSTART;TZID=Europe/Brussels:20270707T093000" in ics
    start = local_to_utc_by_rules(ics, "Europe/Brussels", datetime.datetime(2027, 7, 7, 9, 30))
    assert start == datetime.datetime(2027, 7, 7, 7, 30, tzinfo=UTC)
    # and in winter, an hour more
    winter = local_to_utc_by_rules(ics, "Europe/Brussels", datetime.datetime(2027, 12, 8, 9, 30))
    assert winter == datetime.datetime(2027, 12, 8, 8, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_the_invitation_file_is_strictly_valid_for_a_second_parser():
    meeting = factories.meeting(
        starts_at=datetime.datetime(2027, 7, 7, 9, 30, tzinfo=BRUSSELS),
        ends_at=datetime.datetime(2027, 7, 7, 17, 0, tzinfo=BRUSSELS),
        title_en="Summer meeting; Brussels, \\ etc.",
    )
    invitation = factories.invitation(meeting, factories.director(email="dg@crisis.example"))
    ics = calendar.invitation_ics(invitation, description="Line one\nLine two").decode()
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    assert ics.endswith("\r\n") and "\n" not in ics.replace("\r\n", "")

    parsed = vobject.readOne(ics, validate=True)  # raises on what RFC 5545 forbids
    parsed.serialize(validate=True)
    event = parsed.vevent
    assert event.summary.value == "Summer meeting; Brussels, \\ etc."
    assert event.dtstart.value.astimezone(UTC) == datetime.datetime(2027, 7, 7, 7, 30, tzinfo=UTC)
    assert event.dtend.value.astimezone(UTC) == datetime.datetime(2027, 7, 7, 15, 0, tzinfo=UTC)
    (vtz,) = parsed.contents["vtimezone"]
    assert vtz.tzid.value == "Europe/Brussels"
    assert {(c.name, c.rrule.value) for c in vtz.getChildren() if c.name in ("STANDARD", "DAYLIGHT")} == {
        ("DAYLIGHT", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"),
        ("STANDARD", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"),
    }
    # icalendar reads its own file back through the VTIMEZONE too
    own = icalendar.Calendar.from_ical(ics)
    (tz_component,) = own.walk("VTIMEZONE")
    zone = tz_component.to_tz(lookup_tzid=False)
    assert datetime.datetime(2027, 7, 7, 9, 30, tzinfo=zone).astimezone(UTC).hour == 7


@pytest.mark.django_db
def test_a_feed_with_meetings_in_two_zones_writes_each_zone_once():
    events = [
        calendar.meeting_event(factories.meeting(starts_at=datetime.datetime(2027, 7, 7, 9, 30, tzinfo=BRUSSELS))),
        calendar.meeting_event(
            factories.meeting(
                starts_at=datetime.datetime(2028, 1, 10, 9, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
                time_zone="America/New_York",
            )
        ),
        calendar.meeting_event(factories.meeting(starts_at=datetime.datetime(2027, 9, 1, 9, 30, tzinfo=BRUSSELS))),
    ]
    ics = calendar.calendar(events, method="PUBLISH").decode()
    parsed = icalendar.Calendar.from_ical(ics)
    assert sorted(str(tz["TZID"]) for tz in parsed.walk("VTIMEZONE")) == ["America/New_York", "Europe/Brussels"]
    assert "RDATE" not in ics
    assert ics.index("BEGIN:VTIMEZONE") < ics.index("BEGIN:VEVENT")
    new_york = local_to_utc_by_rules(ics, "America/New_York", datetime.datetime(2028, 7, 10, 9, 0))
    assert new_york == datetime.datetime(2028, 7, 10, 13, 0, tzinfo=UTC)
    vobject.readOne(ics, validate=True)
