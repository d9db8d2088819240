"""Two real `festival serve` processes on one PostgreSQL database: the scheduler leader is
killed (SIGKILL), the other instance takes the advisory lock within seconds and sends the
reminder that falls due after the kill, once.

The servers run on the real clock, so the programme is written for today: one session whose
reminder (one minute ahead) falls due well after both servers are up and the leader is gone.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from sqlalchemy import select

from festival.programme.loading import parse_programme
from festival.registration.model import RegistrationRequest
from festival.registration.service import register
from festival.scheduling import LEADER_LOCK
from festival.storage.db import Database
from festival.storage.programme_repo import save_programme
from festival.storage.registration_repo import RegistrationSql
from festival.storage.tables import OutboxRow
from tests.servers import running

SLUG = "takeover-day"
# From now until the reminder is due: room for starting two servers and a takeover (each a
# few seconds), with margin for a busy machine. The test asserts the order it relies on.
REMINDER_IN = timedelta(seconds=40)
TAKEOVER_SECONDS = 10.0  # "within seconds": the standby asks for the lock every 2 s
POLL_SECONDS = 0.1


def midday_zone(moment: datetime) -> ZoneInfo:
    """A fixed-offset zone in which `moment` falls between 11:00 and 12:00: a half-hour
    session from then never crosses midnight, whatever the hour in UTC."""
    hours = (11 - moment.astimezone(UTC).hour) % 24
    if hours > 14:  # the zones run from UTC-12 to UTC+14
        hours -= 24
    return ZoneInfo(f"Etc/GMT{-hours:+d}")  # POSIX signs: Etc/GMT-2 is two hours ahead


def programme(reminder_at: datetime) -> str:
    zone = midday_zone(reminder_at)
    start = (reminder_at + timedelta(minutes=1)).astimezone(zone)
    end = start + timedelta(minutes=30)
    return f"""\
[festival]
slug = "{SLUG}"
title = "Takeover day"
date = {start:%Y-%m-%d}
timezone = "{zone.key}"
language = "en"
mode = "online"
reminder_minutes = 1

[[round]]
id = "round-1"
title = "Round 1"
start = {start:%H:%M:%S}
end = {end:%H:%M:%S}

  [[round.session]]
  id = "room-1"
  title = "Room 1"
  capacity = 10
  join_url = "https://zoom.example.org/room-1"
"""


async def prepared(url: str, text: str, now: datetime) -> None:
    db = Database(url)
    try:
        await db.migrate()
        async with db.session() as session, session.begin():
            await save_programme(session, parse_programme(text, "day.toml"), source="t", now=now)
        request = RegistrationRequest(
            "Ann", "ann@example.org", "", "en", "online", {"round-1": "room-1"}
        )
        await register(RegistrationSql(db), SLUG, request, now=now)
    finally:
        await db.dispose()


async def leader_backend(url: str) -> int | None:
    """The PostgreSQL backend holding the scheduler's advisory lock, if any."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        pid: int | None = await conn.fetchval(
            # Advisory locks belong to a database: the other test worker's servers lead in
            # theirs at the same moment, under the same key.
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = 0 AND objid = $1 AND objsubid = 1"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            LEADER_LOCK,
        )
        return pid
    finally:
        await conn.close()


async def reminder_rows(url: str) -> list[OutboxRow]:
    db = Database(url)
    try:
        async with db.session() as session:
            rows = await session.scalars(select(OutboxRow).where(OutboxRow.kind == "reminder"))
            return list(rows)
    finally:
        await db.dispose()


def wait_for(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(POLL_SECONDS)  # the other process is working; look again shortly
    return check()


@pytest.mark.postgres
def test_standby_takes_over_when_the_leader_dies_and_sends_the_next_reminder(
    postgres_url: str, tmp_path: Path, smtp
):
    inbox, smtp_url = smtp
    reminder_at = datetime.now(UTC).replace(microsecond=0) + REMINDER_IN
    asyncio.run(prepared(postgres_url, programme(reminder_at), datetime.now(UTC)))
    env = {"FESTIVAL_DATABASE_URL": postgres_url, "FESTIVAL_SMTP_URL": smtp_url}

    def holder() -> int | None:
        return asyncio.run(leader_backend(postgres_url))

    def reminders() -> list[str]:
        return [str(m["Subject"]) for m in inbox.messages if "Starting soon" in str(m["Subject"])]

    with running(env={**env, "FESTIVAL_VAR_DIR": str(tmp_path / "a")}) as first:
        assert wait_for(lambda: holder() is not None, TAKEOVER_SECONDS), "nobody leads"
        first_leader = holder()
        with running(env={**env, "FESTIVAL_VAR_DIR": str(tmp_path / "b")}):
            assert holder() == first_leader  # the second instance waits its turn
            first.kill()
            killed_at = datetime.now(UTC)
            took_over = wait_for(lambda: holder() not in (None, first_leader), TAKEOVER_SECONDS)
            taken_at = datetime.now(UTC)
            queued_before = asyncio.run(reminder_rows(postgres_url))
            arrived = inbox.wait_until(
                lambda got: any("Starting soon" in str(m["Subject"]) for m in got),
                (reminder_at - datetime.now(UTC)).total_seconds() + 30,
            )
    rows = asyncio.run(reminder_rows(postgres_url))

    assert took_over, f"no instance took over within {TAKEOVER_SECONDS} s"
    assert (taken_at - killed_at).total_seconds() < TAKEOVER_SECONDS
    # The reminder fell due after the takeover, so only the new leader can have queued it.
    assert taken_at < reminder_at, "the machine was too slow for this test's timing"
    assert queued_before == []
    assert arrived
    assert reminders() == ["Starting soon: Room 1"]
    assert [(row.recipient, row.status) for row in rows] == [("ann@example.org", "sent")]
