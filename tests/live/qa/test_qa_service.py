"""The Q&A service and hub on SQLite and PostgreSQL, with a controlled clock: the Q&A follows
its programme block once per boundary, seq numbers have no gaps under concurrent writers, and
a viewer that cannot keep up is dropped without holding up the others."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from festival.bus import InProcessBus
from festival.live.hub import Hub, Listener, Outgoing
from festival.live.log import EventLog
from festival.live.qa_service import QaService
from festival.live.qa_views import AUDIENCE, MODERATOR, render_qa
from festival.programme.loading import parse_programme
from festival.programme.model import Festival
from festival.qa import (
    PROGRAMME_ACTOR,
    Outcome,
    QaChannel,
    approve,
    ask,
    close_qa,
    open_qa,
    pick,
    vote,
)
from festival.qa.channels import qa_channels
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


async def test_a_command_whose_caller_went_away_is_committed_before_the_service_settles(
    parts: tuple[Festival, QaService, Hub],
):
    festival, qa, _hub = parts
    slug = festival.slug
    deciding = asyncio.Event()

    def opening(state: QaChannel, _next_seq: int) -> Outcome:
        deciding.set()
        return open_qa(state, actor="moderator#1", now=LOADED)

    caller = asyncio.create_task(qa.run(slug, "plenary", opening))
    await deciding.wait()
    caller.cancel()  # a job stopped at shutdown: its group's commit goes on without it
    with pytest.raises(asyncio.CancelledError):
        await caller
    await qa.settle()  # what the app awaits before it closes the database

    seq, state = await qa.state(slug, "plenary")
    assert (seq, state.is_open) == (1, True)


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


class Connection:
    """The far side of a `Listener`: what it was sent, and whether it was closed. While
    `stuck`, a write does not go through and a send waits, as a server's do while the
    socket's buffer is full."""

    def __init__(self, *, stuck: bool = False) -> None:
        self.sent: list[int] = []  # the seq of each message
        self.texts: list[dict[str, Any]] = []
        self.closed = False
        self.writable = asyncio.Event()
        if not stuck:
            self.writable.set()
        self._changed = asyncio.Event()

    def write(self, message: Outgoing) -> bool:
        if not self.writable.is_set():
            return False
        self._note(message.text)
        return True

    async def send(self, message: Outgoing) -> None:
        await self.writable.wait()
        self._note(message.text)

    async def close(self) -> None:
        self.closed = True
        self._changed.set()

    def _note(self, text: str) -> None:
        self.texts.append(json.loads(text))
        self.sent.append(self.texts[-1]["seq"])
        self._changed.set()

    async def until(self, condition: Callable[[Connection], bool]) -> None:
        """Wait for the hub, which hears the bus in a task of its own, to have done its part."""
        async with asyncio.timeout(10):
            while not condition(self):
                self._changed.clear()
                await self._changed.wait()


ASKERS = itertools.count()


async def ask_many(qa: QaService, slug: str, now: datetime, count: int) -> None:
    """`count` questions, each by an asker of its own (an asker's rate is limited)."""
    for n in itertools.islice(ASKERS, count):
        await qa.run(
            slug,
            "plenary",
            lambda s, seq, n=n: ask(
                s, f"q{seq}", asker_id=f"r{n}", asker_name="P", text=f"V{n}", now=now
            ),
        )


async def open_plenary(parts: tuple[Festival, QaService, Hub]) -> tuple[str, datetime, int]:
    """The plenary's Q&A opened at its start: the festival, that moment, and the seq."""
    festival, qa, _hub = parts
    now = qa_channels(festival)["plenary"].start
    await qa.follow_programme(festival, now)
    return festival.slug, now, await qa.log.last(festival.slug, "plenary")


async def test_a_viewer_that_cannot_keep_up_is_dropped_and_the_others_get_everything(
    parts: tuple[Festival, QaService, Hub],
):
    _, qa, hub = parts
    slug, now, opened = await open_plenary(parts)
    slow, fast, public = Listener(MODERATOR, limit=5), Listener(MODERATOR), Listener(AUDIENCE)
    stuck, flowing, audience = Connection(stuck=True), Connection(), Connection()
    for listener, connection in ((slow, stuck), (fast, flowing), (public, audience)):
        await hub.join(slug, "plenary", listener)
        listener.start(connection, opened)

    await ask_many(qa, slug, now, 20)
    await flowing.until(lambda c: len(c.sent) == 20)
    await stuck.until(lambda c: c.closed)

    assert flowing.sent == list(range(opened + 1, opened + 21))
    assert slow.dropped is True
    assert stuck.closed is True
    assert stuck.sent == []
    assert hub.listeners(slug, "plenary") == 2
    # The public heard nothing: every question is still pending.
    assert public.dropped is False
    assert audience.sent == []


async def test_a_viewer_held_up_for_a_while_gets_everything_in_order(
    parts: tuple[Festival, QaService, Hub],
):
    _, qa, hub = parts
    slug, now, opened = await open_plenary(parts)
    held_up = Listener(MODERATOR, limit=30)
    connection = Connection(stuck=True)
    await hub.join(slug, "plenary", held_up)
    await ask_many(qa, slug, now, 3)  # before start: the opening is still being sent
    held_up.start(connection, opened + 1)  # … and it covered one

    await ask_many(qa, slug, now, 10)
    connection.writable.set()
    await ask_many(qa, slug, now, 2)
    await connection.until(lambda c: len(c.sent) >= 14)
    connection.writable.clear()  # stuck again, this time in the middle of sending one
    await ask_many(qa, slug, now, 3)
    connection.writable.set()
    await connection.until(lambda c: len(c.sent) >= 17)

    assert connection.sent == list(range(opened + 2, opened + 19))
    assert held_up.dropped is False
    assert connection.closed is False


async def test_votes_at_once_commit_together_a_refused_one_fails_alone_and_counts_coalesce(
    parts: tuple[Festival, QaService, Hub],
):
    _, qa, hub = parts
    slug, now, opened = await open_plenary(parts)
    await ask_many(qa, slug, now, 1)
    question = f"q{opened + 1}"
    await qa.run(slug, "plenary", lambda s, _n: approve(s, question, actor="m#1", now=now))
    watcher, screen = Listener(AUDIENCE), Connection()
    await hub.join(slug, "plenary", watcher)
    watcher.start(screen, opened + 2)

    def voting(voter: str) -> Callable[[QaChannel, int], Outcome]:
        return lambda s, _n: vote(s, question, voter_id=voter, now=now)

    runs = [qa.run(slug, "plenary", voting(f"r{n}")) for n in range(30)]
    runs.insert(10, qa.run(slug, "plenary", voting("r3")))  # a second vote, in the same rush
    outcomes = await asyncio.gather(*runs, return_exceptions=True)

    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert [getattr(r, "code", r) for r in refused] == ["qa.already_voted"]
    seqs = [e.seq for o in outcomes if not isinstance(o, BaseException) for e in o]
    assert sorted(seqs) == list(range(opened + 3, opened + 33))
    _, state = await qa.state(slug, "plenary")
    assert state.questions[question].votes == 30
    # The screen got the count once it was all in, not thirty messages.
    await screen.until(lambda c: bool(c.sent) and c.sent[-1] == opened + 32)
    assert len(screen.sent) <= 2


async def test_a_batch_the_opening_partly_covered_brings_only_the_rest(
    parts: tuple[Festival, QaService, Hub],
):
    _, qa, hub = parts
    slug, now, opened = await open_plenary(parts)
    await ask_many(qa, slug, now, 2)
    first, second = f"q{opened + 1}", f"q{opened + 2}"
    for question in (first, second):
        await qa.run(slug, "plenary", lambda s, _n, q=question: approve(s, q, actor="m", now=now))
    await qa.run(slug, "plenary", lambda s, _n: pick(s, first, actor="m", now=now))
    on_air = opened + 5
    listener, connection = Listener(MODERATOR), Connection()
    await hub.join(slug, "plenary", listener)

    # Picking the second takes the first off air: two events, one commit, one batch …
    await qa.run(slug, "plenary", lambda s, _n: pick(s, second, actor="m", now=now))
    listener.start(connection, on_air + 1)  # … of which the opening covered the first.
    await connection.until(lambda c: bool(c.sent))

    assert connection.sent == [on_air + 2]
    assert connection.texts[0]["event"]["type"] == "question.picked"
