"""Throwaway PostgreSQL databases for the benchmarks that run on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
"""A database on the server to create the throwaway ones from (the tests' own)."""


async def _admin(admin_url: str, sql: str) -> None:
    # CREATE and DROP DATABASE cannot run inside a transaction.
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


@contextmanager
def database(admin_url: str = ADMIN_URL, *, template: str | None = None) -> Iterator[str]:
    """A new database beside the one `admin_url` names (a copy of `template`'s, a URL,
    which nobody may be connected to meanwhile); its URL. Dropped afterwards."""
    name = f"festival_bench_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
