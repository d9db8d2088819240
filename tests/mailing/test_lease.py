"""Recovery within seconds: claimed messages carry a short lease that the sender renews while
it works (a heartbeat). A sender that dies leaves its messages to another within the lease
(`LEASE`, 30 s), not after minutes; a sender that lives keeps them however long its round
takes. The clock is moved instead of waiting."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from festival.clock import FixedClock
from festival.mailing.sender import Sender
from festival.registration.service import register
from festival.storage.db import Database
from festival.storage.mailing_repo import LEASE
from festival.storage.registration_repo import RegistrationSql
from festival.storage.tables import OutboxRow
from tests.conftest import REFERENCE
from tests.mailing.conftest import Inbox
from tests.mailing.test_crash import message_id, outbox, prepared
from tests.mailing.test_delivery import NOW, SLUG, load, person, sender
from tests.servers import running

DELIVERY_SECONDS = 120.0  # a bound, not a pace: the test goes on as soon as mail arrives
SETTLE_SECONDS = 10.0  # the same, for the heartbeat to write
DOCUMENTED_LEASE = timedelta(seconds=30)  # docs/mail.md


@pytest.mark.postgres
def test_a_killed_sender_leaves_its_messages_to_another_within_the_lease(
    postgres_url: str, tmp_path: Path, smtp: tuple[Inbox, str]
):
    inbox, smtp_url = smtp
    inbox.delay = 0.02  # slow enough to kill the server in the middle of its batch
    asyncio.run(prepared(postgres_url))
    expected = {message_id(row.dedupe_key) for row in asyncio.run(outbox(postgres_url))}
    env = {
        "FESTIVAL_DATABASE_URL": postgres_url,
        "FESTIVAL_SMTP_URL": smtp_url,
        "FESTIVAL_VAR_DIR": str(tmp_path / "var"),
    }
    with running(env=env) as first:
        assert inbox.wait_until(lambda got: len(got) >= 50, DELIVERY_SECONDS)
        first.kill()  # SIGKILL: nothing is recorded or given back
        killed_at = datetime.now(UTC)
    left = Counter(row.status for row in asyncio.run(outbox(postgres_url)))

    async def take_over(at: datetime) -> int:
        db = Database(postgres_url)
        try:
            mail = sender(db, smtp_url, FixedClock(at))
            handled = 0
            while found := await mail.deliver_due():
                handled += found
            return handled
        finally:
            await db.dispose()

    # Within the lease the dead sender's messages are still its own ...
    too_soon = asyncio.run(take_over(killed_at + timedelta(seconds=1)))
    # ... and once it has run out, seconds later, another sender takes them all.
    taken = asyncio.run(take_over(killed_at + DOCUMENTED_LEASE + timedelta(seconds=1)))
    rows = asyncio.run(outbox(postgres_url))

    assert left["sending"] > 0, "the kill came after the batch"
    assert too_soon == left["pending"]
    assert taken == left["sending"]
    assert {row.status for row in rows} == {"sent"}
    received = Counter(inbox.ids())
    assert set(received) == expected
    assert sum(n - 1 for n in received.values()) <= Sender.REPEATS_AT_MOST


async def claimed_at(db: Database) -> set[datetime | None]:
    async with db.session() as session:
        return set(await session.scalars(select(OutboxRow.claimed_at)))


async def test_a_living_sender_keeps_its_messages_past_the_lease(
    database: Database, smtp: tuple[Inbox, str]
):
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    for n in range(10):
        await register(RegistrationSql(database), SLUG, person(n), now=NOW)
    inbox.gate = threading.Event()  # the server takes the messages but answers none yet
    clock = FixedClock(NOW)
    busy = sender(database, url, clock)
    busy.HEARTBEAT_SECONDS = 0.01
    round_ = asyncio.create_task(busy.deliver_due())
    assert await asyncio.to_thread(inbox.held.wait, SETTLE_SECONDS)  # the batch is claimed

    # A minute passes on the clock, in steps the heartbeat follows.
    for _ in range(12):
        busy.renewed.clear()
        clock.set(clock.now() + timedelta(seconds=5))
        await asyncio.wait_for(busy.renewed.wait(), SETTLE_SECONDS)
    leased = await claimed_at(database)
    other = await sender(database, url, FixedClock(clock.now())).deliver_due()
    inbox.gate.set()
    handled = await round_

    assert LEASE == DOCUMENTED_LEASE
    assert clock.now() - NOW > LEASE
    assert all(at is not None and clock.now() - at < LEASE for at in leased)
    assert other == 0  # nothing was the other sender's to take
    assert handled == 20
    assert len(inbox.ids()) == len(set(inbox.ids())) == 20
