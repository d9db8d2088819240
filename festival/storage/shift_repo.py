"""The plenary's times as last announced to calendars (`calendar_shifts`): SQL only.

`read_festival` puts the announced times on the plenary, so invites, reminders, feeds and
pages all tell the same time. Recording a shift raises the plenary entry's version, so the
invite updates queued in the same transaction carry the next SEQUENCE.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from festival.programme.model import PLENARY
from festival.storage.programme_repo import festival_id_of
from festival.storage.tables import CalendarShiftRow, EntryRow


async def announced_delay(db: AsyncSession, slug: str) -> int:
    """The plenary's delay, in minutes, as calendars were last told (0: never moved)."""
    delay = await db.scalar(
        select(CalendarShiftRow.delay_minutes)
        .where(CalendarShiftRow.festival_id == await festival_id_of(db, slug))
        .where(CalendarShiftRow.entry_key == PLENARY)
    )
    return delay or 0


async def record_shift(
    db: AsyncSession,
    slug: str,
    *,
    start: datetime,
    end: datetime,
    delay_minutes: int,
    now: datetime,
) -> None:
    """The plenary's new times as announced now, and its version raised."""
    festival_id = await festival_id_of(db, slug)
    row = await db.scalar(
        select(CalendarShiftRow).where(
            CalendarShiftRow.festival_id == festival_id, CalendarShiftRow.entry_key == PLENARY
        )
    )
    if row is None:
        row = CalendarShiftRow(festival_id=festival_id, entry_key=PLENARY)
        db.add(row)
    row.starts_at, row.ends_at = start, end
    row.delay_minutes, row.announced_at = delay_minutes, now
    await db.execute(
        update(EntryRow)
        .where(EntryRow.festival_id == festival_id, EntryRow.key == PLENARY)
        .values(version=EntryRow.version + 1)
    )
    await db.flush()
