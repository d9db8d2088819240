"""Announcing a run-of-show delay to calendars: the plenary's new times, once per real shift.

The announced times are kept beside the programme (`calendar_shifts`), and `read_festival`
puts them on the plenary, so invites, reminders, feeds and pages all tell the same time.
Announcing raises the plenary entry's version in the same transaction as it queues the
invite updates, so each attendee gets one REQUEST with the next SEQUENCE.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from festival.show import shift_worth_announcing
from festival.storage.db import Database
from festival.storage.invite_repo import PLENARY, registrations_attending, sync_invites
from festival.storage.programme_repo import festival_id_of
from festival.storage.tables import CalendarShiftRow, EntryRow


async def announce_plenary(
    database: Database,
    slug: str,
    *,
    start: datetime,
    end: datetime,
    delay_minutes: int,
    threshold: int,
    now: datetime,
) -> int | None:
    """If the plenary's delay has moved `threshold` minutes or more from the one announced
    last, record its new times and queue the invite updates; returns how many were queued,
    or None when the shift is too small to announce. Decided under the write lock, so two
    callers cannot both announce the same shift."""
    async with database.writer() as db, db.begin():
        festival_id = await festival_id_of(db, slug)
        row = await db.scalar(
            select(CalendarShiftRow).where(
                CalendarShiftRow.festival_id == festival_id, CalendarShiftRow.entry_key == PLENARY
            )
        )
        announced = 0 if row is None else row.delay_minutes
        if not shift_worth_announcing(delay_minutes, announced, threshold):
            return None
        if row is None:
            row = CalendarShiftRow(festival_id=festival_id, entry_key=PLENARY)
            db.add(row)
        row.starts_at, row.ends_at = start, end
        row.delay_minutes, row.announced_at = delay_minutes, now
        entry = (
            await db.scalars(
                select(EntryRow).where(EntryRow.festival_id == festival_id, EntryRow.key == PLENARY)
            )
        ).one()
        entry.version += 1
        await db.flush()
        return await sync_invites(db, await registrations_attending(db, festival_id), now)
