"""Databases for the tests: the PostgreSQL server's administration, and databases prepared
once per test process and copied for every test that starts from the same state.

Not a test module, and imported only as `tests.databases` (never from a conftest's own name),
so every test of a process shares its one set of prepared copies.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get(
    "FESTIVAL_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


async def admin(sql: str) -> None:
    """Run `sql` on the server's test database: creating and dropping databases."""
    import asyncpg

    dsn = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


# Databases built once per test process and copied for every test that starts from the same
# state. Migrating a new database takes a second or more and loading the four schedules about
# as long again, which hundreds of tests paid each; a copy takes a small part of that. The
# copy is what building it again would give: the build is the ordinary one, the first time.
_SNAPSHOT_FILES: dict[str, Path] = {}  # SQLite: a copy of the database file, by state
_SNAPSHOT_TEMPLATES: dict[str, str] = {}  # PostgreSQL: a template database, by state
_SNAPSHOT_DIR = Path(tempfile.gettempdir()) / f"festival-snapshots-{os.getpid()}"


def _is_new(url: str) -> bool:
    """Nothing written yet: no SQLite file, or a PostgreSQL database without tables."""
    address = make_url(url)
    if address.get_backend_name() == "sqlite":
        return (
            address.database not in (None, "", ":memory:")
            and not Path(address.database or "").exists()
        )

    async def count() -> int:
        import asyncpg

        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            found: int = await conn.fetchval(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            )
        finally:
            await conn.close()
        return found

    return asyncio.run(count()) == 0


def prepare(url: str, state: str, build: Callable[[str], Awaitable[None]]) -> None:
    """Run `build(url)`; where the database at `url` is new and `build` ran before on a new
    one for the same `state` (a name saying what `build` makes), copy that result instead.

    `build` must leave no connection open: its result is copied from the file or database."""
    if not _is_new(url):
        asyncio.run(build(url))
        return
    address = make_url(url)
    if address.get_backend_name() == "sqlite":
        target = Path(address.database or "")
        if state not in _SNAPSHOT_FILES:
            asyncio.run(build(url))
            assert not target.with_name(f"{target.name}-wal").exists()  # all in the one file
            _SNAPSHOT_DIR.mkdir(exist_ok=True)
            _SNAPSHOT_FILES[state] = _SNAPSHOT_DIR / f"{len(_SNAPSHOT_FILES)}.db"
            shutil.copyfile(target, _SNAPSHOT_FILES[state])
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_SNAPSHOT_FILES[state], target)
        return
    name = address.database
    if state not in _SNAPSHOT_TEMPLATES:
        asyncio.run(build(url))
        template = f"festival_snapshot_{uuid.uuid4().hex[:12]}"
        asyncio.run(admin(f'CREATE DATABASE "{template}" TEMPLATE "{name}"'))
        _SNAPSHOT_TEMPLATES[state] = template
        return
    asyncio.run(admin(f'DROP DATABASE "{name}" WITH (FORCE)'))
    asyncio.run(admin(f'CREATE DATABASE "{name}" TEMPLATE "{_SNAPSHOT_TEMPLATES[state]}"'))


def forget_prepared() -> None:
    """Remove the copies `prepare` kept (at the end of a test process)."""
    for template in _SNAPSHOT_TEMPLATES.values():
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
    _SNAPSHOT_TEMPLATES.clear()
    _SNAPSHOT_FILES.clear()
    shutil.rmtree(_SNAPSHOT_DIR, ignore_errors=True)
