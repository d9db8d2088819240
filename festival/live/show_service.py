"""The show service: host actions on the `show` channel, stored with their seq, then published.

Like the Q&A service, it decides on the show as stored (`ChannelStates`), so two hosts, on one
instance or several, are judged one after the other against the show as the later one finds
it. Events are stored with the show after them (see show_views) and go on the bus only after
commit, where the scheduler's leader hears them (reminders and calendars follow the show).

Going live opens the plenary's Q&A; the end of the show, or of its last block, closes it. Both
follow the show as attendees know it (`public_show`), so a rehearsal neither opens nor closes
anything for them; starting a rehearsal over takes the plenary questions asked since it went
live out of the channel (`clear_questions`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from festival.bus import Bus
from festival.errors import FestivalError, NotFound
from festival.live.channel_state import ChannelStates, Decision
from festival.live.log import EventLog, publish
from festival.live.qa_service import QaService
from festival.live.show_views import event_of, stored_body
from festival.programme.model import PLENARY, SHOW, Festival, Plenary
from festival.qa import clear_questions, close_qa, open_qa
from festival.show import Outcome, Show, apply_event, is_over, new_show, public_show
from festival.storage.db import Database
from festival.storage.live_repo import (
    NewEvent,
    StoredEvent,
)

log = logging.getLogger(__name__)

Command = Callable[[Show], Outcome]


def plenary_of(festival: Festival) -> Plenary:
    if festival.plenary is None:
        raise NotFound(f"{festival.slug} has no plenary to run", code="show.no_plenary")
    return festival.plenary


class ShowService:
    def __init__(self, log: EventLog, bus: Bus, qa: QaService) -> None:
        self.log = log
        self.db: Database = log.db
        self.bus = bus
        self.qa = qa
        self._shows: ChannelStates[Show, Plenary] = ChannelStates(
            log.db, _fresh_show, _apply_stored
        )

    async def state(self, festival: Festival) -> tuple[int, Show]:
        """The show as stored now, and the seq it is at."""
        festival_id = await self.log.festival_id(festival.slug)
        known = await self._shows.read(festival_id, SHOW, plenary_of(festival))
        return known.seq, known.state

    async def state_from(self, festival: Festival, seq: int) -> tuple[int, Show]:
        """The show at stored event `seq` or later (see `ChannelStates.read_from`)."""
        festival_id = await self.log.festival_id(festival.slug)
        known = await self._shows.read_from(festival_id, SHOW, plenary_of(festival), seq)
        return known.seq, known.state

    async def run(
        self, festival: Festival, command: Command, *, now: datetime
    ) -> list[StoredEvent]:
        """Apply `command` to the show under the channel's lock and store its events (none for
        a no-op). A ShowError leaves everything as it was."""

        def decide(before: Show, _next_seq: int) -> Decision[Show]:
            outcome = command(before)
            new: list[NewEvent] = []
            show = before
            for event in outcome.events:
                show = apply_event(show, event)
                new.append(NewEvent(event.type, event.by, event.at, stored_body(event, show)))
            return new, outcome.show

        festival_id = await self.log.festival_id(festival.slug)

        # Built on the plenary: a reloaded programme that changes its blocks starts the show
        # over from its first event.
        async def committed(stored: Sequence[StoredEvent]) -> None:
            await publish(self.bus, festival.slug, stored)

        before, after, stored = await self._shows.write(
            festival_id, SHOW, decide, plenary_of(festival), committed
        )
        if stored:
            await self._follow_qa(festival, before, after, stored[-1].actor, now)
        return stored

    async def settle(self) -> None:
        """Wait for the commands being committed (see `ChannelStates.settle`)."""
        await self._shows.settle()

    async def _follow_qa(
        self, festival: Festival, before: Show, after: Show, actor: str, now: datetime
    ) -> None:
        """The plenary's Q&A opens when the show goes live and closes when it is over, as
        attendees see the show; a rehearsal started over leaves none of its questions."""
        rehearsal_from = before.live_at if before.rehearsal and not after.rehearsal else None
        before, after = public_show(before), public_show(after)
        try:
            if rehearsal_from is not None:
                await self.qa.run(
                    festival.slug,
                    PLENARY,
                    lambda s, _seq: clear_questions(
                        s, asked_since=rehearsal_from, actor=actor, now=now
                    ),
                )
            if before.live_at is None and after.live_at is not None:
                await self.qa.run(
                    festival.slug, PLENARY, lambda s, _seq: open_qa(s, actor=actor, now=now)
                )
            if not is_over(before, now) and is_over(after, now):
                await self.qa.run(
                    festival.slug, PLENARY, lambda s, _seq: close_qa(s, actor=actor, now=now)
                )
        except FestivalError as error:
            # The host's action stands; the moderators can still open or close by hand.
            log.warning("the plenary Q&A did not follow the show: %s", error)


def _fresh_show(_channel: str, plenary: Plenary) -> Show:
    return new_show(plenary)


def _apply_stored(show: Show, stored: StoredEvent) -> Show:
    return apply_event(show, event_of(stored.body))
