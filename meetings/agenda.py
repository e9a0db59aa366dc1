"""A meeting's agenda as read: in order, numbered, each item with its planned start."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .models import AgendaItem, Meeting


@dataclass(frozen=True)
class AgendaEntry:
    item: AgendaItem
    number: str
    depth: int
    starts_at: datetime.datetime  # aware, in the meeting's time zone


def planned_agenda(meeting: Meeting, items=None) -> list[AgendaEntry]:
    """The agenda in order, numbered (1, 1.1, …), each item with its planned start: the meeting's start plus the
    durations of the items before it (a main item's own minutes come before its sub-items).

    Durations are added in absolute time (UTC) and the result shown in the meeting's zone: across a clock change,
    60 minutes after 01:30 on the night summer time begins in Brussels is 03:30, not 02:30 (aware datetimes in a
    ``ZoneInfo`` add wall-clock time, which would be an hour off)."""
    items = list(items if items is not None else meeting.agenda_items.all())
    mains = sorted((i for i in items if i.parent_id is None), key=lambda i: (i.position, i.pk))
    children: dict[int, list[AgendaItem]] = {}
    for item in items:
        if item.parent_id is not None:
            children.setdefault(item.parent_id, []).append(item)
    clock = meeting.starts_at.astimezone(datetime.UTC)
    zone = meeting.zone
    entries: list[AgendaEntry] = []
    for n, main in enumerate(mains, start=1):
        entries.append(AgendaEntry(main, str(n), 0, clock.astimezone(zone)))
        clock += datetime.timedelta(minutes=main.duration_minutes)
        for m, child in enumerate(sorted(children.get(main.pk, []), key=lambda i: (i.position, i.pk)), start=1):
            entries.append(AgendaEntry(child, f"{n}.{m}", 1, clock.astimezone(zone)))
            clock += datetime.timedelta(minutes=child.duration_minutes)
    return entries
