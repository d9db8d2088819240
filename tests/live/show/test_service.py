"""The show service on both databases: actions stored with gap-free seqs, two hosts (and two
instances) at once, the show rebuilt from the store, and what follows a delay: the plenary's
reminder moves, and calendars are updated only past the festival's threshold."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

import pytest
from sqlalchemy import select

from festival.bus import Bus, InProcessBus, make_bus
from festival.clock import FixedClock
from festival.errors import FestivalError
from festival.live.log import EventLog
from festival.live.qa_service import Command as QaCommand
from festival.live.qa_service import QaService
from festival.live.show_service import Command, ShowService
from festival.live.show_views import event_of
from festival.programme.model import Festival
from festival.qa import ask, open_qa
from festival.registration.service import register
from festival.scheduling import Scheduler
from festival.show import (
    Show,
    ShowError,
    end_show,
    extend_block,
    go_live,
    next_block,
    replay,
    reset_show,
    start_block,
)
from festival.storage.db import Database
from festival.storage.live_repo import events_after
from festival.storage.programme_repo import festival_id_of, read_festival
from festival.storage.registration_repo import RegistrationSql
from festival.storage.tables import InviteStateRow, OutboxRow
from tests.conftest import REFERENCE
from tests.mail import invites, text_of
from tests.mailing.test_delivery import SLUG, load, person, sender

PLANNED = datetime(2020, 11, 19, 12, 30, tzinfo=UTC)  # 13:30 in Amsterdam
PLANNED_END = datetime(2020, 11, 19, 14, 15, tzinfo=UTC)
BEFORE = datetime(2020, 11, 1, 9, 0, tzinfo=UTC)
HOST = "host#1"


@pytest.fixture
async def buses() -> AsyncIterator[list[InProcessBus]]:
    started: list[InProcessBus] = []
    yield started
    for bus in started:
        await bus.close()


async def instance(db: Database, buses: list[InProcessBus]) -> ShowService:
    """One instance's show service, with its own memory of the show and its own bus."""
    log = EventLog(db)
    bus = InProcessBus()
    await bus.start()
    buses.append(bus)
    return ShowService(log, bus, QaService(log, bus))


async def festival_of(db: Database) -> Festival:
    async with db.session() as session:
        festival = await read_festival(session, SLUG)
    assert festival is not None
    return festival


@pytest.fixture
async def loaded(database: Database) -> Database:
    await load(database, REFERENCE.read_text(), BEFORE)
    return database


async def run(shows: ShowService, db: Database, at: datetime, command: Command) -> int:
    stored = await shows.run(await festival_of(db), command, now=at)
    return len(stored)


async def test_two_instances_pressing_next_together_advance_one_block(
    loaded: Database, buses: list[InProcessBus]
):
    first, second = await instance(loaded, buses), await instance(loaded, buses)
    at = PLANNED
    await run(first, loaded, at, lambda s: go_live(s, at=at, by=HOST))
    await run(second, loaded, at, lambda s: start_block(s, "start-plenair", at=at, by=HOST))
    festival = await festival_of(loaded)
    later = at + timedelta(minutes=5)

    results = await asyncio.gather(
        *(
            shows.run(
                festival, lambda s: next_block(s, "start-plenair", at=later, by=HOST), now=later
            )
            for shows in (first, second)
        ),
        return_exceptions=True,
    )

    stored = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if isinstance(r, FestivalError)]
    assert [len(s) for s in stored] == [2]  # block.ended + block.started
    assert [(type(e), e.code) for e in refused] == [(ShowError, "show.not_running")]
    async with loaded.session() as session:
        rows = await events_after(session, await festival_id_of(session, SLUG), "show", 0)
    assert [r.seq for r in rows] == [1, 2, 3, 4]
    seen = [await shows.state(festival) for shows in (first, second, await instance(loaded, buses))]
    assert {seq for seq, _ in seen} == {4}
    assert seen[0][1] == seen[1][1] == seen[2][1]
    current = seen[0][1].current
    assert current is not None
    assert current.id == "welkomstwoord"


async def test_show_from_the_store_is_the_show_the_actions_built(
    loaded: Database, buses: list[InProcessBus]
):
    shows = await instance(loaded, buses)
    at = PLANNED
    built: Show | None = None
    for step in (
        lambda s: go_live(s, at=at, by=HOST),
        lambda s: start_block(s, "start-plenair", at=at, by=HOST),
        lambda s: extend_block(s, "start-plenair", 3, at=at + timedelta(minutes=1), by=HOST),
        lambda s: next_block(s, "start-plenair", at=at + timedelta(minutes=8), by=HOST),
    ):
        await run(shows, loaded, at, step)
    _, built = await shows.state(await festival_of(loaded))

    festival = await festival_of(loaded)
    async with loaded.session() as session:
        rows = await events_after(session, await festival_id_of(session, SLUG), "show", 0)
    assert festival.plenary is not None
    assert replay(festival.plenary, [event_of(r.body) for r in rows]) == built
    assert [r.actor for r in rows] == [HOST] * 5


def scheduler_for(db: Database, clock: FixedClock, shows: ShowService) -> Scheduler:
    scheduler = Scheduler(db, clock, show=shows)
    scheduler.jobs.start(paused=True)
    return scheduler


def reminder_job(scheduler: Scheduler) -> datetime:
    job = scheduler.jobs.get_job(f"remind:{SLUG}:plenary:{PLANNED.isoformat()}")
    assert job is not None
    moment: datetime = job.next_run_time
    return moment


async def test_plenary_reminder_follows_an_early_start_once(
    loaded: Database, buses: list[InProcessBus], smtp
):
    inbox, url = smtp
    await register(RegistrationSql(loaded), SLUG, person(1), now=BEFORE)
    await register(RegistrationSql(loaded), SLUG, person(2, language="en"), now=BEFORE)
    await sender(loaded, url, FixedClock(BEFORE)).deliver_due()
    inbox.messages.clear()
    shows = await instance(loaded, buses)
    clock = FixedClock(PLANNED - timedelta(minutes=40))  # 12:50 in Amsterdam
    scheduler = scheduler_for(loaded, clock, shows)
    try:
        await scheduler.plan()
        planned_job = reminder_job(scheduler)
        early = PLANNED - timedelta(minutes=25)
        clock.set(early)
        await run(shows, loaded, early, lambda s: go_live(s, at=early, by=HOST))
        await run(
            shows, loaded, early, lambda s: start_block(s, "start-plenair", at=early, by=HOST)
        )
        await scheduler.plan()
        moved_job = reminder_job(scheduler)
        await scheduler.remind(SLUG, "plenary", PLANNED)
        await scheduler.remind(SLUG, "plenary", PLANNED)  # a replan running it again
        await sender(loaded, url, clock).deliver_due()
    finally:
        await scheduler.stop()

    assert planned_job == PLANNED - timedelta(minutes=15)
    assert moved_job == early  # its moment has come: now
    subjects = sorted((parseaddr(str(m["To"]))[1], str(m["Subject"])) for m in inbox.messages)
    assert subjects == [
        # 25 minutes early is past the threshold: calendars move too.
        ("persoon1@example.org", "Gewijzigd: Middagprogramma"),
        ("persoon1@example.org", "Zo meteen: Middagprogramma"),
        ("persoon2@example.org", "Changed: Middagprogramma"),
        ("persoon2@example.org", "Starting soon: Middagprogramma"),
    ]


async def invite_sequences(db: Database) -> list[int]:
    async with db.session() as session:
        rows = await session.scalars(
            select(InviteStateRow.sequence).where(InviteStateRow.entry_key == "plenary")
        )
        return sorted(rows)


async def test_calendar_updated_only_past_the_threshold(
    loaded: Database, buses: list[InProcessBus], smtp
):
    inbox, url = smtp
    await register(RegistrationSql(loaded), SLUG, person(1), now=BEFORE)
    await sender(loaded, url, FixedClock(BEFORE)).deliver_due()
    inbox.messages.clear()
    shows = await instance(loaded, buses)
    clock = FixedClock(PLANNED)
    scheduler = scheduler_for(loaded, clock, shows)
    try:
        await run(shows, loaded, PLANNED, lambda s: go_live(s, at=PLANNED, by=HOST))
        await run(
            shows, loaded, PLANNED, lambda s: start_block(s, "start-plenair", at=PLANNED, by=HOST)
        )
        await run(
            shows,
            loaded,
            PLANNED,
            lambda s: extend_block(s, "start-plenair", 9, at=PLANNED, by=HOST),
        )
        await scheduler.plan()
        below = await invite_sequences(loaded)
        festival_below = await festival_of(loaded)

        await run(
            shows,
            loaded,
            PLANNED,
            lambda s: extend_block(s, "start-plenair", 3, at=PLANNED, by=HOST),
        )
        await scheduler.plan()
        await scheduler.plan()  # the same shift is announced once
        past = await invite_sequences(loaded)
        festival_past = await festival_of(loaded)
        await sender(loaded, url, clock).deliver_due()
    finally:
        await scheduler.stop()

    assert below == [0]  # 9 minutes late: calendars keep their times
    assert festival_below.plenary is not None
    assert festival_below.plenary.end == PLANNED_END
    assert past == [1]  # 12 minutes late: one update, SEQUENCE 1
    assert festival_past.plenary is not None
    assert festival_past.plenary.plan == (PLANNED, PLANNED_END)
    assert festival_past.plenary.end == PLANNED_END + timedelta(minutes=12)
    [(method, calendar, _)] = invites(inbox)
    event = calendar.walk("VEVENT")[0]
    assert method == "REQUEST"
    assert event.decoded("sequence") == 1
    assert event.decoded("dtstart") == PLANNED
    assert event.decoded("dtend") == PLANNED_END + timedelta(minutes=12)
    assert "gewijzigd" in text_of(inbox.messages[0])


async def test_no_calendar_update_for_a_show_that_never_went_live(
    loaded: Database, buses: list[InProcessBus]
):
    await register(RegistrationSql(loaded), SLUG, person(1), now=BEFORE)
    shows = await instance(loaded, buses)
    scheduler = scheduler_for(loaded, FixedClock(PLANNED_END + timedelta(hours=5)), shows)
    try:
        await scheduler.plan()
    finally:
        await scheduler.stop()
    async with loaded.session() as session:
        updates = await session.scalars(
            select(OutboxRow.dedupe_key).where(OutboxRow.kind == "invite")
        )
        keys = list(updates)

    assert await invite_sequences(loaded) == [0]
    assert all(not key.endswith(":1") for key in keys)


@pytest.mark.parametrize("ahead", [timedelta(days=1), timedelta(hours=3)], ids=["day", "morning"])
async def test_a_rehearsal_moves_no_reminder_and_no_calendar(
    loaded: Database, buses: list[InProcessBus], ahead: timedelta
):
    await register(RegistrationSql(loaded), SLUG, person(1), now=BEFORE)
    shows = await instance(loaded, buses)
    rehearsal = PLANNED - ahead
    scheduler = scheduler_for(loaded, FixedClock(rehearsal), shows)
    try:
        await run(shows, loaded, rehearsal, lambda s: go_live(s, at=rehearsal, by=HOST))
        await run(
            shows,
            loaded,
            rehearsal,
            lambda s: start_block(s, "start-plenair", at=rehearsal, by=HOST),
        )
        await scheduler.plan()
        job = reminder_job(scheduler)
    finally:
        await scheduler.stop()

    assert await invite_sequences(loaded) == [0]
    assert job == PLANNED - timedelta(minutes=15)  # the reminder keeps the programme's time


async def test_a_rehearsal_still_running_within_the_hour_moves_nothing(
    loaded: Database, buses: list[InProcessBus]
):
    await register(RegistrationSql(loaded), SLUG, person(1), now=BEFORE)
    shows = await instance(loaded, buses)
    rehearsal = PLANNED - timedelta(hours=3)
    clock = FixedClock(rehearsal)
    scheduler = scheduler_for(loaded, clock, shows)
    try:
        await run(shows, loaded, rehearsal, lambda s: go_live(s, at=rehearsal, by=HOST))
        await run(
            shows,
            loaded,
            rehearsal,
            lambda s: start_block(s, "start-plenair", at=rehearsal, by=HOST),
        )
        # Nobody started it over; now the plenary is 30 minutes away, and the rehearsal's
        # running order is hours early.
        clock.set(PLANNED - timedelta(minutes=30))
        await scheduler.plan()
        job = reminder_job(scheduler)
    finally:
        await scheduler.stop()

    assert await invite_sequences(loaded) == [0]
    assert job == PLANNED - timedelta(minutes=15)


async def test_a_rehearsal_opens_no_qa_and_starting_over_clears_its_questions(
    loaded: Database, buses: list[InProcessBus]
):
    shows = await instance(loaded, buses)
    qa = shows.qa
    rehearsal = PLANNED - timedelta(hours=5)

    def asking(question_id: str, moment: datetime) -> QaCommand:
        return lambda state, _seq: ask(
            state, question_id, asker_id="r1", asker_name="Anna", text=f"Vraag {question_id}",
            now=moment,
        )  # fmt: skip

    await run(shows, loaded, rehearsal, lambda s: go_live(s, at=rehearsal, by=HOST))
    _, after_live = await qa.state(SLUG, "plenary")
    # The moderators open the Q&A by hand: one question before the rehearsal's start over,
    await qa.run(SLUG, "plenary", lambda s, _seq: open_qa(s, actor="moderator#1", now=rehearsal))
    await qa.run(SLUG, "plenary", asking("early", rehearsal - timedelta(minutes=1)))
    await qa.run(SLUG, "plenary", asking("oefen", rehearsal + timedelta(minutes=1)))
    later = rehearsal + timedelta(minutes=20)
    await run(shows, loaded, later, lambda s: end_show(s, at=later, by=HOST))
    _, after_end = await qa.state(SLUG, "plenary")
    await run(shows, loaded, later, lambda s: reset_show(s, at=later, by=HOST))
    _, after_reset = await qa.state(SLUG, "plenary")
    async with loaded.session() as session:
        stored = await events_after(session, await festival_id_of(session, SLUG), "plenary", 0)

    assert after_live.is_open is False  # a rehearsal opens nothing for attendees
    assert after_end.is_open is True  # nor does its end close what moderators opened
    assert set(after_end.questions) == {"early", "oefen"}
    assert set(after_reset.questions) == {"early"}  # asked before the rehearsal went live
    assert after_reset.is_open is True
    assert [e.type for e in stored][-1] == "question.cleared"


@pytest.fixture(params=["one instance", pytest.param("two instances", marks=pytest.mark.redis)])
async def host_and_leader(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Bus, Bus]]:
    """The bus of an instance where a host acts, and that of the scheduler's leader: one
    in-process bus when they are the same process, two Redis connections when they are not."""
    if request.param == "one instance":
        shared = InProcessBus()
        await shared.start()
        yield shared, shared
        await shared.close()
        return
    url: str = request.getfixturevalue("redis_url")
    namespace = f"test-{uuid.uuid4().hex}:"  # other runs share this Redis
    host, leader = make_bus(url, namespace=namespace), make_bus(url, namespace=namespace)
    for bus in (host, leader):
        await bus.start()
    yield host, leader
    for bus in (host, leader):
        await bus.close()


async def test_the_leader_moves_reminders_and_calendars_for_a_host_on_any_instance(
    loaded: Database, host_and_leader: tuple[Bus, Bus], smtp
):
    _inbox, url = smtp
    await register(RegistrationSql(loaded), SLUG, person(1), now=BEFORE)
    await sender(loaded, url, FixedClock(BEFORE)).deliver_due()
    host_bus, leader_bus = host_and_leader
    log = EventLog(loaded)
    host = ShowService(log, host_bus, QaService(log, host_bus))
    clock = FixedClock(PLANNED - timedelta(minutes=30))
    scheduler = Scheduler(
        loaded, clock, show=ShowService(log, leader_bus, QaService(log, leader_bus)), bus=leader_bus
    )
    await scheduler.start(paused=True)  # plans every job, runs none
    try:
        for _ in range(100):  # on PostgreSQL it first wins the leader's lock
            if scheduler.jobs.get_job(f"remind:{SLUG}:plenary:{PLANNED.isoformat()}"):
                break
            await asyncio.sleep(0.1)
        planned = reminder_job(scheduler)
        early = PLANNED - timedelta(minutes=20)
        clock.set(early)
        await run(host, loaded, early, lambda s: go_live(s, at=early, by=HOST))
        await run(host, loaded, early, lambda s: start_block(s, "start-plenair", at=early, by=HOST))
        # Nobody calls plan(): the leader heard the host's actions on the bus.
        for _ in range(100):
            if await invite_sequences(loaded) == [1] and reminder_job(scheduler) != planned:
                break
            await asyncio.sleep(0.1)
        moved = reminder_job(scheduler)
        sequences = await invite_sequences(loaded)
    finally:
        await scheduler.stop()

    assert planned == PLANNED - timedelta(minutes=15)
    assert moved == early  # 20 minutes early: its reminder is due now
    assert sequences == [1]  # past the 10-minute threshold: calendars updated once
