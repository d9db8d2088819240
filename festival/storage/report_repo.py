"""What the organiser's report counts, read in SQL: places per session, places given back, who
of the places' holders came (joins and check-ins, counted in the database), and the
festival's live events. The counting is `festival.report.figures`'s."""

from __future__ import annotations

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from festival.programme.model import PLENARY
from festival.report.source import LoggedEvent, Presence, ReportSource
from festival.storage.live_repo import festival_events
from festival.storage.programme_repo import festival_id_of
from festival.storage.registration_repo import given_back_counts, session_counts
from festival.storage.tables import (
    CheckinRow,
    EntryRow,
    FestivalRow,
    JoinRow,
    LiveChannelRow,
    PlaceRow,
    RegistrationRow,
)

# Per holder: a join of the item, a check-in, both (joins: one row per registration and item;
# check-ins: one per registration, its moment empty until the door scans it).
_JOINED = func.count(JoinRow.id)
_CHECKED_IN = func.count(CheckinRow.checked_in_at)
_BOTH = func.count(case((and_(JoinRow.id.is_not(None), CheckinRow.checked_in_at.is_not(None)), 1)))


async def report_source(db: AsyncSession, festival: str) -> ReportSource:
    """The stored places and attendance of the festival `festival` (a slug) that its report
    counts."""
    presence = await _session_presence(db, festival)
    registrations, presence[PLENARY] = await _plenary_presence(db, festival)
    return ReportSource(
        counts=await session_counts(db, festival),
        given_back=await given_back_counts(db, festival),
        presence=presence,
        registrations=registrations,
    )


async def _session_presence(db: AsyncSession, festival: str) -> dict[str, Presence]:
    """Per session, of its confirmed places: holders who joined it, were checked in, both."""
    rows = await db.execute(
        select(EntryRow.key, _JOINED, _CHECKED_IN, _BOTH)
        .select_from(PlaceRow)
        .join(EntryRow, EntryRow.id == PlaceRow.entry_id)
        .join(FestivalRow, FestivalRow.id == EntryRow.festival_id)
        .outerjoin(
            JoinRow,
            and_(
                JoinRow.registration_id == PlaceRow.registration_id,
                JoinRow.entry_key == EntryRow.key,
            ),
        )
        .outerjoin(CheckinRow, CheckinRow.registration_id == PlaceRow.registration_id)
        .where(FestivalRow.slug == festival, PlaceRow.status == "confirmed")
        .group_by(EntryRow.key)
    )
    return {key: Presence(joined, checked_in, both) for key, joined, checked_in, both in rows}


async def _plenary_presence(db: AsyncSession, festival: str) -> tuple[int, Presence]:
    """The festival's registrations, and of them: who joined the plenary, were checked in,
    both."""
    row = await db.execute(
        select(func.count(RegistrationRow.id), _JOINED, _CHECKED_IN, _BOTH)
        .select_from(RegistrationRow)
        .join(FestivalRow, FestivalRow.id == RegistrationRow.festival_id)
        .outerjoin(
            JoinRow,
            and_(JoinRow.registration_id == RegistrationRow.id, JoinRow.entry_key == PLENARY),
        )
        .outerjoin(CheckinRow, CheckinRow.registration_id == RegistrationRow.id)
        .where(FestivalRow.slug == festival)
    )
    registrations, joined, checked_in, both = row.one()
    return registrations, Presence(joined, checked_in, both)


async def log_lengths(db: AsyncSession, festival: str) -> dict[str, int]:
    """How long each of the festival's live channel logs is (channel -> its last seq): one
    small read, to tell whether the log changed since it was last replayed."""
    rows = await db.execute(
        select(LiveChannelRow.channel, LiveChannelRow.last_seq)
        .join(FestivalRow, FestivalRow.id == LiveChannelRow.festival_id)
        .where(FestivalRow.slug == festival)
    )
    return {channel: last for channel, last in rows}


async def live_log(db: AsyncSession, festival: str) -> dict[str, list[LoggedEvent]]:
    """Every live channel's events of the festival, each channel's oldest first."""
    log = await festival_events(db, await festival_id_of(db, festival))
    return {
        channel: [LoggedEvent(e.type, e.actor, e.at, e.body) for e in events]
        for channel, events in log.items()
    }
