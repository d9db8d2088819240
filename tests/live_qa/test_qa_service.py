"""The Q&A service and hub on SQLite and PostgreSQL, with a controlled clock: the Q&A follows
its programme block once per boundary, seq numbers have no gaps under concurrent writers, and
a viewer that cannot keep up is dropped without holding up the others."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from festival.bus import InProcessBus
from festival.live.channels import qa_channels
from festival.live.hub import Hub, Listener
from festival.live.log import EventLog
from festival.live.qa_service import QaService
from festival.live.qa_views import AUDIENCE, MODERATOR, render_qa
from festival.programme.loading import parse_programme
from festival.programme.model import Festival
from festival.qa import PROGRAMME_ACTOR, ask, close_qa, open_qa
from festival.storage.db import Database
from festival.storage.programme_repo import save_programme
from tests.conftest import REFERENCE

LOADED = datetime(2020, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def parts(database_url: str) -> AsyncIterator[tuple[Festival, QaService, Hub]]:
    db = Database(database_url)
    await db.migrate()
    festival = parse_programme(REFERENCE.read_text(), "f.toml")
    async with db.session() as session, session.begin():
        await save_programme(session, festival, source="f", now=LOADED)
    bus = InProcessBus()
    await bus.start()
    log = EventLog(db)
    qa = QaService(log, bus)
    hub = Hub(bus, log, lambda _channel: render_qa)
    try:
        yield festival, qa, hub
    finally:
        await hub.close()
        await bus.close()
        await db.dispose()


async def test_the_qa_opens_and_closes_with_its_block_once_per_boundary(
    parts: tuple[Festival, QaService, Hub],
):
    festival, qa, _hub = parts
    plenary = qa_channels(festival)["plenary"]
    slug = festival.slug

    await qa.follow_programme(festival, plenary.start - timedelta(minutes=1))
    assert (await qa.state(slug, "plenary"))[1].is_open is False

    await qa.follow_programme(festival, plenary.start)
    seq, state = await qa.state(slug, "plenary")
    assert state.is_open is True
    assert (await qa.log.after(slug, "plenary", 0))[-1].actor == PROGRAMME_ACTOR

    # A moderator closes by hand during the block; the programme does not reopen it …
    later = plenary.start + timedelta(minutes=5)
    await qa.run(slug, "plenary", lambda s, _n: close_qa(s, actor="moderator#1", now=later))
    await qa.follow_programme(festival, later + timedelta(minutes=1))
    assert (await qa.state(slug, "plenary"))[1].is_open is False
    # … and reopening by hand holds until the block ends, when it closes.
    await qa.run(slug, "plenary", lambda s, _n: open_qa(s, actor="moderator#1", now=later))
    await qa.follow_programme(festival, plenary.end)
    assert (await qa.state(slug, "plenary"))[1].is_open is False
    # Following again (a replan, another instance) adds nothing.
    before = await qa.log.last(slug, "plenary")
    await qa.follow_programme(festival, plenary.end + timedelta(minutes=1))
    assert await qa.log.last(slug, "plenary") == before
    assert seq < before


async def test_concurrent_askers_get_gap_free_sequence_numbers(
    parts: tuple[Festival, QaService, Hub],
):
    festival, qa, _hub = parts
    plenary = qa_channels(festival)["plenary"]
    now = plenary.start
    await qa.follow_programme(festival, now)

    async def one(n: int) -> int:
        stored = await qa.run(
            festival.slug,
            "plenary",
            lambda s, seq: ask(
                s, f"q{seq}", asker_id=f"r{n}", asker_name=f"P{n}", text="Vraag", now=now
            ),
        )
        return stored[0].seq

    seqs = await asyncio.gather(*(one(n) for n in range(40)))
    assert sorted(seqs) == list(range(2, 42))
    _, state = await qa.state(festival.slug, "plenary")
    assert len(state.questions) == 40


async def test_a_viewer_that_cannot_keep_up_is_dropped_and_the_others_get_everything(
    parts: tuple[Festival, QaService, Hub],
):
    festival, qa, hub = parts
    slug = festival.slug
    now = qa_channels(festival)["plenary"].start
    await qa.follow_programme(festival, now)
    slow = Listener(MODERATOR, limit=5)
    fast = Listener(MODERATOR)
    public = Listener(AUDIENCE)
    for listener in (slow, fast, public):
        await hub.join(slug, "plenary", listener)

    received: list[int] = []

    async def read() -> None:
        while len(received) < 20:
            item = await fast.next()
            assert item is not None
            received.append(item[0])

    reader = asyncio.create_task(read())
    for n in range(20):
        await qa.run(
            slug,
            "plenary",
            lambda s, seq, n=n: ask(
                s, f"q{seq}", asker_id=f"r{n}", asker_name="P", text=f"V{n}", now=now
            ),
        )
    await asyncio.wait_for(reader, 10)
    assert received == sorted(received)
    assert len(set(received)) == 20
    assert slow.dropped is True
    assert await slow.next() is None
    assert hub.listeners(slug, "plenary") == 2
    # The public heard nothing: every question is still pending.
    assert public.dropped is False
