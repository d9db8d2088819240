"""What each instance remembers for live connections, and how the bus makes it forget."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from festival.access.grants import GrantCache
from festival.access.tokens import Grant
from festival.bus import InProcessBus, publish_programme_changed, publish_revoked
from festival.programme.loading import read_programme
from festival.storage.db import Database
from festival.storage.programme_repo import FestivalCache, save_programme
from festival.web.caches import start_following, stop_following
from tests.conftest import REFERENCE

NOW = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)
MODERATOR = Grant(7, "moderator", "agenda-sociaal-werk-2020", "plenary")
ATTENDEE = Grant(8, "attendee", "agenda-sociaal-werk-2020", registration_id=3)


def test_a_grant_is_remembered_for_its_seconds_and_no_longer():
    grants = GrantCache(seconds=10)
    grants.put("secret-m", MODERATOR, NOW)

    assert grants.get("secret-m", NOW + timedelta(seconds=9)) == MODERATOR
    assert grants.get("secret-m", NOW + timedelta(seconds=10)) is None
    assert grants.get("never-presented", NOW) is None


def test_the_oldest_grant_makes_room_and_an_expired_token_is_not_taken():
    grants = GrantCache(size=1)
    expiring = Grant(9, "host", "agenda-sociaal-werk-2020", expires_at=NOW)
    grants.put("secret-m", MODERATOR, NOW)
    grants.put("secret-h", expiring, NOW - timedelta(seconds=1))

    assert (grants.get("secret-m", NOW), grants.get("secret-h", NOW), len(grants)) == (
        None,
        None,
        0,
    )


async def _settle() -> None:
    """Let the caches' task take what the in-process bus queued for it (no timing: each
    pass lets every ready task run once)."""
    for _ in range(10):
        await asyncio.sleep(0)


async def test_the_bus_makes_every_cache_forget_revoked_tokens_and_reloaded_programmes(
    sqlite_url: str,
):
    database = Database(sqlite_url)
    await database.migrate()
    async with database.session() as session, session.begin():
        await save_programme(session, read_programme(REFERENCE), source="reference", now=NOW)
    statements: list[str] = []
    event.listen(
        database.engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2])
    )
    festivals, grants = FestivalCache(), GrantCache()
    grants.put("secret-m", MODERATOR, NOW)
    grants.put("secret-a", ATTENDEE, NOW)
    try:
        async with InProcessBus() as bus:
            following = await start_following(bus, festivals, grants)
            first = await festivals.live(database, "", NOW)
            read_first = len(statements)
            trusted = await festivals.live(database, "", NOW)
            read_trusted = len(statements) - read_first
            await publish_revoked(bus, registration_ids=[3])
            await publish_programme_changed(bus, "agenda-sociaal-werk-2020")
            await _settle()
            again = await festivals.live(database, "", NOW)
            read_again = len(statements) - read_first
            await stop_following(following)
    finally:
        await database.dispose()

    assert first is not None
    assert (trusted is first, again == first) == (True, True)
    assert (read_first > 0, read_trusted, read_again > 0) == (True, 0, True)
    assert (grants.get("secret-m", NOW), grants.get("secret-a", NOW)) == (MODERATOR, None)
