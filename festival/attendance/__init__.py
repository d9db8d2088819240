"""Who actually comes: personal join links and on-site check-in, and the attendance they
record."""

from festival.attendance.certificate import (
    Attended,
    Eligibility,
    Standing,
    attended_minutes,
    certificate_mail_moment,
    eligibility,
    normal_code,
)
from festival.attendance.checkin import CheckIn, has_door, shown_code, shows_code
from festival.attendance.service import (
    Certificate,
    certificate,
    certificate_mail,
    check_in,
    checkin_code,
    join,
    search,
)
from festival.attendance.store import AttendanceStore, Joined, Verified
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
    "Attended",
    "Certificate",
    "CheckIn",
    "Eligibility",
    "JoinDecision",
    "JoinOutcome",
    "JoinWindow",
    "Joined",
    "Standing",
    "Verified",
    "attended_minutes",
    "certificate",
    "certificate_mail",
    "certificate_mail_moment",
    "check_in",
    "checkin_code",
    "eligibility",
    "has_door",
    "join",
    "join_decision",
    "join_window",
    "normal_code",
    "plenary_window",
    "search",
    "shown_code",
    "shows_code",
]
