"""A use of a personal join link: decided by the join window (`attendance.window`), and
recorded as attendance when it leads to the item's link; and the certificate of attendance
that attendance earns (`attendance.certificate`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from festival.attendance.certificate import (
    Eligibility,
    attended_minutes,
    eligibility,
    new_code,
)
from festival.attendance.store import AttendanceStore
from festival.attendance.window import JoinDecision, join_decision
from festival.programme.model import Festival
from festival.registration.model import Registration
from festival.show import Show


async def join(
    store: AttendanceStore,
    festival: Festival,
    registration: Registration,
    entry: str,
    *,
    now: datetime,
    lead_minutes: int,
    show: Show | None,
    record: bool = True,
) -> JoinDecision:
    """Where the link leads now; a use that opens the item counts as attending it. `record`
    False: only look (a HEAD request, which no person makes to join)."""
    decision = join_decision(
        festival, registration, entry, now, lead_minutes=lead_minutes, show=show
    )
    if record and decision.outcome == "open":
        await store.record_join(registration.id, entry, now)
    return decision


@dataclass(frozen=True)
class Certificate:
    """An attendee's certificate as it stands: what it says, and its verification code once
    it can be had (`eligibility.standing == "ready"`), else ""."""

    festival: Festival
    registration: Registration
    eligibility: Eligibility
    code: str


async def certificate(
    store: AttendanceStore,
    festival: Festival,
    registration: Registration,
    *,
    now: datetime,
    checked_in_at: datetime | None,
) -> Certificate:
    """The attendee's certificate: where they stand, and when it can be had, its code (issued
    now if this is the first time; the same one ever after)."""
    attended = attended_minutes(
        festival, registration, await store.joins(registration.id), checked_in_at
    )
    standing = eligibility(festival, attended, now)
    code = ""
    if standing.standing == "ready":
        code = await store.issue_certificate(registration.id, new_code(), standing.total, now)
    return Certificate(festival, registration, standing, code)
