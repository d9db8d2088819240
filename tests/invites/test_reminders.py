"""Reminders: once per person and start, to those attending, none for a moved, ended or
cancelled item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from festival.clock import FixedClock
from festival.invites import service as invites
from festival.registration.service import register
from festival.storage.db import Database
from festival.storage.invite_repo import InviteSql
from festival.storage.registration_repo import RegistrationSql
from festival.storage.tables import OutboxRow
from tests.conftest import REFERENCE
from tests.factories import without_session
from tests.mailing.test_delivery import NOW, SLUG, load, person, sender

START = datetime(2020, 11, 19, 9, 30, tzinfo=UTC)  # huiskamer-1, 10:30 in Amsterdam


async def queue_reminders(
    database: Database, festival: str, entry: str, start: datetime, *, now: datetime
) -> int:
    async with database.writer() as db, db.begin():
        return await invites.reminders(InviteSql(db), festival, entry, start, now)


async def reminders(db: Database) -> list[str]:
    async with db.session() as session:
        rows = await session.scalars(select(OutboxRow).where(OutboxRow.kind == "reminder"))
        return sorted(r.dedupe_key for r in rows)


async def test_reminders_go_to_confirmed_attendees_once(database: Database):
    await load(database, REFERENCE.read_text())
    first = await register(
        RegistrationSql(database), SLUG, person(1, ronde_1="huiskamer-1"), now=NOW
    )
    await register(RegistrationSql(database), SLUG, person(2, ronde_1="huiskamer-2"), now=NOW)

    await queue_reminders(database, SLUG, "huiskamer-1", START, now=START)
    await queue_reminders(database, SLUG, "huiskamer-1", START, now=START)

    assert await reminders(database) == [
        f"reminder:{first.registration.id}:huiskamer-1:{START.isoformat()}"
    ]


async def test_reminder_for_a_moved_or_ended_session_is_dropped(database: Database):
    await load(database, REFERENCE.read_text())
    await register(RegistrationSql(database), SLUG, person(1, ronde_1="huiskamer-1"), now=NOW)
    ended = datetime(2020, 11, 19, 10, 30, tzinfo=UTC)

    moved = await queue_reminders(
        database, SLUG, "huiskamer-1", START.replace(minute=45), now=START
    )
    too_late = await queue_reminders(database, SLUG, "huiskamer-1", START, now=ended)

    assert (moved, too_late, await reminders(database)) == (0, 0, [])


async def test_no_reminder_for_a_session_taken_off_the_programme(
    database: Database, smtp, tmp_path
):
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    await register(RegistrationSql(database), SLUG, person(1, ronde_1="huiskamer-1"), now=NOW)
    due = START - timedelta(minutes=15)
    # Queued at its moment, then the session is dropped before the sender gets to it.
    queued = await queue_reminders(database, SLUG, "huiskamer-1", START, now=due)
    await load(database, without_session(tmp_path, REFERENCE, "huiskamer-1").read_text(), now=due)
    again = await queue_reminders(database, SLUG, "huiskamer-1", START, now=due)

    await sender(database, url, FixedClock(due)).deliver_due()

    async with database.session() as session:
        rows = await session.scalars(select(OutboxRow).where(OutboxRow.kind == "reminder"))
        statuses = [(r.status, r.last_error) for r in rows]
    assert (queued, again) == (1, 0)
    assert statuses == [("skipped", "huiskamer-1 was cancelled")]
    parts = [part.get_payload(decode=True) for m in inbox.messages for part in m.walk()]
    assert [p for p in parts if p and b"zoom.example.org/huiskamer-1" in p] == []
