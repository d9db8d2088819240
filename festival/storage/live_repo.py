"""The live channels' event log: append with gap-free sequence numbers, read back after a seq.

Writers call `lock_channel` first, inside a `Database.writer()` transaction: on PostgreSQL it
takes the channel's row with FOR UPDATE; on SQLite the writer's BEGIN IMMEDIATE already holds
the database lock. Either way one writer at a time decides from the channel's state and
appends, so seq numbers are 1, 2, 3 … with no gap and no duplicate across instances.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from festival.storage.tables import LiveChannelRow, LiveEventRow


@dataclass(frozen=True)
class NewEvent:
    type: str
    actor: str
    at: datetime
    body: dict[str, Any]


@dataclass(frozen=True)
class StoredEvent:
    channel: str
    seq: int
    type: str
    actor: str
    at: datetime
    body: dict[str, Any]


async def lock_channel(db: AsyncSession, festival_id: int, channel: str) -> int:
    """Lock the channel for this transaction and return its last seq (0 when new)."""
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    await db.execute(
        insert(LiveChannelRow)
        .values(festival_id=festival_id, channel=channel, last_seq=0)
        .on_conflict_do_nothing(index_elements=["festival_id", "channel"])
    )
    last = await db.scalar(
        select(LiveChannelRow.last_seq)
        .where(LiveChannelRow.festival_id == festival_id, LiveChannelRow.channel == channel)
        .with_for_update()
    )
    return int(last or 0)


async def append(
    db: AsyncSession, festival_id: int, channel: str, after: int, events: Iterable[NewEvent]
) -> list[StoredEvent]:
    """Store `events` after seq `after` (what `lock_channel` returned) and move the counter."""
    stored = [
        StoredEvent(channel, after + n, e.type, e.actor, e.at, e.body)
        for n, e in enumerate(events, start=1)
    ]
    if not stored:
        return stored
    db.add_all(
        LiveEventRow(
            festival_id=festival_id,
            channel=channel,
            seq=s.seq,
            type=s.type,
            actor=s.actor,
            at=s.at,
            body=s.body,
        )
        for s in stored
    )
    row = (
        await db.scalars(
            select(LiveChannelRow).where(
                LiveChannelRow.festival_id == festival_id, LiveChannelRow.channel == channel
            )
        )
    ).one()
    row.last_seq = stored[-1].seq
    return stored


async def last_seq(db: AsyncSession, festival_id: int, channel: str) -> int:
    value = await db.scalar(
        select(LiveChannelRow.last_seq).where(
            LiveChannelRow.festival_id == festival_id, LiveChannelRow.channel == channel
        )
    )
    return int(value or 0)


async def events_after(
    db: AsyncSession, festival_id: int, channel: str, seq: int, *, limit: int | None = None
) -> Sequence[StoredEvent]:
    """The channel's events with a seq above `seq`, oldest first (at most `limit`)."""
    query = (
        select(LiveEventRow)
        .where(
            LiveEventRow.festival_id == festival_id,
            LiveEventRow.channel == channel,
            LiveEventRow.seq > seq,
        )
        .order_by(LiveEventRow.seq)
    )
    if limit is not None:
        query = query.limit(limit)
    return [_stored(row) for row in await db.scalars(query)]


async def festival_events(db: AsyncSession, festival_id: int) -> dict[str, list[StoredEvent]]:
    """Every channel's events of the festival, each channel's oldest first."""
    query = (
        select(LiveEventRow)
        .where(LiveEventRow.festival_id == festival_id)
        .order_by(LiveEventRow.channel, LiveEventRow.seq)
    )
    channels: dict[str, list[StoredEvent]] = {}
    for row in await db.scalars(query):
        channels.setdefault(row.channel, []).append(_stored(row))
    return channels


async def last_event_by(
    db: AsyncSession, festival_id: int, channel: str, actor: str
) -> StoredEvent | None:
    """The newest event of the channel that `actor` caused."""
    newest = await db.scalar(
        select(func.max(LiveEventRow.seq)).where(
            LiveEventRow.festival_id == festival_id,
            LiveEventRow.channel == channel,
            LiveEventRow.actor == actor,
        )
    )
    if newest is None:
        return None
    row = (
        await db.scalars(
            select(LiveEventRow).where(
                LiveEventRow.festival_id == festival_id,
                LiveEventRow.channel == channel,
                LiveEventRow.seq == newest,
            )
        )
    ).one()
    return _stored(row)


def _stored(row: LiveEventRow) -> StoredEvent:
    return StoredEvent(row.channel, row.seq, row.type, row.actor, row.at, row.body)


async def forget_person(
    db: AsyncSession,
    festival_id: int,
    person: str,
    stand_in: str,
    anonymise: Callable[[Mapping[str, Any]], dict[str, Any]],
) -> list[str]:
    """Rewrite the festival's stored Q&A events so that `person` (`r<registration id>`) is
        nowhere in them: their questions keep their text, anonymous and nameless, and their votes
        and poll answers count under `stand_in`; each question record becomes what `anonymise`
    makes of it (`qa.rules.anonymiser` decides). Returns the channels touched.

        The stored log is what every instance replays; an instance that already holds a channel
        in memory learns of the change from the `question.anonymised` events the caller appends."""
    rows = await db.scalars(
        select(LiveEventRow)
        .where(LiveEventRow.festival_id == festival_id)
        .where(
            or_(
                LiveEventRow.actor == person,
                # A JSON string value, quoted: "r5" never matches "r50".
                cast(LiveEventRow.body, Text).like(f'%"{person}"%'),
            )
        )
    )
    channels: set[str] = set()
    for row in rows:
        if not row.type.startswith("question.") and row.type != "poll.answered":
            # The show channel, a Q&A switch or a poll's own event: no person in them.
            continue
        record = row.body.get("question")
        if isinstance(record, dict):
            row.body = {**row.body, "question": anonymise(record)}
        if row.actor == person:
            row.actor = stand_in
        channels.add(row.channel)
    return sorted(channels)
