"""The Q&A service: run a command on a channel, store its events, publish them after commit.

Each instance keeps the channels it has seen in memory at a known seq and catches up from the
store before deciding anything, inside the channel's lock, so the rules always see every
event, whichever instance stored it. Events go on the bus only after their commit: whoever
hears of an event can read it back from the store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from festival.bus import Bus
from festival.live.channels import QaChannelInfo, qa_channels
from festival.live.log import EventLog, publish
from festival.programme.model import Festival
from festival.qa import PROGRAMME_ACTOR, Outcome, QaChannel, apply, follow_block
from festival.qa.records import event_body, event_from_parts
from festival.storage.db import Database
from festival.storage.live_repo import (
    NewEvent,
    StoredEvent,
    append,
    events_after,
    last_event_by,
    last_seq,
    lock_channel,
)

Command = Callable[[QaChannel, int], Outcome]
"""Takes the channel's current state and the seq its first new event will get (for ids)."""


@dataclass
class _Known:
    seq: int
    state: QaChannel


class QaService:
    def __init__(self, log: EventLog, bus: Bus) -> None:
        self.log = log
        self.db: Database = log.db
        self.bus = bus
        self.festival_id = log.festival_id
        self._known: dict[tuple[int, str], _Known] = {}
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}

    async def state(self, festival: str, channel: str) -> tuple[int, QaChannel]:
        """The channel as stored now, and the seq it is at."""
        festival_id = await self.festival_id(festival)
        async with self.db.session() as db:
            target = await last_seq(db, festival_id, channel)
            known = self._known.get((festival_id, channel)) or _Known(0, QaChannel(channel))
            if target > known.seq:
                known = self._catch_up(
                    known, await events_after(db, festival_id, channel, known.seq)
                )
                self._remember(festival_id, channel, known)
        return known.seq, known.state

    async def run(self, festival: str, channel: str, command: Command) -> list[StoredEvent]:
        """Apply `command` under the channel's lock; returns the stored events (none when the
        command changed nothing). A rule broken raises its QaError and stores nothing."""
        festival_id = await self.festival_id(festival)
        # One command per channel at a time in this process: they would queue on the
        # database lock anyway, and this keeps SQLite's busy timeout out of it.
        async with self._lock(festival_id, channel):
            async with self.db.writer() as db, db.begin():
                seq = await lock_channel(db, festival_id, channel)
                known = self._known.get((festival_id, channel)) or _Known(0, QaChannel(channel))
                if seq > known.seq:
                    known = self._catch_up(
                        known, await events_after(db, festival_id, channel, known.seq)
                    )
                outcome = command(known.state, seq + 1)
                stored = await append(
                    db,
                    festival_id,
                    channel,
                    seq,
                    (NewEvent(e.type.value, e.actor, e.at, event_body(e)) for e in outcome.events),
                )
            if stored:
                self._remember(festival_id, channel, _Known(stored[-1].seq, outcome.state))
        if stored:
            await publish(self.bus, festival, stored)
        return stored

    async def follow_programme(self, festival: Festival, now: datetime) -> None:
        """Open each channel's Q&A once its block has started and close it once it has ended,
        each boundary once: a moderator who opens or closes by hand after a boundary is not
        overruled until the next one, not by a restart and not by another instance."""
        for info in qa_channels(festival).values():
            boundary = _last_boundary(info, now)
            if boundary is None:
                continue
            moment, running = boundary
            festival_id = await self.festival_id(festival.slug)
            async with self.db.session() as db:
                last = await last_event_by(db, festival_id, info.id, PROGRAMME_ACTOR)
            if last is not None and last.at >= moment:
                continue
            await self.run(festival.slug, info.id, _following(running, now))

    def _catch_up(self, known: _Known, events: Sequence[StoredEvent]) -> _Known:
        state, seq = known.state, known.seq
        for stored in events:
            state = apply(
                state,
                event_from_parts(stored.type, stored.channel, stored.actor, stored.at, stored.body),
            )
            seq = stored.seq
        return _Known(seq, state)

    def _remember(self, festival_id: int, channel: str, known: _Known) -> None:
        current = self._known.get((festival_id, channel))
        # Never step back: a slower reader must not replace a newer state.
        if current is None or known.seq > current.seq:
            self._known[(festival_id, channel)] = known

    def _lock(self, festival_id: int, channel: str) -> asyncio.Lock:
        return self._locks.setdefault((festival_id, channel), asyncio.Lock())


def _following(running: bool, now: datetime) -> Command:
    return lambda state, _seq: follow_block(state, running=running, now=now)


def _last_boundary(info: QaChannelInfo, now: datetime) -> tuple[datetime, bool] | None:
    """The newest programme boundary at or before `now`: (moment, whether the block runs)."""
    if now >= info.end:
        return info.end, False
    if now >= info.start:
        return info.start, True
    return None
