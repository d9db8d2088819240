"""The outbox: queue a message once (dedupe key), claim due ones, record how sending went.

Claiming marks rows `sending` with a lease. On PostgreSQL rows are claimed with
FOR UPDATE SKIP LOCKED, so several instances deliver side by side without taking the same
row; on SQLite one process sends. A row left `sending` by a crashed sender is claimed again
once its lease has run out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from festival.storage.db import Database
from festival.storage.tables import OutboxRow

LEASE = timedelta(minutes=5)  # a send takes seconds; after this the row is anyone's again
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Queued:
    """A message to queue: what `enqueue` needs besides the moment."""

    festival_id: int
    registration_id: int | None
    kind: str
    dedupe_key: str
    recipient: str
    payload: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class Outgoing(Queued):
    """A queued message claimed for sending."""

    id: int
    attempts: int


async def enqueue(db: AsyncSession, messages: Sequence[Queued], *, now: datetime) -> None:
    """Queue messages in the caller's transaction, in this order; a message whose key is
    queued already is left out.

    One executemany for all of them: an insert per message through the ORM session costs
    more than everything else a reconcile of thousands of calendars does.
    """
    if not messages:
        return
    dialect = db.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = cast(Table, OutboxRow.__table__)
    statement = insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
    await db.execute(
        statement,
        [
            {
                "festival_id": m.festival_id,
                "registration_id": m.registration_id,
                "kind": m.kind,
                "dedupe_key": m.dedupe_key,
                "recipient": m.recipient,
                "payload": m.payload,
                "status": "pending",
                "attempts": 0,
                "last_error": "",
                "next_attempt_at": now,
                "claimed_at": None,
                "created_at": now,
                "sent_at": None,
                "subject": "",
            }
            for m in messages
        ],
    )


async def claim(database: Database, *, now: datetime, limit: int = 20) -> list[Outgoing]:
    """Take up to `limit` due messages for sending (their lease starts now)."""
    async with database.writer() as db, db.begin():
        due = (
            select(
                OutboxRow.id, OutboxRow.festival_id, OutboxRow.registration_id, OutboxRow.kind,
                OutboxRow.dedupe_key, OutboxRow.recipient, OutboxRow.payload, OutboxRow.attempts,
            )
            .where(
                or_(
                    (OutboxRow.status == "pending") & (OutboxRow.next_attempt_at <= now),
                    (OutboxRow.status == "sending") & (OutboxRow.claimed_at <= now - LEASE),
                )
            )
            .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )  # fmt: skip
        rows = list(await db.execute(due))
        if rows:
            # One statement for the whole batch: a row-by-row flush costs more than the rest.
            await db.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_([row.id for row in rows]))
                .values(status="sending", claimed_at=now, attempts=OutboxRow.attempts + 1)
            )
        return [
            Outgoing(r.festival_id, r.registration_id, r.kind, r.dedupe_key, r.recipient,
                     r.payload, id=r.id, attempts=r.attempts + 1)
            for r in rows
        ]  # fmt: skip


async def release_claims(database: Database) -> int:
    """Put every row some sender was busy with back in line at once.

    Only for a sender that knows it is the only one (SQLite, see `Sender`): whoever claimed
    those rows is dead, so there is no need to wait for their leases to run out.
    """
    async with database.writer() as db, db.begin():
        result = await db.execute(
            update(OutboxRow)
            .where(OutboxRow.status == "sending")
            .values(status="pending", claimed_at=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)


async def mark_sent(database: Database, sent: list[tuple[int, str]], *, now: datetime) -> None:
    """Record a batch as sent, in one transaction: (message id, subject) each."""
    if not sent:
        return
    # Core executemany: the ORM's bulk update by primary key costs several times more here.
    table = cast(Table, OutboxRow.__table__)
    statement = (
        update(table)
        .where(table.c.id == bindparam("message_id"))
        .values(status="sent", sent_at=now, subject=bindparam("message_subject"), last_error="")
    )
    async with database.writer() as db, db.begin():
        await db.execute(
            statement,
            [{"message_id": i, "message_subject": subject[:300]} for i, subject in sent],
        )


async def mark_failed(
    database: Database, message: Outgoing, error: str, *, permanent: bool, now: datetime
) -> None:
    """Retry later with exponential backoff, or give up (permanent error, too many tries)."""
    give_up = permanent or message.attempts >= MAX_ATTEMPTS
    delay = timedelta(seconds=min(600, 5 * 2 ** (message.attempts - 1)))
    async with database.writer() as db, db.begin():
        await db.execute(
            update(OutboxRow)
            .where(OutboxRow.id == message.id)
            .values(
                status="failed" if give_up else "pending",
                last_error=error[:2000],
                next_attempt_at=now if give_up else now + delay,
                claimed_at=None,
            )
        )


async def mark_skipped(database: Database, message_id: int, reason: str) -> None:
    """Nothing to send any more (e.g. the person erased their data): done, with the reason."""
    async with database.writer() as db, db.begin():
        await db.execute(
            update(OutboxRow)
            .where(OutboxRow.id == message_id)
            .values(status="skipped", last_error=reason[:2000], claimed_at=None)
        )


STATUSES = ("pending", "sending", "sent", "failed", "skipped")


class Failure(NamedTuple):
    id: int
    kind: str
    recipient: str
    error: str
    attempts: int


@dataclass(frozen=True)
class OutboxSummary:
    counts: dict[tuple[str, str], int]  # (kind, status) -> n
    failures: list[Failure]


async def summary(db: AsyncSession, festival_id: int | None = None) -> OutboxSummary:
    query = select(OutboxRow.kind, OutboxRow.status, func.count()).group_by(
        OutboxRow.kind, OutboxRow.status
    )
    failed = select(OutboxRow).where(OutboxRow.status == "failed").order_by(OutboxRow.id)
    if festival_id is not None:
        query = query.where(OutboxRow.festival_id == festival_id)
        failed = failed.where(OutboxRow.festival_id == festival_id)
    counts = {(kind, status): n for kind, status, n in await db.execute(query)}
    failures = [
        Failure(r.id, r.kind, r.recipient, r.last_error, r.attempts)
        for r in await db.scalars(failed)
    ]
    return OutboxSummary(counts, failures)


async def retry_failed(db: AsyncSession, *, now: datetime, festival_id: int | None = None) -> int:
    """Put every failed message (of one festival, if given) back in line, after the cause
    (e.g. the SMTP settings) is fixed."""
    statement = (
        update(OutboxRow)
        .where(OutboxRow.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=now, claimed_at=None)
    )
    if festival_id is not None:
        statement = statement.where(OutboxRow.festival_id == festival_id)
    result = await db.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)
