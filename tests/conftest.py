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
from tests.databases import POSTGRES_URL, admin, forget_prepared, prepare
from tests.proxy import NGINX

ROOT = Path(__file__).resolve().parent.parent
SCHEDULES = ROOT / "schedules"
REFERENCE = SCHEDULES / "agenda-sociaal-werk-2020.toml"

REDIS_URL = os.environ.get("FESTIVAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("FESTIVAL_TEST_CHROMIUM", "/usr/bin/chromium")
REQUIRE_SERVICES = os.environ.get("FESTIVAL_REQUIRE_SERVICES", "") in ("1", "true", "yes")

# The browser tests' fixtures (`browser`, `page`, `var_dir`), written once in tests/browser.py.
pytest_plugins = ["tests.browser"]


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


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    need_postgres()
    name = f"festival_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session", autouse=True)
def _prepared() -> Iterator[None]:
    """Remove the copies `prepare` kept, once every test of this process has run."""
    yield
    forget_prepared()


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


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def shared_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """As `database_url`, one database for all of a module's tests: for modules whose tests
    only read what their module fixture wrote, so none can see another's doings."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('shared') / 'festival.db'}"
        return
    with fresh_postgres() as url:
        yield url


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await db.migrate()
    finally:
        await db.dispose()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    # In a thread: `prepare` runs its own event loop, as the synchronous tests need.
    await asyncio.to_thread(prepare, database_url, "migrated", _migrate)
    db = Database(database_url)
    try:
        yield db
    finally:
        await db.dispose()
