"""The only module that imports APScheduler: turns moments of the programme into jobs.

Jobs are derived from the stored programme — on start, every minute, and whenever asked — so
nothing about them needs storing: a reminder whose moment passed while the service was down
runs at once if its session has not ended, and is dropped if it has. The leader also follows
every festival's show channel on the bus, so a host acting on any instance moves reminders
and calendars at once. What a job does is safe to repeat (outbox dedupe keys; one assignment
record per round), and on PostgreSQL only one instance runs jobs at a time: the one holding
an advisory lock on its own connection. When it dies the lock goes with its connection and
another instance takes over within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from festival import attendance
from festival.bus import Bus, BusError, channel_topic, publish_programme_changed
from festival.clock import Clock
from festival.invites import service as invites
from festival.invites.watch_again import watch_again_due, watch_again_moment
from festival.live.qa_service import QaService
from festival.live.show_service import ShowService
from festival.live.show_views import show_of_state
from festival.programme.model import PLENARY, SHOW, Festival
from festival.qa.channels import qa_channels
from festival.registration import reconfirm
from festival.registration.service import assign_rounds
from festival.show import Show, calendar_shift, plenary_times
from festival.storage.assignment_repo import assignment_pending
from festival.storage.attendance_repo import AttendanceSql
from festival.storage.db import Database
from festival.storage.invite_repo import InviteSql
from festival.storage.programme_repo import read_festival, read_festivals
from festival.storage.registration_repo import RegistrationSql, registrations_of
from festival.storage.shift_repo import announced_delay, record_shift

log = logging.getLogger("festival.scheduling")
LEADER_LOCK = 472_019_002  # any fixed number, the same in every instance
RETRY_SECONDS = 2.0
REPLAN_SECONDS = 60


class Scheduler:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        qa: QaService | None = None,
        show: ShowService | None = None,
        bus: Bus | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.qa = qa
        self.show = show
        self.bus = bus
        self.jobs = AsyncIOScheduler(timezone="UTC")
        self.leading = False
        self._campaign: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[object]] = set()
        self._watching: dict[str, asyncio.Task[None]] = {}  # festival slug → its show watcher
        self._replanning: set[str] = set()
        self._replan_again: set[str] = set()
        self._heard: dict[str, Show | None] = {}  # festival slug → its show as the bus told it
        self._told: set[str] = set()  # festivals whose watch-again mail this leader queued
        self._certified: set[str] = set()  # festivals whose certificate mail this leader queued
        self._reconfirmed: set[tuple[str, str]] = set()  # (festival, "ask" | "deadline") done

    async def start(self, *, paused: bool = False) -> None:
        """Run for leader (at once on SQLite) and, once leading, plan. `paused`: plan every
        job but run none, for looking at the plan."""
        self.jobs.start(paused=paused)
        if self.db.is_sqlite:
            await self._lead()  # embedded: one process, always the leader
        else:
            self._campaign = asyncio.create_task(self._run_for_leader(), name="festival-leader")

    async def stop(self) -> None:
        if self._campaign is not None:
            self._campaign.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._campaign
        self._stop_watching()
        if self.jobs.running:
            self.jobs.shutdown(wait=False)
        # APScheduler cancels running jobs on shutdown but cannot wait for them; a job cut off
        # mid-transaction must finish unwinding before the database is closed under it.
        running = [task for task in self._running if not task.done()]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    async def _lead(self) -> None:
        self.leading = True
        self.jobs.add_job(
            self.plan,
            IntervalTrigger(seconds=REPLAN_SECONDS),
            id="replan",
            replace_existing=True,
        )
        await self.plan()

    def _step_down(self) -> None:
        self.leading = False
        self._stop_watching()
        for job in self.jobs.get_jobs():
            job.remove()

    async def _watch_show(self, slug: str) -> None:
        """Follow the festival's show channel on the bus: every host action, on whichever
        instance, replans this festival on the leader. Returns once the watch is live."""
        watcher = self._watching.get(slug)
        if self.bus is None or self.show is None or (watcher is not None and not watcher.done()):
            return
        live = asyncio.Event()
        watcher = asyncio.create_task(self._watch(slug, live), name=f"follow show {slug}")
        self._watching[slug] = watcher
        waiting = asyncio.ensure_future(live.wait())
        await asyncio.wait((watcher, waiting), return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()

    async def _watch(self, slug: str, live: asyncio.Event) -> None:
        assert self.bus is not None
        try:
            async with self.bus.subscribe(channel_topic(slug, SHOW)) as subscription:
                live.set()
                async for message in subscription:
                    # Every event carries the show after it; a gap does not: read it back.
                    events = message.get("events") or [{}]
                    state = events[-1].get("body", {}).get("show")
                    self.follow_show(slug, None if state is None else show_of_state(state))
        except (BusError, OSError) as exc:
            # The next replan (within a minute) watches again, and catches up meanwhile.
            log.warning("following the show of %s stopped: %s", slug, exc)

    def _stop_watching(self) -> None:
        for watcher in self._watching.values():
            watcher.cancel()
            self._running.add(watcher)  # awaited by stop()
            watcher.add_done_callback(self._running.discard)
        self._watching.clear()

    async def _run_for_leader(self) -> None:
        while True:
            try:
                async with self.db.engine.connect() as conn:
                    while not await conn.scalar(
                        text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK}
                    ):
                        await conn.rollback()
                        await asyncio.sleep(RETRY_SECONDS)
                    await conn.commit()
                    log.info("this instance now runs the scheduled jobs")
                    await self._lead()
                    while True:  # hold the lock; notice when the connection is gone
                        await asyncio.sleep(RETRY_SECONDS)
                        await conn.scalar(text("SELECT 1"))
                        await conn.commit()
            except (DBAPIError, OSError) as exc:
                log.warning("scheduler leadership lost or not reachable: %s", exc)
            finally:
                if self.leading:
                    self._step_down()
            await asyncio.sleep(RETRY_SECONDS)

    async def plan(self) -> None:
        """(Re)derive every job from the stored programmes."""
        async with self.db.session() as session:
            festivals = await read_festivals(session)
        wanted: set[str] = {"replan"}
        for festival in festivals:
            if self.leading:  # watching first: no host action between plan and watch
                await self._watch_show(festival.slug)
            wanted |= await self._plan_festival(festival, None)
        for job in self.jobs.get_jobs():
            if job.id not in wanted:
                job.remove()  # a moment that moved or went away

    async def _plan_festival(self, festival: Festival, show: Show | None) -> set[str]:
        now = self.clock.now()
        ids: set[str] = set()
        closes = festival.assignment_closes
        if (
            festival.assignment == "preferences"
            and closes is not None
            and await assignment_pending(self.db, festival.slug)
        ):
            job_id = f"assign:{festival.slug}"
            self._at(job_id, max(closes, now), self.assign, festival.slug)
            ids.add(job_id)
        lead = timedelta(minutes=festival.reminder_minutes)
        # (entry, its programme start, when it starts now, when it ends)
        moments = [(s.id, s.start, s.start, s.end) for r, s in festival.sessions() if not
                   (s.cancelled or r.cancelled)]  # fmt: skip
        if (plenary := festival.plenary) is not None:
            starts = await self._follow_show(festival, now, show) or plenary.start
            moments.append((PLENARY, plenary.plan[0], starts, plenary.end))
        for entry, planned, starts, end in moments:
            if now >= end:
                continue  # too late to be useful: dropped
            # Keyed by the programme's start: a delay moves the job, it does not add one.
            job_id = f"remind:{festival.slug}:{entry}:{planned.isoformat()}"
            moment = max(starts - lead, now)
            job = self.jobs.get_job(job_id)
            # A pending job moves with its moment; one due now is left to run.
            if job is None or (job.next_run_time > now and job.next_run_time != moment):
                self._at(job_id, moment, self.remind, festival.slug, entry, planned)
            ids.add(job_id)
        told = watch_again_moment(festival, now)
        if told is not None and festival.slug not in self._told:
            job_id = f"watch_again:{festival.slug}"
            if self.jobs.get_job(job_id) is None:
                self._at(job_id, told, self.watch_again, festival.slug)
            ids.add(job_id)
        certified = attendance.certificate_mail_moment(festival, now)
        if certified is not None and festival.slug not in self._certified:
            job_id = f"certificates:{festival.slug}"
            if self.jobs.get_job(job_id) is None:
                self._at(job_id, certified, self.certificates, festival.slug)
            ids.add(job_id)
        ids |= self._plan_reconfirmation(festival, now)
        if self.qa is not None:
            ids |= await self._plan_qa(festival, now)
        return ids

    def _plan_reconfirmation(self, festival: Festival, now: datetime) -> set[str]:
        """The asking and the deadline of a festival's reconfirmation (`registration.reconfirm`),
        each moving with the programme while pending, and caught up when missed."""
        ids: set[str] = set()
        steps = (
            (reconfirm.ask_moment(festival, now), "ask", self.reconfirm_ask),
            (reconfirm.deadline_moment(festival, now), "deadline", self.reconfirm_deadline),
        )
        for moment, step, func in steps:
            if moment is None or (festival.slug, step) in self._reconfirmed:
                continue
            job_id = f"reconfirm_{step}:{festival.slug}"
            job = self.jobs.get_job(job_id)
            if job is None or (job.next_run_time > now and job.next_run_time != moment):
                self._at(job_id, moment, func, festival.slug)
            ids.add(job_id)
        return ids

    async def _follow_show(
        self, festival: Festival, now: datetime, show: Show | None
    ) -> datetime | None:
        """Once the plenary runs live: announce its new times to calendars when the rule says
        so (`show.calendar_shift`), and return when it starts (actual or projected) for its
        reminders. `show` is the show as an event on the bus carried it; None: as stored."""
        if self.show is None or festival.plenary is None:
            return None
        if show is None:
            _, show = await self.show.state(festival)
        times = plenary_times(festival, show, now)
        if times is None:
            return None
        queued = await announce_shift(self.db, festival, show, now)
        if queued is not None and self.bus is not None:
            # The festival's announced times changed: every instance reads it again (and
            # within seconds anyway, should the bus be down).
            try:
                await publish_programme_changed(self.bus, festival.slug)
            except BusError as error:
                log.warning("could not tell the instances of new plenary times: %s", error)
        if queued:
            log.info("plenary of %s moved %d minutes: %d invite updates queued",
                     festival.slug, times.delay_minutes, queued)  # fmt: skip
        return times.start

    def follow_show(self, slug: str, show: Show | None) -> None:
        """After a host action, reminders and calendars follow `show` (None: the show as
        stored) at once, in the background so the host's ack does not wait for the mail
        queue. One replan of a festival at a time: actions that come meanwhile are covered by
        one more after it, with the show as the last of them left it."""
        if not self.leading:
            return
        self._heard[slug] = show
        if slug in self._replanning:
            self._replan_again.add(slug)
            return
        self._replanning.add(slug)
        task: asyncio.Task[object] = asyncio.create_task(self._replan(slug))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _replan(self, slug: str) -> None:
        try:
            while True:
                self._replan_again.discard(slug)
                try:
                    async with self.db.session() as session:
                        festival = await read_festival(session, slug)
                    if festival is not None:
                        await self._plan_festival(festival, self._heard.pop(slug, None))
                except (DBAPIError, OSError):
                    # Nobody awaits this task; the next replan (within a minute) tries again.
                    log.exception("following the show of %s failed", slug)
                if slug not in self._replan_again:
                    return
        finally:
            self._replanning.discard(slug)

    async def _plan_qa(self, festival: Festival, now: datetime) -> set[str]:
        """Each channel's Q&A opens when its block starts and closes when it ends: a job at
        every boundary to come, and the boundaries already passed applied now (once each)."""
        ids: set[str] = set()
        if self.qa is not None:
            await self.qa.follow_programme(festival, now)
        for info in qa_channels(festival).values():
            for moment in (info.start, info.end):
                if moment > now:
                    job_id = f"qa:{festival.slug}:{info.id}:{moment.isoformat()}"
                    if self.jobs.get_job(job_id) is None:
                        self._at(job_id, moment, self.follow, festival.slug)
                    ids.add(job_id)
        return ids

    async def follow(self, slug: str) -> None:
        if self.qa is None:
            return
        async with self.db.session() as session:
            festival = await read_festival(session, slug)
        if festival is not None:
            await self.qa.follow_programme(festival, self.clock.now())

    def _at(
        self, job_id: str, moment: datetime, func: Callable[..., Awaitable[None]], *args: object
    ) -> None:
        async def tracked(*call_args: object) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await func(*call_args)
            finally:
                if task is not None:
                    self._running.discard(task)

        self.jobs.add_job(
            tracked,
            DateTrigger(run_date=moment),
            args=list(args),
            id=job_id,
            replace_existing=True,
            misfire_grace_time=None,  # late is better than never; the job itself checks
        )

    async def remind(self, slug: str, entry: str, start: datetime) -> None:
        async with self.db.writer() as db, db.begin():
            queued = await invites.reminders(InviteSql(db), slug, entry, start, self.clock.now())
        log.info("reminders for %s/%s: %d queued", slug, entry, queued)

    async def watch_again(self, slug: str) -> None:
        """At a festival's end, the attendees of one whose materials went up before it hear
        they can watch again (once each: the outbox key; a load after the end does the same)."""
        now = self.clock.now()
        async with self.db.writer() as db, db.begin():
            festival = await read_festival(db, slug)
            if festival is None or not watch_again_due(festival, now):
                return
            await invites.watch_again(InviteSql(db), slug, now)
        self._told.add(slug)
        log.info("watch-again mail of %s queued", slug)

    async def certificates(self, slug: str) -> None:
        """At a festival's end, those who earned a certificate of attendance are mailed its
        link (once each: the outbox key)."""
        now = self.clock.now()
        async with self.db.writer() as db, db.begin():
            festival = await read_festival(db, slug)
            if festival is None or attendance.certificate_mail_moment(festival, now) is None:
                return
            earned = await attendance.certificate_mail(
                AttendanceSql(db),
                InviteSql(db),
                festival,
                await registrations_of(db, slug),
                now=now,
            )
        self._certified.add(slug)
        log.info("certificate mail of %s: %d queued", slug, earned)

    async def reconfirm_ask(self, slug: str) -> None:
        """Ask the festival's holders of limited places to confirm them (once each: the
        places' marks and the outbox key)."""
        festival = await self._festival(slug)
        if festival is None:
            return
        asked = await reconfirm.ask(RegistrationSql(self.db), festival, now=self.clock.now())
        if asked is not None:
            self._reconfirmed.add((slug, "ask"))
            log.info("reconfirmation of %s: %d attendees asked", slug, asked)

    async def reconfirm_deadline(self, slug: str) -> None:
        """Places not confirmed by the deadline go to the waitlist; the next in line move up."""
        festival = await self._festival(slug)
        if festival is None:
            return
        lost = await reconfirm.lapse(RegistrationSql(self.db), festival, now=self.clock.now())
        if lost is not None:
            self._reconfirmed.add((slug, "deadline"))
            log.info("reconfirmation deadline of %s: %d places to the waitlist", slug, len(lost))

    async def _festival(self, slug: str) -> Festival | None:
        async with self.db.session() as session:
            return await read_festival(session, slug)

    async def assign(self, slug: str) -> None:
        now = self.clock.now()
        async with self.db.session() as session:
            festival = await read_festival(session, slug)
        # APScheduler fires on the wall clock; the service's Clock decides whether preferences
        # are still being collected (they are the same clock except in tests and replays).
        if festival is None or festival.collects_preferences(now):
            log.info("assignment %s: not closed yet at %s; skipped", slug, now.isoformat())
            return
        results = await assign_rounds(RegistrationSql(self.db), slug, now=now)
        for r in results:
            log.info(
                "assignment %s/%s: %d placed, %d waitlisted%s",
                slug,
                r.round,
                r.placed,
                r.waitlisted,
                " (already done)" if r.already_done else "",
            )


async def announce_shift(
    database: Database, festival: Festival, show: Show, now: datetime
) -> int | None:
    """Announce the plenary's new times to calendars if the show moved them far enough from
    the times announced last (`calendar_shift`): record them and queue the invite updates.
    Returns how many were queued, or None when calendars keep what they have. Decided under
    the write lock, so two callers cannot both announce the same shift."""
    async with database.writer() as db, db.begin():
        shift = calendar_shift(festival, show, await announced_delay(db, festival.slug), now)
        if shift is None:
            return None
        await record_shift(
            db, festival.slug, start=shift.start, end=shift.end,
            delay_minutes=shift.delay_minutes, now=now,
        )  # fmt: skip
        return await invites.reconcile_festival(InviteSql(db), festival.slug, now)
