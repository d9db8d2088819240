"""Materials put up before the day are announced when it ends: the scheduler queues every
attendee's one "watch again" mail at the festival's end, or when it is back within a day after
missing it; later than that a load of the programme tells them. Through the real outbox, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from festival.clock import FixedClock
from festival.scheduling import Scheduler
from festival.storage.db import Database
from tests.mailing.conftest import Inbox
from tests.mailing.test_delivery import load, sender
from tests.mailing.test_watch_again import (
    BEFORE,
    HOEZO,
    queued_watch_again,
    register_attendees,
    watch_again_mails,
    without_materials,
)
from tests.scheduling.test_festivals import fire_due

# The 2017 conference ends at 14:30 in Amsterdam (13:30 UTC) on 9 November.
ENDED = datetime(2017, 11, 9, 13, 30, tzinfo=UTC)


async def planned_and_fired(database: Database, planned_at: datetime, fired_at: datetime) -> None:
    """A scheduler that plans at `planned_at`, then runs what is due at `fired_at` and plans
    again (the next minute's replan) and runs again."""
    clock = FixedClock(planned_at)
    scheduler = Scheduler(database, clock)
    scheduler.jobs.start(paused=True)
    try:
        await scheduler.plan()
        clock.set(fired_at)
        await fire_due(scheduler, fired_at)
        await scheduler.plan()
        await fire_due(scheduler, fired_at + timedelta(minutes=1))
    finally:
        await scheduler.stop()


async def test_materials_loaded_before_the_day_are_announced_once_when_it_ends(
    database: Database, smtp: tuple[Inbox, str]
):
    inbox, url = smtp
    await load(database, HOEZO, BEFORE)  # slides and the video link are there early
    await register_attendees(database, BEFORE)

    await planned_and_fired(database, ENDED - timedelta(hours=1), ENDED - timedelta(minutes=5))
    assert await queued_watch_again(database) == 0  # not before the end

    await planned_and_fired(database, ENDED - timedelta(minutes=5), ENDED)
    await planned_and_fired(database, ENDED + timedelta(minutes=5), ENDED + timedelta(hours=1))
    await sender(database, url, FixedClock(ENDED + timedelta(hours=1))).deliver_due()

    assert sorted(watch_again_mails(inbox)) == [
        "Ann de Vries <ann@example.org>",
        "Bea Smith <bea@example.org>",
    ]


async def test_a_service_back_within_a_day_of_the_end_catches_up(database: Database):
    await load(database, HOEZO, BEFORE)
    await register_attendees(database, BEFORE)

    later = ENDED + timedelta(hours=20)  # down over the end, back the next morning
    await planned_and_fired(database, later, later)

    assert await queued_watch_again(database) == 2


async def test_no_mail_without_materials_or_long_after_the_end(database: Database):
    await load(database, without_materials(HOEZO), BEFORE)
    await register_attendees(database, BEFORE)
    await planned_and_fired(database, ENDED - timedelta(minutes=5), ENDED + timedelta(hours=1))
    assert await queued_watch_again(database) == 0

    # Materials in the store, but the scheduler only comes back days later: the organiser's
    # next load after the day is what tells the attendees then.
    await load(database, HOEZO, BEFORE + timedelta(days=1))
    two_days = ENDED + timedelta(days=2)
    await planned_and_fired(database, two_days, two_days)
    assert await queued_watch_again(database) == 0
