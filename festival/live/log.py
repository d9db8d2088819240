"""A live channel's stored events, by festival slug: reading them back, and publishing them on
the bus once committed. What the hub and the services share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from festival.bus import Bus, channel_topic
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


def stored_to_wire(festival: str, event: StoredEvent) -> dict[str, Any]:
    """How a stored event crosses the bus: everything, for the hub to make each view from."""
    return {
        "festival": festival,
        "channel": event.channel,
        "seq": event.seq,
        "type": event.type,
        "actor": event.actor,
        "at": event.at.isoformat(),
        "body": event.body,
    }


def wire_to_stored(message: dict[str, Any]) -> StoredEvent:
    return StoredEvent(
        channel=str(message["channel"]),
        seq=int(message["seq"]),
        type=str(message["type"]),
        actor=str(message["actor"]),
        at=datetime.fromisoformat(message["at"]),
        body=dict(message["body"]),
    )


async def publish(bus: Bus, festival: str, stored: Sequence[StoredEvent]) -> None:
    """Tell every instance about events already committed (never before: whoever hears of an
    event must be able to read it back)."""
    if stored:
        topic = channel_topic(festival, stored[0].channel)
        await bus.publish(topic, {"events": [stored_to_wire(festival, e) for e in stored]})
