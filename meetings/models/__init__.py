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
from .outbox import (
    DEFAULT_REMINDERS,
    MessageKind,
    MessageStatus,
    OutgoingMessage,
    ReminderKind,
    ReminderRule,
)

__all__ = [
    "DEFAULT_REMINDERS",
    "MessageKind",
    "MessageStatus",
    "OutgoingMessage",
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
