"""A real `festival serve` killed (SIGKILL) in the middle of delivering a batch, then started
again: every message arrives, and only the few that were in flight can arrive twice.

Delivery is at least once. A message the SMTP server accepted just before the kill, whose
row was not yet recorded as sent, is sent again after the restart; the sender records what it
sent every few messages, so at most `Sender.REPEATS_AT_MOST` messages can repeat.
Each repeat carries the same Message-ID (derived from the outbox dedupe key), so a receiver
can drop it. On SQLite the restarted sender takes over at once (the dead one's file lock is
gone), so the test does not wait for leases to run out.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from festival.mailing.sender import Sender
from festival.registration.service import register
from festival.storage.db import Database
from festival.storage.registration_repo import RegistrationSql
from festival.storage.tables import OutboxRow
from tests.conftest import REFERENCE
from tests.mailing.test_delivery import NOW, SLUG, load, person
from tests.servers import running

ATTENDEES = 300  # a welcome and a plenary invite each: 600 messages
DELIVERY_SECONDS = 120.0  # a bound, not a pace: the test goes on as soon as mail arrives


async def prepared(url: str) -> None:
    db = Database(url)
    try:
        await db.migrate()
        await load(db, REFERENCE.read_text())
        for n in range(ATTENDEES):
            await register(RegistrationSql(db), SLUG, person(n), now=NOW)
    finally:
        await db.dispose()


async def outbox(url: str) -> list[OutboxRow]:
    db = Database(url)
    try:
        async with db.session() as session:
            return list(await session.scalars(select(OutboxRow).order_by(OutboxRow.id)))
    finally:
        await db.dispose()


def message_id(dedupe_key: str) -> str:
    """What every receiver sees for this outbox row (see mailing/compose.py)."""
    return f"<{hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]}@{SLUG}.festival>"


def test_killed_mid_batch_and_restarted_loses_nothing(sqlite_url: str, tmp_path: Path, smtp):
    inbox, smtp_url = smtp
    inbox.delay = 0.01  # about a hundred messages a second per connection
    asyncio.run(prepared(sqlite_url))
    expected = {message_id(row.dedupe_key) for row in asyncio.run(outbox(sqlite_url))}
    env = {
        "FESTIVAL_DATABASE_URL": sqlite_url,
        "FESTIVAL_SMTP_URL": smtp_url,
        "FESTIVAL_VAR_DIR": str(tmp_path / "var"),
    }

    with running(env=env) as first:
        assert inbox.wait_until(lambda got: len(got) >= 150, DELIVERY_SECONDS)
        first.kill()
    received_before_restart = len(inbox.ids())
    left = Counter(row.status for row in asyncio.run(outbox(sqlite_url)))
    with running(env=env):
        everything = inbox.wait_until(
            lambda got: {str(m["Message-ID"]) for m in got} >= expected, DELIVERY_SECONDS
        )
    # Stopped the ordinary way (SIGTERM) this time: what it handed off is recorded.
    rows = asyncio.run(outbox(sqlite_url))

    assert len(expected) == 2 * ATTENDEES
    # Killed in the middle: part delivered, part still to do (and some in flight).
    assert 150 <= received_before_restart < len(expected)
    assert left["sent"] < len(expected)
    assert everything, "messages were lost"
    received = Counter(inbox.ids())
    assert set(received) == expected  # nothing lost, nothing foreign
    repeated = sum(n - 1 for n in received.values())
    assert repeated <= Sender.REPEATS_AT_MOST
    assert all(n <= 2 for n in received.values())
    assert {row.status for row in rows} == {"sent"}
