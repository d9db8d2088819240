"""Engine, sessions and schema migrations for SQLite (embedded) and PostgreSQL (scaled).

`storage_trouble` is the one place that recognises a database that cannot write now (a full
or read-only disk, an I/O error), on either engine; callers answer it as StorageUnavailable.
`pool_exhausted` recognises a query that waited its pool's whole timeout for a connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from festival.errors import StorageUnavailable

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any fixed number: instances starting together take turns at migrating (PostgreSQL).
_MIGRATION_LOCK = 472_019_001
T = TypeVar("T")
WRITER_WAIT = 30.0
"""Seconds a write waits for SQLite's one writer connection (as long as the busy timeout);
then it fails as "busy" (503), like a write that waited out the busy timeout."""


class Database:
    """One engine and its session factory; `migrate()` brings the schema to the newest."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        options: dict[str, Any] = {}
        if self.is_sqlite:
            if self.url.database and self.url.database != ":memory:":
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            # Writers queue on SQLite's single lock instead of failing at once.
            options["connect_args"] = {"timeout": 30}
        else:
            options["pool_pre_ping"] = True
            # A registration rush queues on row locks while holding its connection; a pool of
            # 20 lets more of the queue wait in the database, and a minute keeps a burst of
            # hundreds from failing at the pool while it drains (tests/web/test_concurrency.py).
            options.update(pool_size=10, max_overflow=10, pool_timeout=60)
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        self.write_engine = self.engine
        self._at_once: Engine | None = None
        self._at_once_thread: ThreadPoolExecutor | None = None
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            # Writes that read-then-decide (capacity!) take SQLite's write lock up front with
            # BEGIN IMMEDIATE. SQLite has one writer at a time anyway, so this process keeps
            # one connection for them and its writers queue for it in order: several
            # connections would queue on the busy timeout instead, whose sleeps (up to 100 ms
            # each) cost a rush most of its time. Another process (the CLI) still takes its
            # turn through the busy timeout.
            writer_options = dict(options)
            if self.url.database and self.url.database != ":memory:":
                writer_options.update(pool_size=1, max_overflow=0, pool_timeout=WRITER_WAIT)
                # `at_once` transactions: SQLite without a driver thread in between, in a
                # thread of their own (see `at_once`).
                self._at_once = create_engine(
                    self.url.set(drivername="sqlite"),
                    pool_size=1,
                    max_overflow=0,
                    connect_args={"timeout": 30, "check_same_thread": False},
                )
                event.listen(self._at_once, "connect", _sqlite_manual_begin)
                event.listen(self._at_once, "begin", _sqlite_begin_immediate)
                self._at_once_thread = ThreadPoolExecutor(1, "festival-sqlite-writer")
            self.write_engine = create_async_engine(self.url, **writer_options)
            event.listen(self.write_engine.sync_engine, "connect", _sqlite_manual_begin)
            event.listen(self.write_engine.sync_engine, "begin", _sqlite_begin_immediate)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.writers = async_sessionmaker(self.write_engine, expire_on_commit=False)

    @property
    def engines(self) -> list[Engine]:
        """Every engine a transaction of this database may run on (for their events)."""
        engines = [self.engine.sync_engine]
        if self.write_engine is not self.engine:
            engines.append(self.write_engine.sync_engine)
        if self._at_once is not None:
            engines.append(self._at_once)
        return engines

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def session(self) -> AsyncSession:
        """For reads, and writes that decide nothing from what they read."""
        return self.sessions()

    def writer(self) -> AsyncSession:
        """For read-decide-write transactions. On PostgreSQL, lock rows (FOR UPDATE) too."""
        return self.writers()

    async def at_once(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one write transaction (as `writer`: read, decide and write), in one
        go: for the busiest writes, made of few Core statements (a registration).

        Through aiosqlite every statement is several hand-offs between the event loop and
        the connection's thread, and those, not SQLite, are most of a short transaction's
        cost; here the whole transaction is one hand-off to a thread that runs it on a
        connection of its own. On PostgreSQL `work` runs on the event loop (its statements
        still wait for the server without blocking it)."""
        if self._at_once is None or self._at_once_thread is None:
            async with self.write_engine.begin() as conn:
                return await conn.run_sync(work)
        engine = self._at_once

        def transaction() -> T:
            with engine.begin() as conn:
                return work(conn)

        return await asyncio.get_running_loop().run_in_executor(self._at_once_thread, transaction)

    async def migrate(self) -> None:
        if self.is_sqlite:
            await self._migrate_sqlite()
            return
        async with self.engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            await conn.run_sync(_upgrade)

    async def _migrate_sqlite(self) -> None:
        """Migrate with foreign keys off, as SQLite's own recipe for changing a table says:
        a rebuilt table (batch mode) replaces the old one by DROP TABLE, which with foreign
        keys on would first delete every row and cascade into the tables that refer to it.
        The pragma only takes effect outside a transaction; references are checked at the end."""
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.commit()
            try:
                async with conn.begin():
                    await conn.run_sync(_upgrade)
                    broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                    if broken:
                        raise RuntimeError(f"migration left broken references: {broken[:5]}")
            finally:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()

    async def settle_erasure(self) -> bool:
        """After an erasure commits: on SQLite, copy the write-ahead log into the database
        and empty it (TRUNCATE). The log still holds every earlier version of the pages that
        held the person, name and address included, until it is checkpointed; the copied
        pages are the erased ones (secure_delete zeroed what was deleted). The checkpoint
        waits up to the busy timeout (30 s) for readers; if one still holds an older
        snapshot it cannot finish, returns False, and the log's old frames stay until the
        next checkpoint (SQLite's own, at 1,000 pages, or the next erasure) overwrites or
        truncates them. PostgreSQL: nothing here; its dead rows go with VACUUM, which is the
        operator's (autovacuum by default). True when nothing is left behind here."""
        if not self.is_sqlite:
            return True
        # Outside any transaction: a connection holding one could not checkpoint past it.
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            result = await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = result.one()[0]  # then the log's size and the pages copied
        return bool(busy == 0)

    async def dispose(self) -> None:
        if self._at_once is not None and self._at_once_thread is not None:
            await asyncio.get_running_loop().run_in_executor(
                self._at_once_thread, self._at_once.dispose
            )
            self._at_once_thread.shutdown()
        await self.engine.dispose()
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()


def pool_exhausted(error: BaseException) -> bool:
    """Every connection of the pool stayed busy for its whole timeout: try again later."""
    return isinstance(error, PoolTimeout)


def _upgrade(connection: Connection) -> None:
    # Alembic is imported here, not at the top: it is a third of a second of imports that
    # every CLI command and test subprocess would pay, and only a migration needs it.
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one writer commits; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows are overwritten with zeros, not just unlinked: erasing a person must not
    # leave their name readable in free pages of the file (docs/api.md, erasure).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_manual_begin(dbapi_connection: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_connection, record)
    dbapi_connection.isolation_level = None  # the driver must not send its own BEGIN


def _sqlite_begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_TROUBLE = {
    # Another writer held the lock past the 30 s busy timeout (a long export, a stuck process).
    5: "the database is busy with other writes",  # SQLITE_BUSY
    8: "the database is read-only",  # SQLITE_READONLY
    10: "the database's disk cannot be read or written",  # SQLITE_IOERR
    13: "the database's disk is full",  # SQLITE_FULL
    14: "the database file cannot be opened",  # SQLITE_CANTOPEN
}
# PostgreSQL SQLSTATEs.
_POSTGRES_TROUBLE = {
    "53100": "the database's disk is full",  # disk_full
    "58030": "the database's disk cannot be read or written",  # io_error
    "25006": "the database is read-only",  # read_only_sql_transaction (e.g. a standby)
}


_SQLITE_MESSAGES = {
    "database is locked": 5,
    "database or disk is full": 13,
    "attempt to write a readonly database": 8,
    "disk I/O error": 10,
}


def storage_trouble(error: BaseException) -> StorageUnavailable | None:
    """The database cannot write now for a reason outside the request, or None. Looks
    through SQLAlchemy's wrapper and the exception's causes."""
    seen: BaseException | None = error
    visited: set[int] = set()
    while seen is not None and id(seen) not in visited:
        visited.add(id(seen))
        if isinstance(seen, StorageUnavailable):
            return seen
        if isinstance(seen, PoolTimeout):  # no connection free within the pool's timeout
            return StorageUnavailable(_SQLITE_TROUBLE[5])
        orig = seen.orig if isinstance(seen, DBAPIError) else seen
        sqlite_code = getattr(orig, "sqlite_errorcode", None)
        if not isinstance(sqlite_code, int) and type(orig).__module__ == "sqlite3":
            sqlite_code = _SQLITE_MESSAGES.get(str(orig))
        if isinstance(sqlite_code, int) and (sqlite_code & 0xFF) in _SQLITE_TROUBLE:
            return StorageUnavailable(_SQLITE_TROUBLE[sqlite_code & 0xFF])
        sqlstate = getattr(orig, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate in _POSTGRES_TROUBLE:
            return StorageUnavailable(_POSTGRES_TROUBLE[sqlstate])
        seen = seen.__cause__ or seen.__context__
    return None
