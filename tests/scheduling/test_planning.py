"""Reminders are planned before each item, sent late while still useful, dropped after the
end."""

from __future__ import annotations

from datetime import UTC, datetime

from festival.clock import FixedClock
from festival.scheduling import Scheduler
from festival.storage.db import Database
from tests.conftest import REFERENCE
from tests.mailing.test_delivery import SLUG, load

START = datetime(2020, 11, 19, 9, 30, tzinfo=UTC)  # huiskamer-1, 10:30 in Amsterdam


async def test_scheduler_plans_missed_reminders_now_and_skips_ended_ones(database: Database):
    await load(database, REFERENCE.read_text())
    during_round_1 = datetime(2020, 11, 19, 10, 0, tzinfo=UTC)  # 11:00 local
    scheduler = Scheduler(database, FixedClock(during_round_1))
    scheduler.jobs.start(paused=True)
    try:
        await scheduler.plan()
        jobs = {job.id: job.trigger.run_date for job in scheduler.jobs.get_jobs()}
    finally:
        await scheduler.stop()

    missed = f"remind:{SLUG}:huiskamer-1:{START.isoformat()}"
    later = f"remind:{SLUG}:huiskamer-6:2020-11-19T11:00:00+00:00"
    assert jobs[missed] == during_round_1  # round 1 is still on: send now
    assert jobs[later] == datetime(2020, 11, 19, 10, 45, tzinfo=UTC)  # 15 minutes before 12:00
    assert f"remind:{SLUG}:plenary:2020-11-19T12:30:00+00:00" in jobs
