"""One message never holds up another: a message that cannot be built or is refused for good
fails alone, with its reason, while the rest of its batch goes out in the same round. Through
a real SMTP server (aiosmtpd), on SQLite and PostgreSQL.

Also the addresses themselves: a non-ASCII local part goes over SMTPUTF8 when the server
offers it, and an IDN domain goes out in its ASCII (punycode) form.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from festival.clock import FixedClock
from festival.registration.service import register
from festival.storage.db import Database
from festival.storage.mailing_repo import MAX_ATTEMPTS, summary
from festival.storage.registration_repo import RegistrationSql
from festival.storage.tables import OutboxRow
from tests.conftest import REFERENCE
from tests.mailing.conftest import Inbox
from tests.mailing.test_delivery import NOW, SLUG, load, person, sender


async def rows(db: Database) -> list[OutboxRow]:
    async with db.session() as session:
        return list(await session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


async def fifty_messages(db: Database) -> list[OutboxRow]:
    await load(db, REFERENCE.read_text())
    for n in range(25):  # a welcome and a plenary invite each
        await register(RegistrationSql(db), SLUG, person(n), now=NOW)
    found = await rows(db)
    assert len(found) == 50
    return found


async def poison(db: Database, row_id: int, **values: Any) -> None:
    async with db.session() as session, session.begin():
        await session.execute(update(OutboxRow).where(OutboxRow.id == row_id).values(**values))


POISONS = {
    # Not ASCII before the @, and the server does not offer SMTPUTF8.
    "non-ascii local part": (
        {"recipient": "zoë@example.org"},
        "does not offer SMTPUTF8, which the address zoë@example.org needs",
    ),
    # Stored before addresses were checked: nothing any server could be given.
    "no address at all": ({"recipient": "not an address"}, "cannot be sent to"),
    # One row's data meets a bug: composing it raises.
    "broken payload": ({"payload": {"language": "nl"}}, "cannot compose: KeyError"),
}


@pytest.mark.parametrize("poisoned", list(POISONS))
async def test_one_poisoned_message_among_fifty_fails_alone_in_the_same_round(
    database: Database, smtp_ascii: tuple[Inbox, str], poisoned: str
):
    inbox, url = smtp_ascii
    before = await fifty_messages(database)
    bad = before[20]  # in the middle of the batch, with lanes busy on either side
    values, reason = POISONS[poisoned]
    await poison(database, bad.id, **values)

    handled = await sender(database, url, FixedClock(NOW)).deliver_due()

    after = {row.id: row for row in await rows(database)}
    assert handled == 50
    assert len(inbox.messages) == len(set(inbox.ids())) == 49
    assert {row.status for i, row in after.items() if i != bad.id} == {"sent"}
    assert after[bad.id].status == "failed"
    assert reason in after[bad.id].last_error
    async with database.session() as session:
        found = await summary(session)
    (failure,) = found.failures
    assert (failure.id, failure.attempts) == (bad.id, 1)
    assert reason in failure.error


async def test_a_message_that_keeps_killing_its_sender_is_failed_not_claimed_for_ever(
    database: Database, smtp: tuple[Inbox, str]
):
    inbox, url = smtp
    before = await fifty_messages(database)
    # Left `sending` by senders that died while sending it, the last of the allowed tries.
    await poison(database, before[0].id, status="sending", attempts=MAX_ATTEMPTS, claimed_at=NOW)
    later = FixedClock(NOW.replace(hour=10))  # every lease has run out

    await sender(database, url, later).deliver_due()

    after = {row.id: row for row in await rows(database)}
    assert after[before[0].id].status == "failed"
    assert "stopped while sending it" in after[before[0].id].last_error
    assert len(inbox.messages) == 49


async def test_a_non_ascii_local_part_goes_over_smtputf8(
    database: Database, smtp: tuple[Inbox, str]
):
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    await register(RegistrationSql(database), SLUG, person(1), now=NOW)
    (welcome, _) = await rows(database)
    await poison(database, welcome.id, recipient="zoë@example.org")

    await sender(database, url, FixedClock(NOW)).deliver_due()

    assert {row.status for row in await rows(database)} == {"sent"}
    by_recipient = {rcpt: options for _, rcpts, options in inbox.envelopes for rcpt in rcpts}
    assert "SMTPUTF8" in by_recipient["zoë@example.org"]
    assert "SMTPUTF8" not in by_recipient["persoon1@example.org"]
    (message,) = [m for m in inbox.messages if "zoë" in str(m["To"])]
    assert message["To"].addresses[0].addr_spec == "zoë@example.org"
    assert message["To"].addresses[0].display_name == "Persoon 1"


async def test_an_idn_domain_goes_out_in_ascii(database: Database, smtp_ascii: tuple[Inbox, str]):
    inbox, url = smtp_ascii
    await load(database, REFERENCE.read_text())
    await register(RegistrationSql(database), SLUG, person(1), now=NOW)
    (welcome, _) = await rows(database)
    await poison(database, welcome.id, recipient="ann@bücher.de")

    await sender(database, url, FixedClock(NOW)).deliver_due()

    assert {row.status for row in await rows(database)} == {"sent"}
    recipients = sorted(rcpt for _, rcpts, _ in inbox.envelopes for rcpt in rcpts)
    assert recipients == ["ann@xn--bcher-kva.de", "persoon1@example.org"]
    to = sorted(str(m["To"]) for m in inbox.messages)
    assert "Persoon 1 <ann@xn--bcher-kva.de>" in to
