"""Queueing the "starting soon" mails with the join or stream link, once per person and start."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from festival.storage.db import Database
from festival.storage.invite_repo import queue_for
from festival.storage.tables import EntryRow, FestivalRow, PlaceRow, RegistrationRow


async def queue_reminders(
    database: Database, festival: str, entry_key: str, start: datetime, *, now: datetime
) -> int:
    """Queue reminders for everyone attending `entry_key` if it still starts at `start` and
    has not ended; returns how many were queued (0 for a moved, ended or cancelled item)."""
    async with database.writer() as db, db.begin():
        entry = await db.scalar(
            select(EntryRow)
            .join(FestivalRow, FestivalRow.id == EntryRow.festival_id)
            .where(FestivalRow.slug == festival, EntryRow.key == entry_key)
        )
        if (
            entry is None
            or entry.cancelled
            or entry.starts_at != start
            or (entry.ends_at is not None and now >= entry.ends_at)
        ):
            return 0
        query = select(RegistrationRow).where(RegistrationRow.festival_id == entry.festival_id)
        if entry.kind == "session":
            query = query.join(PlaceRow, PlaceRow.registration_id == RegistrationRow.id).where(
                PlaceRow.entry_id == entry.id, PlaceRow.status == "confirmed"
            )
        queued = 0
        for registration in await db.scalars(query):
            key = f"reminder:{registration.id}:{entry_key}:{start.isoformat()}"
            await queue_for(db, registration, "reminder", key, now, entry=entry_key)
            queued += 1
        return queued
