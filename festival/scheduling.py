"""The only module that imports APScheduler: turns moments of the programme into jobs.

Jobs are derived from the stored programme each time the service starts, so nothing about
them needs to be stored: a moment that passed while the service was down runs at once.
What a job does must be safe to repeat (`run_assignment` records each round once).
"""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from festival.clock import Clock
from festival.storage.assignment_repo import assignment_pending, run_assignment
from festival.storage.db import Database
from festival.storage.programme_repo import festival_slugs, read_festival

log = logging.getLogger("festival.scheduling")


class Scheduler:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.jobs = AsyncIOScheduler(timezone="UTC")

    async def start(self) -> None:
        self.jobs.start()
        await self.plan()

    def stop(self) -> None:
        if self.jobs.running:
            self.jobs.shutdown(wait=False)

    async def plan(self) -> None:
        """(Re)derive every job from the stored programmes."""
        async with self.db.session() as session:
            slugs = await festival_slugs(session)
            festivals = [await read_festival(session, slug) for slug in slugs]
        for festival in festivals:
            if festival is None or festival.assignment != "preferences":
                continue
            closes = festival.assignment_closes
            if closes is None or not await assignment_pending(self.db, festival.slug):
                continue
            self._at(f"assign:{festival.slug}", max(closes, self.clock.now()), festival.slug)

    def _at(self, job_id: str, moment: datetime, slug: str) -> None:
        self.jobs.add_job(
            self.assign,
            DateTrigger(run_date=moment),
            args=[slug],
            id=job_id,
            replace_existing=True,
            misfire_grace_time=None,  # late is better than never: run whenever we get to it
        )

    async def assign(self, slug: str) -> None:
        now = self.clock.now()
        async with self.db.session() as session:
            festival = await read_festival(session, slug)
        # APScheduler fires on the wall clock; the service's Clock decides whether preferences
        # are still being collected (they are the same clock except in tests and replays).
        if festival is None or festival.collects_preferences(now):
            log.info("assignment %s: not closed yet at %s; skipped", slug, now.isoformat())
            return
        results = await run_assignment(self.db, slug, now=now)
        for r in results:
            log.info(
                "assignment %s/%s: %d placed, %d waitlisted%s",
                slug,
                r.round,
                r.placed,
                r.waitlisted,
                " (already done)" if r.already_done else "",
            )
