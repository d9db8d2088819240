"""The outbox: queue a message once (dedupe key), claim due ones, record how sending went.

Claiming marks rows `sending` with a short lease, which the sender renews while it works on
them (`renew_claims`, a heartbeat). On PostgreSQL rows are claimed with FOR UPDATE SKIP
LOCKED, so several instances deliver side by side without taking the same row; on SQLite one
process sends. A row left `sending` by a sender that died is claimed again once its lease has
run out: within `LEASE`, not minutes. A row whose senders died `MAX_ATTEMPTS` times while
sending it is not claimed again but failed, so a message that kills its sender cannot come
back for ever.

A lease is known by its `claimed_at`: a sender renews or gives back only rows that still
carry the moment it wrote last, so it never touches a row another sender has taken since.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import NamedTuple, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Table, bindparam, event, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import ConnectionPoolEntry

from festival.invites.store import Queued
from festival.storage.db import Database
from festival.storage.tables import OutboxRow

LEASE = timedelta(seconds=30)  # renewed every few seconds; after this the row is anyone's again
MAX_ATTEMPTS = 8


@dataclass(frozen=True, kw_only=True)
class Outgoing(Queued):
    """A queued message claimed for sending."""

    id: int
    attempts: int


def enqueue(conn: Connection, messages: Sequence[Queued], *, now: datetime) -> None:
    """Queue messages in the caller's transaction, in this order; a message whose key is
    queued already is left out. Once the transaction commits, `when_queued` hooks run.

    One executemany for all of them: an insert per message through the ORM session costs
    more than everything else a reconcile of thousands of calendars does.
    """
    if not messages:
        return
    conn.info[_QUEUED] = True
    conn.execute(
        _ENQUEUE[conn.dialect.name],
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


_QUEUED = "festival.outbox.queued"  # in a connection's info: its transaction queued mail
_HOOKS: WeakKeyDictionary[Database, list[Callable[[], None]]] = WeakKeyDictionary()


def when_queued(database: Database, hook: Callable[[], None]) -> None:
    """Call `hook` each time a transaction that put mail in line (`enqueue`, `retry_failed`)
    has committed: once its connection is back in the pool, so whoever the hook wakes finds
    the rows. The hook runs in the thread that committed, which may be `Database.at_once`'s."""
    hooks = _HOOKS.get(database)
    if hooks is None:
        hooks = _HOOKS[database] = []
        for engine in database.engines:
            event.listen(engine, "rollback", _rolled_back)
            event.listen(engine, "checkin", partial(_checked_in, hooks))
    hooks.append(hook)


def _rolled_back(conn: Connection) -> None:
    if not conn.invalidated:  # else its DBAPI connection, and the mark, are gone already
        conn.info.pop(_QUEUED, None)


def _checked_in(
    hooks: list[Callable[[], None]], _dbapi: object, record: ConnectionPoolEntry | None
) -> None:
    if record is not None and record.info.pop(_QUEUED, False):
        for hook in hooks:
            hook()


_ENQUEUE = {  # made once: building it costs more than a registration's insert on SQLite
    dialect: insert(cast(Table, OutboxRow.__table__)).on_conflict_do_nothing(
        index_elements=["dedupe_key"]
    )
    for dialect, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


async def claim(database: Database, *, now: datetime, limit: int = 20) -> list[Outgoing]:
    """Take up to `limit` due messages for sending (their lease starts now, `claimed_at`)."""
    columns = (
        OutboxRow.id, OutboxRow.festival_id, OutboxRow.registration_id, OutboxRow.kind,
        OutboxRow.dedupe_key, OutboxRow.recipient, OutboxRow.payload, OutboxRow.attempts,
        OutboxRow.status,
    )  # fmt: skip
    # Rows whose lease ran out first (they were in line before), then pending ones: each query
    # reads ix_outbox_due in order and stops at the batch. One query with an OR of the two
    # made PostgreSQL sort every due row on every claim (docs/benchmarks.md).
    lapsed = (
        select(*columns)
        .where(OutboxRow.status == "sending", OutboxRow.claimed_at <= now - LEASE)
        .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    async with database.writer() as db, db.begin():
        rows = list(await db.execute(lapsed))
        if len(rows) < limit:
            pending = (
                select(*columns)
                .where(OutboxRow.status == "pending", OutboxRow.next_attempt_at <= now)
                .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
                .limit(limit - len(rows))
                .with_for_update(skip_locked=True)
            )
            rows += list(await db.execute(pending))
        # Left `sending` by dead senders MAX_ATTEMPTS times: most likely it is what kills them.
        abandoned = [r.id for r in rows if r.status == "sending" and r.attempts >= MAX_ATTEMPTS]
        if abandoned:
            await db.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(abandoned))
                .values(status="failed", claimed_at=None, last_error=_ABANDONED)
            )
            rows = [r for r in rows if r.id not in set(abandoned)]
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


_ABANDONED = f"its sender stopped while sending it, {MAX_ATTEMPTS} times: given up"


async def release_claims(database: Database) -> int:
    """Put every row some sender was busy with back in line at once.

    Only for a sender that knows it is the only one (SQLite, see `Sender`): whoever claimed
    those rows is dead, so there is no need to wait for their leases to run out.
    """
    async with database.writer() as db, db.begin():
        await db.execute(
            update(OutboxRow)
            .where(OutboxRow.status == "sending", OutboxRow.attempts >= MAX_ATTEMPTS)
            .values(status="failed", claimed_at=None, last_error=_ABANDONED)
        )
        result = await db.execute(
            update(OutboxRow)
            .where(OutboxRow.status == "sending")
            .values(status="pending", claimed_at=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)


async def renew_claims(
    database: Database, ids: Sequence[int], *, held_since: datetime, now: datetime
) -> int:
    """The heartbeat: rows of `ids` still leased since `held_since` are leased from `now`.
    Returns how many; a row another sender took meanwhile is left alone."""
    return await _update_held(database, ids, held_since, claimed_at=now)


async def give_back(database: Database, ids: Sequence[int], *, held_since: datetime) -> int:
    """Rows of `ids` this sender leased (since `held_since`) and never handed off, back in
    line at once, for a round that ended early; a row another sender took is left alone."""
    return await _update_held(database, ids, held_since, status="pending", claimed_at=None)


async def _update_held(
    database: Database, ids: Sequence[int], held_since: datetime, **values: object
) -> int:
    """`values` on the rows of `ids` still leased since `held_since`; how many there were."""
    if not ids:
        return 0
    async with database.writer() as db, db.begin():
        result = await db.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids), OutboxRow.status == "sending")
            .where(OutboxRow.claimed_at == held_since)
            .values(**values)
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


class Retrying(NamedTuple):
    """A message that failed and waits for its next try."""

    id: int
    kind: str
    recipient: str
    error: str
    attempts: int
    next_attempt_at: datetime


@dataclass(frozen=True)
class OutboxSummary:
    counts: dict[tuple[str, str], int]  # (kind, status) -> n
    failures: list[Failure]
    retrying: list[Retrying] = field(default_factory=list)  # at most RETRYING_SHOWN


RETRYING_SHOWN = 50


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
    # Failed once or more and waiting to be tried again: the reason shows before it gives up.
    waiting = (
        select(OutboxRow)
        .where(OutboxRow.status == "pending", OutboxRow.last_error != "")
        .order_by(OutboxRow.id)
        .limit(RETRYING_SHOWN)
    )
    if festival_id is not None:
        waiting = waiting.where(OutboxRow.festival_id == festival_id)
    retrying = [
        Retrying(r.id, r.kind, r.recipient, r.last_error, r.attempts, r.next_attempt_at)
        for r in await db.scalars(waiting)
    ]
    return OutboxSummary(counts, failures, retrying)


async def retry_failed(db: AsyncSession, *, now: datetime, festival_id: int | None = None) -> int:
    """Put every failed message (of one festival, if given) back in line, after the cause
    (e.g. the SMTP settings) is fixed."""
    statement = (
        update(OutboxRow)
        .where(OutboxRow.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=now, claimed_at=None, last_error="")
    )
    if festival_id is not None:
        statement = statement.where(OutboxRow.festival_id == festival_id)
    result = await db.execute(statement)
    retried = int(getattr(result, "rowcount", 0) or 0)
    if retried:
        (await db.connection()).info[_QUEUED] = True
    return retried
