from .meetings import (
    AgendaItem,
    Attendance,
    Crisis,
    Document,
    Invitation,
    Meeting,
    MeetingChange,
    SeatAllowance,
    Theme,
)
from .reminders import DEFAULT_REMINDERS, ReminderKind, ReminderRule

__all__ = [
    "DEFAULT_REMINDERS",
    "ReminderKind",
    "ReminderRule",
    "AgendaItem",
    "Attendance",
    "Crisis",
    "Document",
    "Invitation",
    "Meeting",
    "MeetingChange",
    "SeatAllowance",
    "Theme",
]
