"""Shared fixtures: the databases every storage test runs on, and the services they need.

PostgreSQL, Redis, chromium and nginx are real. Where one is missing the tests that need it are
skipped with the reason shown, unless FESTIVAL_REQUIRE_SERVICES=1 (set by .ci/run): then a
missing service fails the run, so CI never silently skips them.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from festival.storage.db import Database
from tests.proxy import NGINX

ROOT = Path(__file__).resolve().parent.parent
SCHEDULES = ROOT / "schedules"
REFERENCE = SCHEDULES / "agenda-sociaal-werk-2020.toml"

POSTGRES_URL = os.environ.get(
    "FESTIVAL_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("FESTIVAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("FESTIVAL_TEST_CHROMIUM", "/usr/bin/chromium")
REQUIRE_SERVICES = os.environ.get("FESTIVAL_REQUIRE_SERVICES", "") in ("1", "true", "yes")


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def need(available: bool, what: str) -> None:
    """Skip (or, under FESTIVAL_REQUIRE_SERVICES, fail) when a real service is missing."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (FESTIVAL_REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} not available")


def need_postgres() -> None:
    need(_reachable(POSTGRES_URL, 5432), f"PostgreSQL at {POSTGRES_URL}")


def need_redis() -> None:
    need(_reachable(REDIS_URL, 6379), f"Redis at {REDIS_URL}")


def need_chromium() -> None:
    need(Path(CHROMIUM).exists(), f"chromium at {CHROMIUM} (FESTIVAL_TEST_CHROMIUM)")


def need_nginx() -> None:
    need(Path(NGINX).exists(), f"nginx at {NGINX} (FESTIVAL_TEST_NGINX)")


async def _admin(sql: str) -> None:
    import asyncpg

    dsn = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    need_postgres()
    name = f"festival_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    with fresh_postgres() as url:
        yield url


@pytest.fixture
def redis_url() -> str:
    need_redis()
    return REDIS_URL


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'festival.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each storage test runs once on SQLite and once on PostgreSQL."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await db.migrate()
    try:
        yield db
    finally:
        await db.dispose()
