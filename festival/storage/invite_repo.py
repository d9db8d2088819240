"""The invite store (`invites.store.InviteStore`) on the database: SQL only, in the caller's
transaction; what to queue is decided in `invites.service`.

A programme change reconciles every registration of a festival, so reads take many
registrations at once and the invites and their states are written with one executemany each
(row by row, the ORM's inserts and flushes cost most of the time).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from festival.invites.store import Attending, Batch, Item, Recipient, SentState
from festival.storage.mailing_repo import enqueue
from festival.storage.tables import (
    EntryRow,
    FestivalRow,
    InviteStateRow,
    PlaceRow,
    RegistrationRow,
)


class InviteSql:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def recipients(self, registration_ids: Sequence[int]) -> list[Recipient]:
        query = _RECIPIENTS.where(RegistrationRow.id.in_(registration_ids))
        return [Recipient._make(row) for row in await self.db.execute(query)]

    async def registrations(self, festival: str) -> list[int]:
        return list(
            await self.db.scalars(
                select(RegistrationRow.id)
                .join(FestivalRow, FestivalRow.id == RegistrationRow.festival_id)
                .where(FestivalRow.slug == festival)
            )
        )

    async def sessions_attended(
        self, registration_ids: Sequence[int]
    ) -> dict[int, list[Attending]]:
        attending: dict[int, list[Attending]] = defaultdict(list)
        rows = await self.db.execute(
            select(PlaceRow.registration_id, EntryRow.key, EntryRow.version)
            .join(PlaceRow, PlaceRow.entry_id == EntryRow.id)
            .where(PlaceRow.registration_id.in_(registration_ids))
            .where(PlaceRow.status == "confirmed", EntryRow.cancelled.is_(False))
        )
        for registration_id, key, version in rows:
            attending[registration_id].append(Attending(key, version))
        return attending

    async def plenaries(self, festival_ids: set[int]) -> dict[int, int]:
        found = await self.db.execute(
            select(EntryRow.festival_id, EntryRow.version).where(
                EntryRow.festival_id.in_(festival_ids),
                EntryRow.kind == "plenary",
                EntryRow.cancelled.is_(False),
            )
        )
        return {festival_id: version for festival_id, version in found}

    async def sent(self, registration_ids: Sequence[int]) -> list[SentState]:
        rows = await self.db.execute(
            select(
                InviteStateRow.id, InviteStateRow.registration_id, InviteStateRow.entry_key,
                InviteStateRow.sequence, InviteStateRow.method, InviteStateRow.version,
            ).where(InviteStateRow.registration_id.in_(registration_ids))
        )  # fmt: skip
        return [SentState(*row) for row in rows]

    async def item(self, festival: str, entry_key: str) -> Item | None:
        row = (
            await self.db.execute(
                select(
                    EntryRow.id,
                    EntryRow.festival_id,
                    EntryRow.kind,
                    EntryRow.cancelled,
                    EntryRow.starts_at,
                    EntryRow.ends_at,
                )
                .join(FestivalRow, FestivalRow.id == EntryRow.festival_id)
                .where(FestivalRow.slug == festival, EntryRow.key == entry_key)
            )
        ).first()
        return None if row is None else Item(*row)

    async def festival_recipients(self, festival_id: int) -> list[Recipient]:
        query = _RECIPIENTS.where(RegistrationRow.festival_id == festival_id)
        return [Recipient._make(row) for row in await self.db.execute(query)]

    async def session_recipients(self, entry_id: int) -> list[Recipient]:
        query = _RECIPIENTS.join(PlaceRow, PlaceRow.registration_id == RegistrationRow.id).where(
            PlaceRow.entry_id == entry_id, PlaceRow.status == "confirmed"
        )
        return [Recipient._make(row) for row in await self.db.execute(query)]

    async def write(self, batch: Batch, *, now: datetime) -> None:
        if batch.messages or batch.new_states or batch.changed_states:
            await self.db.run_sync(lambda session: write_now(session.connection(), batch, now=now))


def write_now(conn: Connection, batch: Batch, *, now: datetime) -> None:
    """`InviteSql.write`, on a plain connection."""
    if batch.new_states:
        conn.execute(_NEW_STATES, [s._asdict() for s in batch.new_states])
    if batch.changed_states:
        conn.execute(_CHANGE_STATE, [s._asdict() for s in batch.changed_states])
    enqueue(conn, batch.messages, now=now)


_RECIPIENTS = select(
    RegistrationRow.id, RegistrationRow.festival_id, RegistrationRow.name,
    RegistrationRow.email, RegistrationRow.language,
).order_by(RegistrationRow.id)  # fmt: skip

_ITEM = (
    EntryRow.id, EntryRow.festival_id, EntryRow.kind, EntryRow.cancelled, EntryRow.starts_at,
    EntryRow.ends_at,
)  # fmt: skip
_STATES = cast(Table, InviteStateRow.__table__)
_CHANGE_STATE = (
    update(_STATES)
    .where(_STATES.c.id == bindparam("state_id"))
    .values(
        sequence=bindparam("sequence"), method=bindparam("method"), version=bindparam("version")
    )
)
_NEW_STATES = insert(_STATES)
