"""Reading a live channel's stored events, by festival slug: what the hub and services share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from festival.storage.db import Database
from festival.storage.live_repo import StoredEvent, events_after, last_seq
from festival.storage.programme_repo import festival_id_of

# A client further behind than this gets a fresh snapshot instead of every event it missed.
MAX_REPLAY: Final = 2000


class EventLog:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._ids: dict[str, int] = {}

    async def festival_id(self, slug: str) -> int:
        found = self._ids.get(slug)
        if found is None:
            async with self.db.session() as db:
                found = self._ids[slug] = await festival_id_of(db, slug)
        return found

    async def last(self, festival: str, channel: str) -> int:
        festival_id = await self.festival_id(festival)
        async with self.db.session() as db:
            return await last_seq(db, festival_id, channel)

    async def after(self, festival: str, channel: str, seq: int) -> Sequence[StoredEvent]:
        festival_id = await self.festival_id(festival)
        async with self.db.session() as db:
            return await events_after(db, festival_id, channel, seq)

    async def since(
        self, festival: str, channel: str, since: int
    ) -> tuple[int, Sequence[StoredEvent]] | None:
        """(last seq, the events after `since`), or None when a snapshot serves better:
        `since` is ahead of the store (it was reset) or further back than MAX_REPLAY."""
        festival_id = await self.festival_id(festival)
        async with self.db.session() as db:
            last = await last_seq(db, festival_id, channel)
            if since > last or last - since > MAX_REPLAY:
                return None
            return last, await events_after(db, festival_id, channel, since)
