"""A database whose disk is full, as each engine reports it, for the tests of what follows.

Not a test module. SQLite: every connection handed out while `full` is on gets
`PRAGMA max_page_count` set to the pages the file has now, so a write that needs one more
page fails with SQLITE_FULL ("database or disk is full"), exactly as on a full disk; off again
lifts the cap. PostgreSQL cannot be filled on demand here, so a trigger raises its disk-full
error (SQLSTATE 53100) for writes to the given tables, which reaches the service through
asyncpg and SQLAlchemy as the real one would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

SQLITE_MAX_PAGES = 1_073_741_823  # SQLite's default cap


class FullDisk:
    def __init__(self, url: str, tables: tuple[str, ...]) -> None:
        self.url = url
        self.tables = tables
        self.sqlite = make_url(url).get_backend_name() == "sqlite"
        self._full = False

    def _on_checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        if self._full:
            cursor.execute("PRAGMA page_count")
            (pages,) = cursor.fetchone()
            cursor.execute(f"PRAGMA max_page_count = {pages}")
        else:
            cursor.execute(f"PRAGMA max_page_count = {SQLITE_MAX_PAGES}")
        cursor.close()

    def fill(self) -> None:
        self._full = True
        if not self.sqlite:
            asyncio.run(
                self._postgres(_RAISE_DISK_FULL, *(_TRIGGER.format(t=t) for t in self.tables))
            )

    def free(self) -> None:
        self._full = False
        if not self.sqlite:
            asyncio.run(self._postgres(*(f"DROP TRIGGER disk_full ON {t}" for t in self.tables)))

    async def _postgres(self, *statements: str) -> None:
        dsn = self.url.replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncpg.connect(dsn)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()


_RAISE_DISK_FULL = """
CREATE OR REPLACE FUNCTION raise_disk_full() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full';
END $$ LANGUAGE plpgsql
"""
_TRIGGER = (
    "CREATE TRIGGER disk_full BEFORE INSERT OR UPDATE ON {t} "
    "FOR EACH ROW EXECUTE FUNCTION raise_disk_full()"
)


@contextmanager
def full_disk(url: str, *tables: str) -> Iterator[FullDisk]:
    """Yields the switch; the disk starts with room (call `fill`, then `free`)."""
    disk = FullDisk(url, tables)
    if disk.sqlite:
        event.listen(Engine, "checkout", disk._on_checkout)
    try:
        yield disk
    finally:
        if disk.sqlite:
            event.remove(Engine, "checkout", disk._on_checkout)
