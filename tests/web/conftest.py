"""A running app (lifespan and all) on a database holding the reference programme."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.invites.service import programme_saved
from festival.programme.loading import read_programme
from festival.storage.db import Database
from festival.storage.invite_repo import InviteSql
from festival.storage.programme_repo import save_programme
from festival.web.app import create_app
from tests.conftest import REFERENCE
from tests.databases import prepare

NOW = datetime(2020, 11, 19, 8, 0, tzinfo=UTC)


def load_into(url: str, *paths: Path) -> None:
    """Load `paths` in order, as `festival load` does. Into a new database this is done once
    per test process for the same files (by their text) and copied after that."""

    async def load(url: str) -> None:
        db = Database(url)
        await db.migrate()
        try:
            for path in paths:  # as `festival load` does: the calendars follow
                async with db.session() as session, session.begin():
                    festival = read_programme(path)
                    report = await save_programme(session, festival, source=str(path), now=NOW)
                    await programme_saved(InviteSql(session), report, NOW)
        finally:
            await db.dispose()

    texts = "\0".join(f"{path.name}\0{path.read_text(encoding='utf-8')}" for path in paths)
    state = "programmes " + hashlib.sha256(texts.encode()).hexdigest()
    prepare(url, state, load)


@pytest.fixture
def settings(sqlite_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=sqlite_url, var_dir=str(tmp_path), base_url="http://festival.test")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    load_into(settings.database_url, REFERENCE)
    with TestClient(create_app(settings, clock=FixedClock(NOW))) as client:
        yield client
