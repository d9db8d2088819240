"""What the organiser's report counts, read in SQL: places per session, places given back,
and the festival's live events. The counting is `festival.report.figures`'s."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from festival.report.source import LoggedEvent, ReportSource
from festival.storage.live_repo import festival_events
from festival.storage.programme_repo import festival_id_of
from festival.storage.registration_repo import given_back_counts, session_counts


async def report_source(db: AsyncSession, festival: str) -> ReportSource:
    """The stored facts of the festival `festival` (a slug) that its report counts."""
    log = await festival_events(db, await festival_id_of(db, festival))
    return ReportSource(
        counts=await session_counts(db, festival),
        given_back=await given_back_counts(db, festival),
        log={
            channel: [LoggedEvent(e.type, e.actor, e.at, e.body) for e in events]
            for channel, events in log.items()
        },
    )
