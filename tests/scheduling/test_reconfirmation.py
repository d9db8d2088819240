"""Reconfirmation of places, end to end through the scheduler: at 09:00 three days before the
festival the holders of limited places are mailed once, and at the deadline the places not
confirmed go to the end of the waitlist, the next in line moving up, with a mail to both. A
new scheduler each step is a restart; a service down over a moment catches up, one down over
the whole window moves nobody, and two instances never move a place twice. Through the real
outbox and SMTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from festival.clock import FixedClock
from festival.registration import reconfirm
from festival.registration.model import RegistrationRequest
from festival.registration.service import register
from festival.storage.db import Database
from festival.storage.programme_repo import read_festival
from festival.storage.registration_repo import RegistrationSql, read_registration
from festival.storage.tables import OutboxRow
from tests.conftest import REFERENCE
from tests.mail import text_of
from tests.mailing.conftest import Inbox
from tests.mailing.test_delivery import load, sender
from tests.scheduling.test_end_of_day import planned_and_fired

SLUG = "agenda-sociaal-werk-2020"
BEFORE = datetime(2020, 11, 1, 9, 0, tzinfo=UTC)
ASKS = datetime(2020, 11, 16, 8, 0, tzinfo=UTC)  # 09:00 in Amsterdam, three days before
DEADLINE = datetime(2020, 11, 18, 8, 0, tzinfo=UTC)  # 48 hours later
STARTS = datetime(2020, 11, 19, 9, 30, tzinfo=UTC)  # round 1, 10:30 in Amsterdam
TITLE = "Huiskamer 1: De Buurvrouw & Buurvrouw Bus"


def programme(days: int = 3) -> str:
    """The reference day asking `days` before, with two places in huiskamer-1."""
    text = REFERENCE.read_text(encoding="utf-8")
    text = text.replace(
        '\nmode = "online"\n', f'\nmode = "online"\nreconfirm_days_before = {days}\n', 1
    )
    head, sep, tail = text.partition('id = "huiskamer-1"\n')
    return head + sep + tail.replace("capacity = 25", "capacity = 2", 1)


async def sign_up(db: Database, name: str, language: str, session: str | None, at: datetime) -> int:
    email = f"{name.split()[0].lower()}@example.org"
    choices = {"ronde-1": session} if session else {}
    request = RegistrationRequest(name, email, "", language, "online", choices)
    done = await register(RegistrationSql(db), SLUG, request, now=at)
    return done.registration.id


async def attendees(db: Database) -> dict[str, int]:
    """Ann (nl) and Bea (en) hold the two places in huiskamer-1, Cas waits for one; Dirk
    comes to the plenary only; Eva holds a place in huiskamer-2."""
    return {
        "ann": await sign_up(db, "Ann de Vries", "nl", "huiskamer-1", BEFORE),
        "bea": await sign_up(db, "Bea Smith", "en", "huiskamer-1", BEFORE),
        "cas": await sign_up(db, "Cas Jansen", "nl", "huiskamer-1", BEFORE),
        "dirk": await sign_up(db, "Dirk Bos", "nl", None, BEFORE),
        "eva": await sign_up(db, "Eva Kok", "nl", "huiskamer-2", BEFORE),
    }


async def place(db: Database, registration_id: int) -> tuple[str, int | None, str | None]:
    """(status, position, reconfirm mark) of the registration's place in round 1."""
    async with db.session() as session:
        registration = await read_registration(session, registration_id)
    assert registration is not None
    found = registration.place_in("ronde-1")
    assert found is not None
    return found.status, found.position, found.reconfirm


async def queued(db: Database, kind: str) -> list[str]:
    async with db.session() as session:
        found = await session.scalars(
            select(OutboxRow.recipient).where(OutboxRow.kind == kind).order_by(OutboxRow.id)
        )
        return list(found)


def mails(inbox: Inbox, *subjects: str) -> dict[str, tuple[str, str]]:
    """Recipient -> (subject, text) of the mails whose subject starts with one of these."""
    found: dict[str, tuple[str, str]] = {}
    for message in inbox.messages:
        subject = str(message["Subject"])
        if subject.startswith(subjects):
            assert str(message["To"]) not in found, f"a second mail for {message['To']}"
            found[str(message["To"])] = (subject, text_of(message))
    return found


async def confirm(db: Database, registration_id: int, now: datetime) -> reconfirm.Outcome:
    async with db.session() as session:
        festival = await read_festival(session, SLUG)
    assert festival is not None
    return await reconfirm.confirm(RegistrationSql(db), festival, registration_id, now=now)


async def test_the_asking_mails_holders_of_limited_places_once(
    database: Database, smtp: tuple[Inbox, str]
):
    inbox, url = smtp
    await load(database, programme(), BEFORE)
    ids = await attendees(database)

    await planned_and_fired(database, ASKS - timedelta(hours=1), ASKS - timedelta(minutes=5))
    assert await queued(database, "reconfirm") == []  # not before 09:00

    await planned_and_fired(database, ASKS - timedelta(minutes=5), ASKS)
    # Restarted: asking again queues nothing new.
    await planned_and_fired(database, ASKS + timedelta(hours=1), ASKS + timedelta(hours=1))
    await sender(database, url, FixedClock(ASKS + timedelta(hours=1))).deliver_due()

    assert await queued(database, "reconfirm") == [
        "ann@example.org",
        "bea@example.org",
        "eva@example.org",
    ]
    found = mails(inbox, "Kom je nog? ", "Still coming? ")
    subject, text = found["Bea Smith <bea@example.org>"]
    assert subject == "Still coming? De agenda van het sociaal werk 2020"
    assert "Confirm your place before Wednesday 18 November 2020, 09:00." in text
    assert (
        "De agenda van het sociaal werk 2020 is on Thursday 19 November 2020. You have a place "
        f"in:\n\n  {TITLE}\n  Thursday 19 November 2020, 10:30–11:30 (Europe/Amsterdam)\n"
    ) in text
    assert "/reconfirm?lang=en" in text
    assert "/release/huiskamer-1" in text
    subject, text = found["Ann de Vries <ann@example.org>"]
    assert subject == "Kom je nog? De agenda van het sociaal werk 2020"
    assert "Bevestig je plaats vóór woensdag 18 november 2020, 09:00." in text
    assert await place(database, ids["cas"]) == ("waitlisted", 1, None)  # waits: not asked
    assert sorted(found) == [
        "Ann de Vries <ann@example.org>",
        "Bea Smith <bea@example.org>",
        "Eva Kok <eva@example.org>",
    ]


async def test_at_the_deadline_unconfirmed_places_go_to_the_waitlist_and_the_next_moves_up(
    database: Database, smtp: tuple[Inbox, str]
):
    inbox, url = smtp
    await load(database, programme(), BEFORE)
    ids = await attendees(database)
    await planned_and_fired(database, ASKS - timedelta(minutes=5), ASKS)
    assert await confirm(database, ids["ann"], ASKS + timedelta(hours=2)) == "confirmed"
    # Registered after the asking: they just chose, so theirs counts as confirmed.
    fay = await sign_up(database, "Fay Dekker", "nl", "huiskamer-2", ASKS + timedelta(hours=3))
    gus = await sign_up(database, "Gus Mol", "nl", "huiskamer-1", ASKS + timedelta(hours=3))

    # A new scheduler (a restart between the mail and the deadline) does the deadline.
    await planned_and_fired(
        database, DEADLINE - timedelta(hours=1), DEADLINE - timedelta(minutes=1)
    )
    assert await place(database, ids["bea"]) == ("confirmed", None, "asked")  # not yet
    await planned_and_fired(database, DEADLINE - timedelta(minutes=1), DEADLINE)
    await sender(database, url, FixedClock(DEADLINE + timedelta(minutes=2))).deliver_due()

    assert await place(database, ids["ann"]) == ("confirmed", None, "done")
    assert await place(database, ids["bea"]) == ("waitlisted", 2, "lapsed")  # behind Gus
    assert await place(database, ids["cas"]) == ("confirmed", None, None)
    assert await place(database, gus) == ("waitlisted", 1, None)
    # Nobody waits for huiskamer-2: Eva keeps hers, no longer asked.
    assert await place(database, ids["eva"]) == ("confirmed", None, None)
    assert await place(database, fay) == ("confirmed", None, None)
    lost = mails(inbox, "Je plaats is naar de wachtlijst: ", "Your place went to the waitlist: ")
    assert list(lost) == ["Bea Smith <bea@example.org>"]
    subject, text = lost["Bea Smith <bea@example.org>"]
    assert subject == f"Your place went to the waitlist: {TITLE}"
    assert "You did not confirm your place in" in text
    assert "before Wednesday 18 November 2020, 09:00" in text
    assert "you are at its end, position 2" in text
    promoted = mails(inbox, "Je hebt een plaats: ", "You have a place: ")
    assert list(promoted) == ["Cas Jansen <cas@example.org>"]
    assert promoted["Cas Jansen <cas@example.org>"][0] == f"Je hebt een plaats: {TITLE}"


async def test_a_service_down_over_the_deadline_moves_the_places_when_it_is_back(
    database: Database,
):
    await load(database, programme(), BEFORE)
    ids = await attendees(database)
    await planned_and_fired(database, ASKS - timedelta(minutes=5), ASKS)

    back = DEADLINE + timedelta(hours=5)
    await planned_and_fired(database, back, back)

    # Neither confirmed, one waits: one place is freed for Cas, the first taken stays.
    assert await place(database, ids["ann"]) == ("confirmed", None, None)
    assert await place(database, ids["bea"]) == ("waitlisted", 1, "lapsed")
    assert await place(database, ids["cas"]) == ("confirmed", None, None)
    assert await queued(database, "reconfirm_lapsed") == ["bea@example.org"]
    assert await queued(database, "promoted") == ["cas@example.org"]


async def test_a_service_down_over_the_whole_window_asks_and_moves_nobody(database: Database):
    await load(database, programme(), BEFORE)
    ids = await attendees(database)

    back = DEADLINE + timedelta(minutes=30)
    await planned_and_fired(database, back, back + timedelta(hours=1))

    assert await queued(database, "reconfirm") == []
    assert await place(database, ids["bea"]) == ("confirmed", None, None)
    assert await place(database, ids["cas"]) == ("waitlisted", 1, None)
    assert await queued(database, "reconfirm_lapsed") == []


async def test_two_instances_at_the_deadline_move_each_place_once(database: Database):
    await load(database, programme(), BEFORE)
    ids = await attendees(database)
    await planned_and_fired(database, ASKS - timedelta(minutes=5), ASKS)
    await confirm(database, ids["ann"], ASKS + timedelta(hours=1))
    async with database.session() as session:
        festival = await read_festival(session, SLUG)
    assert festival is not None

    results = await asyncio.gather(
        reconfirm.lapse(RegistrationSql(database), festival, now=DEADLINE),
        reconfirm.lapse(RegistrationSql(database), festival, now=DEADLINE),
    )

    assert sorted(results, key=len) == [[], [ids["bea"]]]
    assert await place(database, ids["bea"]) == ("waitlisted", 1, "lapsed")
    assert await place(database, ids["cas"]) == ("confirmed", None, None)
    assert await queued(database, "reconfirm_lapsed") == ["bea@example.org"]
    assert await queued(database, "promoted") == ["cas@example.org"]


async def test_a_festival_that_asks_nothing_asks_and_moves_nobody(database: Database):
    await load(database, programme(days=0), BEFORE)
    ids = await attendees(database)

    await planned_and_fired(database, ASKS - timedelta(minutes=5), DEADLINE + timedelta(hours=1))

    assert await queued(database, "reconfirm") == []
    assert await place(database, ids["bea"]) == ("confirmed", None, None)


async def test_the_mail_is_not_sent_to_one_who_confirmed_before_it_went_out(
    database: Database, smtp: tuple[Inbox, str]
):
    inbox, url = smtp
    await load(database, programme(), BEFORE)
    ids = await attendees(database)
    await planned_and_fired(database, ASKS - timedelta(minutes=5), ASKS)

    assert await confirm(database, ids["ann"], ASKS + timedelta(minutes=1)) == "confirmed"
    await sender(database, url, FixedClock(ASKS + timedelta(minutes=2))).deliver_due()

    assert sorted(mails(inbox, "Kom je nog? ", "Still coming? ")) == [
        "Bea Smith <bea@example.org>",
        "Eva Kok <eva@example.org>",
    ]
