"""What reading the festival costs each page and each live connection, with and without
the cache: the CPU of one read, in a session of its own, as a request makes it.

    python bench/festival_read_bench.py [--reads 500]

Runs on a throwaway SQLite database holding the reference programme. `read_festival` builds
the festival from the store every time; `FestivalCache.read` asks one small query whether it
changed and otherwise hands back the one it built before.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from festival.programme.loading import parse_programme  # noqa: E402
from festival.programme.model import Festival  # noqa: E402
from festival.storage.db import Database  # noqa: E402
from festival.storage.programme_repo import (  # noqa: E402
    FestivalCache,
    read_festival,
    save_programme,
)

PROGRAMME = ROOT / "schedules" / "agenda-sociaal-werk-2020.toml"
Read = Callable[[AsyncSession, str], Awaitable[Festival | None]]


async def cpu_per_read(db: Database, slug: str, read: Read, reads: int) -> float:
    """Milliseconds of CPU per read, best of three rounds (the machine may be shared)."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for _ in range(reads):
            async with db.session() as session:
                await read(session, slug)
        best = min(best, (time.process_time() - started) / reads * 1000)
    return best


async def main(reads: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{folder}/festival.db")
        await db.migrate()
        festival = parse_programme(PROGRAMME.read_text(), PROGRAMME.name)
        async with db.session() as session, session.begin():
            await save_programme(session, festival, source=str(PROGRAMME), now=datetime.now(UTC))
        cache = FestivalCache()
        try:
            plain = await cpu_per_read(db, festival.slug, read_festival, reads)
            cached = await cpu_per_read(db, festival.slug, cache.read, reads)
        finally:
            await db.dispose()
    sys.stdout.write(
        f"festival read, {reads} reads x 3, best round; Python {sys.version.split()[0]}\n"
        f"  read_festival         {plain:.2f} ms CPU per read\n"
        f"  FestivalCache.read    {cached:.2f} ms CPU per read\n"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=500)
    asyncio.run(main(parser.parse_args().reads))
