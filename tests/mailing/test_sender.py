"""The sender loop on SQLite: one sender per database, the next one takes over when it stops."""

from __future__ import annotations

import asyncio
import logging

import pytest

from festival.clock import FixedClock
from festival.registration.service import register
from festival.storage.db import Database
from festival.storage.registration_repo import RegistrationSql
from tests.conftest import REFERENCE
from tests.mailing.conftest import Inbox
from tests.mailing.test_delivery import NOW, SLUG, load, person, sender

ARRIVAL_SECONDS = 30.0  # a bound, not a pace: the test goes on as soon as mail arrives


async def arrived(inbox: Inbox, count: int) -> bool:
    return await asyncio.to_thread(inbox.wait_until, lambda got: len(got) >= count, ARRIVAL_SECONDS)


def senders_in_charge(caplog: pytest.LogCaptureFixture) -> int:
    return sum("now sends the mail of festival.db" in r.getMessage() for r in caplog.records)


async def test_second_sender_on_one_sqlite_file_waits_then_takes_over(
    sqlite_url: str, smtp, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="festival.mail")
    inbox, url = smtp
    first_db, second_db = Database(sqlite_url), Database(sqlite_url)
    await first_db.migrate()
    await load(first_db, REFERENCE.read_text())
    first = sender(first_db, url, FixedClock(NOW))
    second = sender(second_db, url, FixedClock(NOW))
    try:
        first.start()
        second.start()
        await register(RegistrationSql(first_db), SLUG, person(1), now=NOW)
        first.wake()
        second.wake()
        assert await arrived(inbox, 2)  # welcome and plenary invite
        in_charge_while_both_ran = senders_in_charge(caplog)

        await first.stop()
        await register(RegistrationSql(first_db), SLUG, person(2), now=NOW)
        second.wake()
        assert await arrived(inbox, 4)  # the second took over
    finally:
        await first.stop()
        await second.stop()
        await first_db.dispose()
        await second_db.dispose()

    assert in_charge_while_both_ran == 1
    assert senders_in_charge(caplog) == 2
    assert len(inbox.ids()) == len(set(inbox.ids())) == 4
