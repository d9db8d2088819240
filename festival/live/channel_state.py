"""Channel state kept in memory at a known seq and caught up from the store before use.

Both live services (the Q&A and the show) decide each command on the channel's state as the
store has it: every instance keeps the channels it has seen at a known seq, and before
deciding anything reads the events stored since (by any instance), inside the channel's
database lock. One command per channel at a time in this process as well: they would queue on
the database lock anyway, and this keeps SQLite's busy timeout out of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from festival.storage.db import Database
from festival.storage.live_repo import (
    NewEvent,
    StoredEvent,
    append,
    events_after,
    last_seq,
    lock_channel,
)

S = TypeVar("S")
B = TypeVar("B")


@dataclass(frozen=True)
class Known(Generic[S, B]):
    """A channel's state after event `seq`, built on `basis` (see `ChannelStates`)."""

    seq: int
    state: S
    basis: B


Decision = tuple[Sequence[NewEvent], S]
"""What a command decided: the events to store, and the state once they are applied."""


class ChannelStates(Generic[S, B]):
    """The channels' states in this instance, each kept from one `basis` (the programme part
    it is built on: a reloaded programme that changes it starts the state over from its first
    event). `fresh(channel, basis)` is a state before any event; `apply` adds one stored
    event."""

    def __init__(
        self,
        db: Database,
        fresh: Callable[[str, B], S],
        apply: Callable[[S, StoredEvent], S],
    ) -> None:
        self.db = db
        self._fresh = fresh
        self._apply = apply
        self._known: dict[tuple[int, str], Known[S, B]] = {}
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}

    async def read(self, festival_id: int, channel: str, basis: B) -> Known[S, B]:
        """The channel as stored now."""
        async with self.db.session() as db:
            return await self._at(
                db, festival_id, channel, basis, await last_seq(db, festival_id, channel)
            )

    async def read_from(self, festival_id: int, channel: str, basis: B, seq: int) -> Known[S, B]:
        """The channel at event `seq` or later, where `seq` is known to be stored (the hub
        heard of it): from memory when this instance knows that far, else caught up from the
        store, without asking where the channel is at."""
        known = self._base(festival_id, channel, basis)
        if known.seq >= seq:
            return known
        async with self.db.session() as db:
            known = self._caught_up(known, await events_after(db, festival_id, channel, known.seq))
        self._remember(festival_id, channel, known)
        return known

    async def write(
        self,
        festival_id: int,
        channel: str,
        decide: Callable[[S, int], Decision[S]],
        basis: B,
    ) -> tuple[S, S, list[StoredEvent]]:
        """Decide on the current state (and the seq the first new event gets) under the
        channel's lock, and store the events decided: returns the state before and after,
        and the events stored (none when nothing changed). An error raised by `decide`
        stores nothing."""
        key = (festival_id, channel)
        async with self._locks.setdefault(key, asyncio.Lock()):
            async with self.db.writer() as db, db.begin():
                seq = await lock_channel(db, festival_id, channel)
                known = await self._at(db, festival_id, channel, basis, seq)
                new, after = decide(known.state, seq + 1)
                stored = await append(db, festival_id, channel, seq, new)
            if stored:
                self._remember(festival_id, channel, Known(stored[-1].seq, after, basis))
        return known.state, after, stored

    async def _at(
        self, db: AsyncSession, festival_id: int, channel: str, basis: B, seq: int
    ) -> Known[S, B]:
        """The state at the stored `seq`: what this instance knows, plus the events since."""
        known = self._base(festival_id, channel, basis)
        if seq > known.seq:
            known = self._caught_up(known, await events_after(db, festival_id, channel, known.seq))
            self._remember(festival_id, channel, known)
        return known

    def _base(self, festival_id: int, channel: str, basis: B) -> Known[S, B]:
        known = self._known.get((festival_id, channel))
        if known is None or known.basis != basis:
            return Known(0, self._fresh(channel, basis), basis)
        return known

    def _caught_up(self, known: Known[S, B], events: Sequence[StoredEvent]) -> Known[S, B]:
        state = known.state
        for stored in events:
            state = self._apply(state, stored)
        return Known(events[-1].seq if events else known.seq, state, known.basis)

    def _remember(self, festival_id: int, channel: str, known: Known[S, B]) -> None:
        current = self._known.get((festival_id, channel))
        # Never step back: a slower reader must not replace a newer state.
        if current is None or current.basis != known.basis or known.seq > current.seq:
            self._known[(festival_id, channel)] = known
