"""A use of a personal join link: decided by the join window (`attendance.window`), and
recorded as attendance when it leads to the item's link."""

from __future__ import annotations

from datetime import datetime

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
