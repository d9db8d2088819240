"""Reference for the registration benchmark: a bare Starlette server that stores a registration.

    python bench/registration_reference.py --port PORT --database URL

`POST /api/registrations` with a JSON object holding `name` and `email` commits one row per
request in its own transaction and answers 201 with the row's id (400 for a body without
them, 200 for an address stored already). URL is `sqlite:///FILE` (aiosqlite: one connection,
its transactions taken in turn with BEGIN IMMEDIATE, WAL and synchronous=NORMAL as festival
sets them) or `postgresql://…` (an asyncpg pool of 20 connections, as many as festival's).
It runs under uvicorn with the options `festival serve` gives it (httptools, 5 s keep-alive,
an access log line per request), so the two differ only in what a registration does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aiosqlite
import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Store = Callable[[str, str, str], Awaitable[int | None]]
"""Stores (name, email, organisation); the new row's id, or None when the address is taken."""

SQLITE_SCHEMA = """CREATE TABLE IF NOT EXISTS registrations (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE,
    organisation TEXT NOT NULL, created_at TEXT NOT NULL)"""
POSTGRES_SCHEMA = """CREATE TABLE IF NOT EXISTS registrations (
    id SERIAL PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE,
    organisation TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)"""


@contextlib.asynccontextmanager
async def sqlite_store(path: str) -> AsyncIterator[Store]:
    async with aiosqlite.connect(path, isolation_level=None) as db:
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA synchronous=NORMAL")
        await db.execute(SQLITE_SCHEMA)
        turn = asyncio.Lock()  # one connection: its transactions must not interleave

        async def store(name: str, email: str, organisation: str) -> int | None:
            async with turn:
                await db.execute("BEGIN IMMEDIATE")
                try:
                    cursor = await db.execute(
                        "INSERT INTO registrations (name, email, organisation, created_at) "
                        "VALUES (?, ?, ?, ?)",
                        (name, email, organisation, datetime.now(UTC).isoformat()),
                    )
                    await db.execute("COMMIT")
                except sqlite3.IntegrityError:
                    await db.execute("ROLLBACK")
                    return None
                return cursor.lastrowid

        yield store


@contextlib.asynccontextmanager
async def postgres_store(url: str) -> AsyncIterator[Store]:
    async with asyncpg.create_pool(url, min_size=1, max_size=20) as pool:
        await pool.execute(POSTGRES_SCHEMA)

        async def store(name: str, email: str, organisation: str) -> int | None:
            async with pool.acquire() as conn, conn.transaction():
                row_id: int | None = await conn.fetchval(
                    "INSERT INTO registrations (name, email, organisation, created_at) "
                    "VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING RETURNING id",
                    name, email, organisation, datetime.now(UTC),
                )  # fmt: skip
                return row_id

        yield store


def create_app(database: str) -> Starlette:
    stores: list[Store] = []

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if database.startswith("sqlite:///"):
            opened = sqlite_store(database.removeprefix("sqlite:///"))
        else:
            opened = postgres_store(database)
        async with opened as store:
            stores.append(store)
            yield

    async def register(request: Request) -> Response:
        data: Any = await request.json()
        if not isinstance(data, dict) or not all(
            isinstance(data.get(key), str) and data[key] for key in ("name", "email")
        ):
            return JSONResponse({"error": "name and email are required"}, status_code=400)
        row_id = await stores[0](data["name"], data["email"], str(data.get("organisation", "")))
        if row_id is None:
            return JSONResponse({"status": "exists"}, status_code=200)
        return JSONResponse({"id": row_id, "email": data["email"]}, status_code=201)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    routes = [
        Route("/api/registrations", register, methods=["POST"]),
        Route("/healthz", healthz),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True, help="sqlite:///FILE or postgresql://…")
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.database),
        host="127.0.0.1",
        port=args.port,
        log_level="info",
        http="httptools",
        timeout_keep_alive=5,
    )


if __name__ == "__main__":
    main()
