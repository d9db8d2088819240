"""The show service: host actions on the `show` channel, stored with their seq, then published.

Like the Q&A service: each instance keeps the show it has seen at a known seq and catches up
from the store inside the channel's lock before deciding, so two hosts, on one instance or
several, are judged one after the other against the show as the later one finds it. Events
are stored with the show after them (see show_views) and go on the bus only after commit.

Going live opens the plenary's Q&A; the end of the show, or of its last block, closes it.
Whoever else must follow the show (the scheduler: reminders and calendars) is told through
`on_change` after each change.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from festival.bus import Bus
from festival.errors import FestivalError, NotFound
from festival.live.channels import PLENARY, SHOW
from festival.live.log import EventLog, publish
from festival.live.qa_service import QaService
from festival.live.show_views import event_of, is_over, stored_body
from festival.programme.model import Festival, Plenary
from festival.qa import close_qa, open_qa
from festival.runofshow import Outcome, Show, apply_event, new_show
from festival.storage.db import Database
from festival.storage.live_repo import (
    NewEvent,
    StoredEvent,
    append,
    events_after,
    last_seq,
    lock_channel,
)

log = logging.getLogger(__name__)

Command = Callable[[Show], Outcome]


@dataclass(frozen=True)
class _Known:
    seq: int
    plenary: Plenary
    show: Show


def plenary_of(festival: Festival) -> Plenary:
    if festival.plenary is None:
        raise NotFound(f"{festival.slug} has no plenary to run", code="show.no_plenary")
    return festival.plenary


def replay_stored(show: Show, events: Sequence[StoredEvent]) -> Show:
    for stored in events:
        show = apply_event(show, event_of(stored.body))
    return show


class ShowService:
    def __init__(self, log: EventLog, bus: Bus, qa: QaService) -> None:
        self.log = log
        self.db: Database = log.db
        self.bus = bus
        self.qa = qa
        self._known: dict[int, _Known] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def state(self, festival: Festival) -> tuple[int, Show]:
        """The show as stored now, and the seq it is at."""
        festival_id = await self.log.festival_id(festival.slug)
        plenary = plenary_of(festival)
        async with self.db.session() as db:
            target = await last_seq(db, festival_id, SHOW)
            known = self._base(festival_id, plenary)
            if target > known.seq:
                events = await events_after(db, festival_id, SHOW, known.seq)
                known = _Known(events[-1].seq, plenary, replay_stored(known.show, events))
                self._remember(festival_id, known)
        return known.seq, known.show

    async def run(
        self, festival: Festival, command: Command, *, now: datetime
    ) -> list[StoredEvent]:
        """Apply `command` to the show under the channel's lock and store its events (none for
        a no-op). A ShowError leaves everything as it was."""
        festival_id = await self.log.festival_id(festival.slug)
        plenary = plenary_of(festival)
        async with self._lock(festival_id):
            async with self.db.writer() as db, db.begin():
                seq = await lock_channel(db, festival_id, SHOW)
                known = self._base(festival_id, plenary)
                if seq > known.seq:
                    missed = await events_after(db, festival_id, SHOW, known.seq)
                    known = _Known(seq, plenary, replay_stored(known.show, missed))
                    self._remember(festival_id, known)
                before = known.show
                outcome = command(before)
                new: list[NewEvent] = []
                show = before
                for event in outcome.events:
                    show = apply_event(show, event)
                    new.append(NewEvent(event.type, event.by, event.at, stored_body(event, show)))
                stored = await append(db, festival_id, SHOW, seq, new)
            if stored:
                self._remember(festival_id, _Known(stored[-1].seq, plenary, outcome.show))
        if stored:
            await publish(self.bus, festival.slug, stored)
            await self._follow_qa(festival, before, outcome, now)
        return stored

    async def _follow_qa(
        self, festival: Festival, before: Show, outcome: Outcome, now: datetime
    ) -> None:
        """The plenary's Q&A opens when the show goes live and closes when it is over."""
        actor = outcome.events[-1].by
        try:
            if before.live_at is None and outcome.show.live_at is not None:
                await self.qa.run(
                    festival.slug, PLENARY, lambda s, _seq: open_qa(s, actor=actor, now=now)
                )
            if not is_over(before, now) and is_over(outcome.show, now):
                await self.qa.run(
                    festival.slug, PLENARY, lambda s, _seq: close_qa(s, actor=actor, now=now)
                )
        except FestivalError as error:
            # The host's action stands; the moderators can still open or close by hand.
            log.warning("the plenary Q&A did not follow the show: %s", error)

    def _base(self, festival_id: int, plenary: Plenary) -> _Known:
        known = self._known.get(festival_id)
        # A reloaded programme changes the blocks: rebuild the show from its first event.
        if known is None or known.plenary != plenary:
            return _Known(0, plenary, new_show(plenary))
        return known

    def _remember(self, festival_id: int, known: _Known) -> None:
        current = self._known.get(festival_id)
        # Never step back: a slower reader must not replace a newer state.
        if current is None or current.plenary != known.plenary or known.seq > current.seq:
            self._known[festival_id] = known

    def _lock(self, festival_id: int) -> asyncio.Lock:
        return self._locks.setdefault(festival_id, asyncio.Lock())
