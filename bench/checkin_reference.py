"""Reference for the check-in benchmark: a bare Starlette door that checks codes in.

    python bench/checkin_reference.py --port PORT --database URL --people FILE

FILE holds one `code<TAB>name` line per attendee; they are stored at start in a fresh table.
`POST /api/checkin` with `{"code": CODE}` looks the code up and, the first time, stores the
moment, in one transaction: `200 {"name", "checked_in_at", "first"}`, `404` for an unknown
code. `GET /api/checkin/search?q=…` answers the first 20 names holding `q` (case aside, in
SQL). URL is `sqlite:///FILE` (aiosqlite, one connection, BEGIN IMMEDIATE, WAL and
synchronous=NORMAL as festival sets them) or `postgresql://…` (an asyncpg pool of 20
connections, as festival's). It runs under uvicorn with the options `festival serve` gives
it, so the two differ only in what a check-in does: festival also checks a token, its rate
limit, the festival and the attendee's places.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CheckIn = Callable[[str], Awaitable[tuple[str, str, bool] | None]]
"""Checks a code in: (name, first moment, whether this was the first), None if unknown."""
Search = Callable[[str], Awaitable[list[str]]]

SCHEMA = """CREATE TABLE door (code TEXT PRIMARY KEY, name TEXT NOT NULL,
    folded TEXT NOT NULL, checked_in_at TEXT)"""


@contextlib.asynccontextmanager
async def sqlite_door(
    path: str, people: list[tuple[str, str]]
) -> AsyncIterator[tuple[CheckIn, Search]]:
    async with aiosqlite.connect(path, isolation_level=None) as db:
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA synchronous=NORMAL")
        await db.execute(SCHEMA)
        await db.executemany(
            "INSERT INTO door (code, name, folded) VALUES (?, ?, ?)",
            [(code, name, name.lower()) for code, name in people],
        )
        turn = asyncio.Lock()  # one connection: its transactions must not interleave

        async def check_in(code: str) -> tuple[str, str, bool] | None:
            async with turn:
                await db.execute("BEGIN IMMEDIATE")
                try:
                    cursor = await db.execute(
                        "SELECT name, checked_in_at FROM door WHERE code = ?", (code,)
                    )
                    row = await cursor.fetchone()
                    if row is None:
                        return None
                    name, at = row
                    if at is None:
                        at = datetime.now(UTC).isoformat()
                        await db.execute(
                            "UPDATE door SET checked_in_at = ? WHERE code = ?", (at, code)
                        )
                        return name, at, True
                    return name, at, False
                finally:
                    await db.execute("COMMIT")

        async def search(q: str) -> list[str]:
            cursor = await db.execute(
                "SELECT name FROM door WHERE folded LIKE ? ORDER BY folded LIMIT 20",
                (f"%{q.lower()}%",),
            )
            return [name for (name,) in await cursor.fetchall()]

        yield check_in, search


@contextlib.asynccontextmanager
async def postgres_door(
    url: str, people: list[tuple[str, str]]
) -> AsyncIterator[tuple[CheckIn, Search]]:
    pool = await asyncpg.create_pool(url, min_size=1, max_size=20)
    try:
        async with pool.acquire() as conn:
            await conn.execute(SCHEMA.replace("checked_in_at TEXT", "checked_in_at TIMESTAMPTZ"))
            await conn.executemany(
                "INSERT INTO door (code, name, folded) VALUES ($1, $2, $3)",
                [(code, name, name.lower()) for code, name in people],
            )

        async def check_in(code: str) -> tuple[str, str, bool] | None:
            async with pool.acquire() as conn, conn.transaction():
                row = await conn.fetchrow(
                    "SELECT name, checked_in_at FROM door WHERE code = $1 FOR UPDATE", code
                )
                if row is None:
                    return None
                if row["checked_in_at"] is None:
                    at = datetime.now(UTC)
                    await conn.execute(
                        "UPDATE door SET checked_in_at = $1 WHERE code = $2", at, code
                    )
                    return row["name"], at.isoformat(), True
                return row["name"], row["checked_in_at"].isoformat(), False

        async def search(q: str) -> list[str]:
            rows = await pool.fetch(
                "SELECT name FROM door WHERE folded LIKE $1 ORDER BY folded LIMIT 20",
                f"%{q.lower()}%",
            )
            return [row["name"] for row in rows]

        yield check_in, search
    finally:
        await pool.close()


def app(database: str, people: list[tuple[str, str]]) -> Starlette:
    door: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        opened = (
            sqlite_door(database.removeprefix("sqlite:///"), people)
            if database.startswith("sqlite:///")
            else postgres_door(database, people)
        )
        async with opened as (check_in, search):
            door["check_in"], door["search"] = check_in, search
            yield

    async def healthz(_: Request) -> Response:
        return JSONResponse({"ok": True})

    async def api_checkin(request: Request) -> Response:
        body = await request.json()
        found = await door["check_in"](str(body.get("code", "")))
        if found is None:
            return JSONResponse({"error": "unknown code"}, status_code=404)
        name, at, first = found
        return JSONResponse({"name": name, "checked_in_at": at, "first": first})

    async def api_search(request: Request) -> Response:
        names = await door["search"](request.query_params.get("q", ""))
        return JSONResponse({"people": [{"name": name} for name in names]})

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/api/checkin", api_checkin, methods=["POST"]),
            Route("/api/checkin/search", api_search),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--people", type=Path, required=True)
    args = parser.parse_args()
    people = [
        (code, name)
        for code, name in (line.split("\t", 1) for line in args.people.read_text().splitlines())
    ]
    uvicorn.run(
        app(args.database, people),
        host="127.0.0.1",
        port=args.port,
        log_level="info",  # an access log line per request, as festival writes
        http="httptools",
        timeout_keep_alive=5,
    )


if __name__ == "__main__":
    main()
