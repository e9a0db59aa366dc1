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

__all__ = [
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
