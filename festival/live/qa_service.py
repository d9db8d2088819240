"""The Q&A service: run a command on a channel, store its events, publish them after commit.

The rules always decide on the channel as stored, whichever instance stored its events
(`ChannelStates`). Events go on the bus only after their commit: whoever hears of an event
can read it back from the store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from festival.bus import Bus
from festival.live.acting import Acting
from festival.live.channel_state import ChannelStates, Decision
from festival.live.log import EventLog, publish
from festival.programme.model import Festival
from festival.qa import (
    PROGRAMME_ACTOR,
    Outcome,
    QaChannel,
    apply,
    follow_block,
    forget_person,
)
from festival.qa.channels import QaChannelInfo, qa_channels
from festival.qa.records import event_body, event_from_parts
from festival.storage.db import Database
from festival.storage.live_repo import NewEvent, StoredEvent, last_event_by

Command = Callable[[QaChannel, int], Outcome]
"""Takes the channel's current state and the seq its first new event will get (for ids)."""


class QaService:
    def __init__(self, log: EventLog, bus: Bus) -> None:
        self.log = log
        self.db: Database = log.db
        self.bus = bus
        self.festival_id = log.festival_id
        self._channels: ChannelStates[QaChannel, None] = ChannelStates(
            log.db, lambda channel, _basis: QaChannel(channel), _apply_stored
        )

    async def state(self, festival: str, channel: str) -> tuple[int, QaChannel]:
        """The channel as stored now, and the seq it is at."""
        known = await self._channels.read(await self.festival_id(festival), channel, None)
        return known.seq, known.state

    async def state_from(self, festival: str, channel: str, seq: int) -> tuple[int, QaChannel]:
        """The channel at stored event `seq` or later (see `ChannelStates.read_from`)."""
        known = await self._channels.read_from(await self.festival_id(festival), channel, None, seq)
        return known.seq, known.state

    async def run(
        self, festival: str, channel: str, command: Command, acting: Acting | None = None
    ) -> list[StoredEvent]:
        """Apply `command` under the channel's lock; returns the stored events (none when the
        command changed nothing) once they are committed, and published. A rule broken raises
        its QaError and stores nothing; so does an `acting` attendee no longer entitled to
        act (`Acting.refusal`), checked in the same transaction. Commands that arrive together
        (a rush of votes) are committed and published in groups (`ChannelStates.write`)."""

        def decide(state: QaChannel, next_seq: int) -> Decision[QaChannel]:
            outcome = command(state, next_seq)
            new = [NewEvent(e.type.value, e.actor, e.at, event_body(e)) for e in outcome.events]
            return new, outcome.state

        async def committed(stored: Sequence[StoredEvent]) -> None:
            await publish(self.bus, festival, stored)

        festival_id = await self.festival_id(festival)
        _, _, stored = await self._channels.write(
            festival_id, channel, decide, None, committed, acting
        )
        return stored

    async def settle(self) -> None:
        """Wait for the commands being committed (see `ChannelStates.settle`)."""
        await self._channels.settle()

    async def forget(
        self, festival: Festival, channels: list[str], person: str, stand_in: str, now: datetime
    ) -> None:
        """After an erasure: `question.anonymised` for the person's questions and votes in
        each Q&A channel, so every instance's channel state and every viewer lose the name."""
        known = qa_channels(festival)
        for channel in channels:
            if channel in known:
                await self.run(
                    festival.slug,
                    channel,
                    lambda state, _seq: forget_person(state, person, stand_in, now=now),
                )

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


def _apply_stored(state: QaChannel, stored: StoredEvent) -> QaChannel:
    return apply(
        state, event_from_parts(stored.type, stored.channel, stored.actor, stored.at, stored.body)
    )


def _following(running: bool, now: datetime) -> Command:
    return lambda state, _seq: follow_block(state, running=running, now=now)


def _last_boundary(info: QaChannelInfo, now: datetime) -> tuple[datetime, bool] | None:
    """The newest programme boundary at or before `now`: (moment, whether the block runs)."""
    if now >= info.end:
        return info.end, False
    if now >= info.start:
        return info.start, True
    return None
