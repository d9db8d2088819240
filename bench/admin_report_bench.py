"""What the admin page costs with a big day's live log behind its report: the CPU of one load
of `/admin` while the log stays as it is (the report's live part kept from the load before,
`festival.report.cache`) against one load after the log grew by a question (read and replayed
again, as every load did before the cache).

    python bench/admin_report_bench.py [--questions 5000] [--loads 10]

Runs the app in process (Starlette's TestClient) on a throwaway SQLite database holding the
reference programme, with QUESTIONS plenary questions asked and approved (two events each,
made by the real Q&A rules) stored in its log.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from festival.clock import FixedClock  # noqa: E402
from festival.config import Settings  # noqa: E402
from festival.programme.loading import parse_programme  # noqa: E402
from festival.programme.model import PLENARY  # noqa: E402
from festival.qa import rules  # noqa: E402
from festival.qa.model import QaChannel, QaEvent  # noqa: E402
from festival.qa.records import event_body  # noqa: E402
from festival.storage.db import Database  # noqa: E402
from festival.storage.live_repo import NewEvent, append, lock_channel  # noqa: E402
from festival.storage.programme_repo import festival_id_of, save_programme  # noqa: E402
from festival.storage.token_repo import create_token  # noqa: E402
from festival.web.app import create_app  # noqa: E402

PROGRAMME = ROOT / "schedules" / "agenda-sociaal-werk-2020.toml"
AT = datetime(2020, 11, 19, 12, 0, tzinfo=UTC)
MODERATOR = "moderator#1"


def questions(state: QaChannel, first: int, count: int) -> tuple[QaChannel, list[QaEvent]]:
    """`count` more questions asked and approved, numbered from `first`."""
    events: list[QaEvent] = []
    for n in range(first, first + count):
        at = AT + timedelta(seconds=n)
        asked = rules.ask(state, f"q{n}", asker_id=f"r{n}", asker_name="A", text="Vraag", now=at)
        approved = rules.approve(asked.state, f"q{n}", actor=MODERATOR, now=at)
        state = approved.state
        events += [*asked.events, *approved.events]
    return state, events


async def store(url: str, slug: str, events: list[QaEvent]) -> None:
    db = Database(url)
    try:
        async with db.session() as session, session.begin():
            festival_id = await festival_id_of(session, slug)
            after = await lock_channel(session, festival_id, PLENARY)
            stored = [NewEvent(e.type.value, e.actor, e.at, event_body(e)) for e in events]
            await append(session, festival_id, PLENARY, after, stored)
    finally:
        await db.dispose()


async def prepared(url: str) -> tuple[str, str]:
    """The reference programme loaded and an admin token for it: (slug, secret)."""
    db = Database(url)
    try:
        await db.migrate()
        festival = parse_programme(PROGRAMME.read_text(encoding="utf-8"), PROGRAMME.name)
        async with db.session() as session, session.begin():
            await save_programme(session, festival, source=str(PROGRAMME), now=AT)
            _, secret = await create_token(
                session, festival.slug, "admin", channel=None, label="bench", now=AT
            )
        return festival.slug, secret
    finally:
        await db.dispose()


def cpu_ms(client: TestClient, secret: str) -> float:
    started = time.process_time()
    response = client.get("/admin", headers={"Authorization": f"Bearer {secret}"})
    spent = (time.process_time() - started) * 1000
    assert response.status_code == 200, response.text
    return spent


def main(count: int, loads: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/festival.db"
        slug, secret = asyncio.run(prepared(url))
        opened = rules.open_qa(QaChannel(PLENARY), actor=MODERATOR, now=AT)
        state, events = questions(opened.state, 0, count)
        asyncio.run(store(url, slug, [*opened.events, *events]))
        settings = Settings(database_url=url, var_dir=folder)
        with TestClient(create_app(settings, clock=FixedClock(AT))) as client:
            cpu_ms(client, secret)  # the first load replays the log
            kept = [cpu_ms(client, secret) for _ in range(loads)]
            grown = []
            for n in range(loads):
                state, more = questions(state, count + n, 1)
                asyncio.run(store(url, slug, more))
                grown.append(cpu_ms(client, secret))
    sys.stdout.write(
        f"/admin with {2 * count + 1} live events, {loads} loads each, median CPU; "
        f"Python {sys.version.split()[0]}\n"
        f"  log unchanged (kept)    {statistics.median(kept):.0f} ms CPU per load\n"
        f"  log grew (replayed)     {statistics.median(grown):.0f} ms CPU per load\n"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=5000)
    parser.add_argument("--loads", type=int, default=10)
    arguments = parser.parse_args()
    main(arguments.questions, arguments.loads)
