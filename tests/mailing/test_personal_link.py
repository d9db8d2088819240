"""One attendee, one personal token: an SMTP outage and its retries mint nothing, every try of
a mail carries the same link (the one registering gave), and only a new link on request
replaces it, revoking the old one. On SQLite and PostgreSQL, through a real SMTP server."""

from __future__ import annotations

from datetime import timedelta
from email.message import Message

from sqlalchemy import select, update

from festival.access.tokens import hash_token
from festival.clock import FixedClock
from festival.registration.service import new_link, register
from festival.storage.db import Database
from festival.storage.registration_repo import RegistrationSql
from festival.storage.tables import OutboxRow, TokenRow
from festival.storage.token_repo import grant_for
from tests.conftest import REFERENCE
from tests.mail import text_of
from tests.mailing.conftest import Inbox
from tests.mailing.test_delivery import NOW, SLUG, load, person, sender

PEOPLE = 5


def link_in(message: Message) -> str:
    return next(w for w in text_of(message).split() if w.startswith("http://festival.test/me/"))


def token_in(message: Message) -> str:
    return link_in(message).rsplit("/", 1)[1]


async def personal_tokens(db: Database) -> list[TokenRow]:
    async with db.session() as session:
        return list(
            await session.scalars(
                select(TokenRow).where(TokenRow.role == "attendee").order_by(TokenRow.id)
            )
        )


async def test_an_smtp_outage_and_its_retries_keep_one_token_per_attendee(
    database: Database, smtp: tuple[Inbox, str]
):
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    given = {}
    for n in range(PEOPLE):
        registered = await register(RegistrationSql(database), SLUG, person(n), now=NOW)
        given[f"persoon{n}@example.org"] = registered.token
    inbox.refuse = ["451 4.3.0 try again later"] * (2 * PEOPLE * 4)  # four rounds refused
    clock = FixedClock(NOW)
    mail = sender(database, url, clock)

    for _ in range(6):  # the outage, then recovery: each round after the longest backoff
        await mail.deliver_due()
        clock.set(clock.now() + timedelta(minutes=10))

    async with database.session() as session:
        statuses = set(await session.scalars(select(OutboxRow.status)))
    welcomes = [m for m in inbox.messages if "aangemeld" in str(m["Subject"])]
    tries = [m for m in inbox.refused if "aangemeld" in str(m["Subject"])]
    tokens = await personal_tokens(database)
    assert statuses == {"sent"}
    assert len(welcomes) == PEOPLE
    assert len(tries) == 4 * PEOPLE  # every refused try had its link too
    for message in welcomes + tries:
        assert token_in(message) == given[str(message["To"].addresses[0].addr_spec)]
    assert len(tokens) == PEOPLE  # one each, none minted by a mail
    assert all(t.revoked_at is None for t in tokens)
    async with database.session() as session:
        for message in welcomes:
            grant = await grant_for(session, token_in(message), now=clock.now())
            assert grant is not None
            assert grant.role == "attendee"


async def test_a_new_link_revokes_the_old_one_and_is_mailed(
    database: Database, smtp: tuple[Inbox, str]
):
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    registered = await register(RegistrationSql(database), SLUG, person(1), now=NOW)
    mail = sender(database, url, FixedClock(NOW))
    await mail.deliver_due()
    old = registered.token
    assert old is not None

    new = await new_link(
        RegistrationSql(database), registered.registration.id, now=NOW + timedelta(hours=1)
    )
    await sender(database, url, FixedClock(NOW + timedelta(hours=1))).deliver_due()

    async with database.session() as session:
        old_grant = await grant_for(session, old, now=NOW + timedelta(hours=1))
        new_grant = await grant_for(session, new, now=NOW + timedelta(hours=1))
    (welcome,) = [m for m in inbox.messages if "aangemeld" in str(m["Subject"])]
    (link_mail,) = [m for m in inbox.messages if m is not welcome and "/me/" in text_of(m)]
    tokens = await personal_tokens(database)
    assert new != old
    assert old_grant is None
    assert new_grant is not None
    assert new_grant.registration_id == registered.registration.id
    assert token_in(welcome) == old
    assert token_in(link_mail) == new
    assert [t.revoked_at is None for t in tokens] == [False, True]


async def test_a_registration_from_before_derived_links_gets_one_and_loses_the_random_ones(
    database: Database, smtp: tuple[Inbox, str]
):
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    registered = await register(RegistrationSql(database), SLUG, person(1), now=NOW)
    async with database.session() as session, session.begin():
        # As the store held it before the upgrade: random tokens, one per mail sent so far.
        await session.execute(update(TokenRow).values(generation=None, hash=hash_token("old")))
        for n in range(3):
            session.add(
                TokenRow(
                    festival_id=1, role="attendee", channel=None,
                    registration_id=registered.registration.id, hash=hash_token(f"old {n}"),
                    label="personal link in message", created_at=NOW, expires_at=None,
                    revoked_at=None,
                )
            )  # fmt: skip

    await sender(database, url, FixedClock(NOW)).deliver_due()

    (welcome,) = [m for m in inbox.messages if "aangemeld" in str(m["Subject"])]
    valid = [t for t in await personal_tokens(database) if t.revoked_at is None]
    async with database.session() as session:
        grant = await grant_for(session, token_in(welcome), now=NOW)
        old = await grant_for(session, "old 0", now=NOW)
    assert len(valid) == 1
    assert valid[0].hash == hash_token(token_in(welcome))
    assert grant is not None
    assert old is None


async def test_a_new_link_is_mailed_even_after_a_link_mail_that_hour(
    database: Database, smtp: tuple[Inbox, str]
):
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    registered = await register(RegistrationSql(database), SLUG, person(1), now=NOW)
    await register(
        RegistrationSql(database), SLUG, person(1), now=NOW
    )  # again: the link once more, by mail
    await sender(database, url, FixedClock(NOW)).deliver_due()
    mailed_before = {token_in(m) for m in inbox.messages if "/me/" in text_of(m)}

    later = NOW + timedelta(minutes=5)  # the same clock hour
    new = await new_link(RegistrationSql(database), registered.registration.id, now=later)
    newer = await new_link(RegistrationSql(database), registered.registration.id, now=later)
    await sender(database, url, FixedClock(later)).deliver_due()

    mailed = [token_in(m) for m in inbox.messages if "/me/" in text_of(m)]
    assert mailed_before == {registered.token}
    assert len(mailed) == 4  # welcome, the link again, and one mail per new link
    assert mailed[-1] == newer  # each mail holds the link current when it goes out
    assert new != newer
