"""Who actually comes: personal join links and the attendance they record."""

from festival.attendance.service import join
from festival.attendance.store import AttendanceStore, Joined
from festival.attendance.window import (
    JoinDecision,
    JoinOutcome,
    JoinWindow,
    join_decision,
    join_window,
    plenary_window,
)

__all__ = [
    "AttendanceStore",
    "JoinDecision",
    "JoinOutcome",
    "JoinWindow",
    "Joined",
    "join",
    "join_decision",
    "join_window",
    "plenary_window",
]
