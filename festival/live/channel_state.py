"""Channel state kept in memory at a known seq and caught up from the store before use.

Both live services (the Q&A and the show) decide each command on the channel's state as the
store has it: every instance keeps the channels it has seen at a known seq, and before
deciding anything reads the events stored since (by any instance), inside the channel's
database lock. Commands for one channel in this process queue up and are committed in
groups: the first waits for nobody, and whatever queued meanwhile goes in the next
transaction, decided one after the other on the state the one before left. A command whose
rules refuse it (it raises) stores nothing and fails alone, and so does an attendee's
command whose personal link the same transaction finds no longer valid (`festival.live.acting`:
one query for the group); each caller hears its outcome only after the commit. Under a rush
of votes this makes one transaction (and one publish) of many instead of one each, and it
keeps SQLite's busy timeout out of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from itertools import takewhile
from typing import Any, Final, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from festival.live.acting import Acting
from festival.storage.db import Database
from festival.storage.live_repo import (
    NewEvent,
    StoredEvent,
    append,
    events_after,
    last_seq,
    lock_channel,
)
from festival.storage.token_repo import standing_of

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
Committed = Callable[[Sequence[StoredEvent]], Awaitable[None]]
"""Called with the events of a group once they are committed (to publish them)."""
Written = tuple[S, S, list[StoredEvent]]

GROUP_LIMIT: Final = 200
"""Commands committed in one transaction at most."""


@dataclass(frozen=True)
class _Command(Generic[S, B]):
    decide: Callable[[S, int], Decision[S]]
    basis: B
    committed: Committed | None
    acting: Acting | None
    done: asyncio.Future[Written[S]]


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
        self._waiting: dict[tuple[int, str], list[_Command[S, B]]] = {}
        self._writing: dict[tuple[int, str], asyncio.Task[None]] = {}

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
        committed: Committed | None = None,
        acting: Acting | None = None,
    ) -> Written[S]:
        """Decide on the current state (and the seq the first new event gets) under the
        channel's lock, and store the events decided: returns the state before and after,
        and the events stored (none when nothing changed). An error raised by `decide`
        stores nothing. `committed` hears the events once they are committed, with those of
        the other commands in the same group (one channel's, so any of its callers' will do).
        `acting`: the attendee behind the command, checked in the same transaction (refused:
        their error, nothing stored)."""
        key = (festival_id, channel)
        done: asyncio.Future[Written[S]] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(_Command(decide, basis, committed, acting, done))
        if key not in self._writing:
            self._writing[key] = asyncio.create_task(self._write_all(festival_id, channel))
        return await done

    async def settle(self) -> None:
        """Wait for the groups being committed. A group commits in a task of its own, which
        goes on when its callers are cancelled (a scheduler job stopped at shutdown) and
        holds a writer connection: the database must not be closed under it."""
        while self._writing:
            await asyncio.gather(*self._writing.values(), return_exceptions=True)

    async def _write_all(self, festival_id: int, channel: str) -> None:
        """Commit what waits for the channel, group after group, until nothing does."""
        key = (festival_id, channel)
        try:
            while waiting := self._waiting.get(key):
                # One basis per group: the commands up to the first on another one.
                group = list(takewhile(lambda c: c.basis == waiting[0].basis, waiting))
                group = group[:GROUP_LIMIT]
                del waiting[: len(group)]
                await self._write_group(festival_id, channel, group)
        finally:
            del self._writing[key]
            if not self._waiting.get(key):
                self._waiting.pop(key, None)

    async def _write_group(
        self, festival_id: int, channel: str, group: list[_Command[S, B]]
    ) -> None:
        basis = group[0].basis
        outcomes: list[tuple[S, S, int, int] | Exception] = []
        try:
            async with self.db.writer() as db, db.begin():
                seq = await lock_channel(db, festival_id, channel)
                state = (await self._at(db, festival_id, channel, basis, seq)).state
                standing = await standing_of(db, (c.acting.token_id for c in group if c.acting))
                new: list[NewEvent] = []
                for command in group:
                    if command.acting is not None:
                        gone = command.acting.refusal(standing.get(command.acting.token_id))
                        if gone is not None:
                            outcomes.append(gone)
                            continue
                    try:
                        events, after = command.decide(state, seq + len(new) + 1)
                    except Exception as refused:  # this command's rules said no: it alone
                        outcomes.append(refused)
                        continue
                    outcomes.append((state, after, len(new), len(events)))
                    new += events
                    state = after
                stored = await append(db, festival_id, channel, seq, new)
            if stored:
                self._remember(festival_id, channel, Known(stored[-1].seq, state, basis))
                if group[0].committed is not None:
                    await group[0].committed(stored)
        except Exception as failed:  # nothing stored, or not published: every caller hears
            for command in group:
                _settle(command.done, failed)
            return
        for command, outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, Exception):
                _settle(command.done, outcome)
            else:
                before, after, start, count = outcome
                _settle(command.done, (before, after, stored[start : start + count]))

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


def _settle(done: asyncio.Future[Any], outcome: Any) -> None:
    """Hand a caller its outcome, unless it stopped waiting (its connection closed)."""
    if done.done():
        return
    if isinstance(outcome, BaseException):
        done.set_exception(outcome)
    else:
        done.set_result(outcome)
