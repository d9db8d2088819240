"""A sender round whose record fails on a full disk: once there is room again the messages it
handed off are recorded as sent, and none goes out twice, not even after its lease runs out.

Only the record fails here (the claim before it still gets through, as when the disk fills
in the middle of a round): a trigger refuses to mark rows `sent`, with SQLite's message for a
full disk and, on PostgreSQL, its disk-full SQLSTATE 53100."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from festival.clock import FixedClock
from festival.registration.service import register
from festival.storage.db import Database, storage_trouble
from festival.storage.mailing_repo import LEASE
from festival.storage.registration_repo import RegistrationSql
from festival.storage.tables import OutboxRow
from tests.conftest import REFERENCE
from tests.mailing.test_delivery import NOW, SLUG, load, person, sender

SQLITE_FULL_ON_RECORD = """
CREATE TRIGGER disk_full BEFORE UPDATE ON outbox WHEN NEW.status = 'sent'
BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END
"""
POSTGRES_FULL_ON_RECORD = [
    """
    CREATE FUNCTION raise_disk_full() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'could not extend file: No space left on device'
        USING ERRCODE = 'disk_full';
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER disk_full BEFORE UPDATE ON outbox FOR EACH ROW
    WHEN (NEW.status = 'sent') EXECUTE FUNCTION raise_disk_full()
    """,
]


async def fill_disk(db: Database) -> None:
    async with db.engine.begin() as conn:
        for statement in [SQLITE_FULL_ON_RECORD] if db.is_sqlite else POSTGRES_FULL_ON_RECORD:
            await conn.execute(text(statement))


async def free_disk(db: Database) -> None:
    async with db.engine.begin() as conn:
        drop = "DROP TRIGGER disk_full" if db.is_sqlite else "DROP TRIGGER disk_full ON outbox"
        await conn.execute(text(drop))


async def statuses(db: Database) -> list[str]:
    async with db.session() as session:
        return sorted(await session.scalars(select(OutboxRow.status)))


async def test_a_round_that_could_not_record_is_recorded_later_and_sent_once(
    database: Database, smtp
):
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    for n in range(3):
        await register(RegistrationSql(database), SLUG, person(n), now=NOW)
    clock = FixedClock(NOW)
    mail = sender(database, url, clock)

    await fill_disk(database)
    with pytest.raises(DBAPIError, match=r"disk is full|No space left") as failed:
        await mail.deliver_due()
    handed_off = len(inbox.messages)
    left = await statuses(database)
    await free_disk(database)
    await mail.deliver_due()
    clock.set(clock.now() + LEASE + timedelta(minutes=1))  # long past the round's lease
    await mail.deliver_due()

    # PostgreSQL's error is the real one; SQLite's trigger can only raise a constraint
    # error with the full disk's message (tests/web/test_full_disk.py fills SQLite for real).
    assert database.is_sqlite or storage_trouble(failed.value) is not None
    assert handed_off == 6  # per person: welcome and plenary invite
    assert left == ["sending"] * 6
    assert await statuses(database) == ["sent"] * 6
    assert len(inbox.messages) == len(set(inbox.ids())) == 6
