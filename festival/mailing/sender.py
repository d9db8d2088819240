"""Delivers the outbox: claim due messages, compose, send, record — in a loop.

A batch is claimed at once and composed message by message while `LANES` connections side by
side hand the finished ones off; what they sent is recorded every `RECORD_EVERY` messages. So
delivery is at least once: if the process dies after a hand-off and before the record, those
messages (at most `REPEATS_AT_MOST`) are sent again once their rows are claimed again. The
same row always carries the same Message-ID, so a receiver can spot the repeat. Every other
failure is retried with backoff or marked failed.

Whatever goes wrong stays with its message: one that cannot be composed (an address no server
takes, one row's bad data) or is refused for good is failed with its reason, one that fails
for now waits for its next try, and the rest of the batch goes on. A round cut short gives
the rows it never handed off back at once.

Claimed rows carry a short lease (`LEASE`, seconds), which a heartbeat renews every
`HEARTBEAT_SECONDS` while the round runs, so a batch may take as long as it needs while a
sender that died leaves its rows to another within the lease. A sender whose heartbeat could
not renew the lease for `LEASE - LEASE_MARGIN` hands off nothing more: its rows may be another
sender's by then, and sending them too would repeat them beyond `REPEATS_AT_MOST`.

On SQLite only one process sends: it holds an exclusive lock on a file beside the database (the
operating system drops it when the process dies, however it dies). A process that gets the lock
knows that rows left `sending` belong to a dead sender and claims them again at once; on
PostgreSQL several instances send side by side and such rows wait for their lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from datetime import datetime, timedelta
from pathlib import Path

from festival.clock import Clock
from festival.mailing.compose import CannotCompose, Composer, NothingToSend
from festival.mailing.mime import Mail
from festival.mailing.transport import PermanentMailError, Send, TransientMailError, Transport
from festival.storage.db import Database, storage_trouble
from festival.storage.mailing_repo import (
    LEASE,
    MAX_ATTEMPTS,
    Outgoing,
    claim,
    give_back,
    mark_failed,
    mark_sent,
    mark_skipped,
    release_claims,
    renew_claims,
    when_queued,
)

log = logging.getLogger("festival.mail")
Work = tuple[Outgoing, Mail | NothingToSend | CannotCompose]
POLL_SECONDS = 2.0  # also picks up messages queued by other processes (CLI, other instances)
STOP_SECONDS = 10.0  # how long a stopping sender may finish its round


class Sender:
    BATCH = 200  # rows claimed, composed and sent together (see docs/benchmarks.md)
    LANES = 4  # connections a batch is spread over
    RECORD_EVERY = 40  # sent rows recorded together (one transaction costs milliseconds)
    # Handed off but not yet recorded, at any moment: below RECORD_EVERY before a lane sends,
    # plus one in flight and one just sent per lane. After a crash these are sent again.
    REPEATS_AT_MOST = RECORD_EVERY + 2 * LANES
    LEASE = LEASE  # how long claimed rows stay this sender's without a heartbeat
    HEARTBEAT_SECONDS = 5.0  # the lease is renewed this often while a round runs
    LEASE_MARGIN = timedelta(seconds=10)  # stop handing off this long before the lease ends

    def __init__(
        self, db: Database, composer: Composer, transport: Transport, clock: Clock
    ) -> None:
        self.db = db
        self.composer = composer
        self.transport = transport
        self.clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock_file: int | None = None
        self._ready = asyncio.Event()  # set once a started sender may send
        self._stopping = asyncio.Event()
        # The lanes take turns at recording: on SQLite, writers that collide wait out the busy
        # timeout's sleeps, which cost far more than the write itself.
        self._recording = asyncio.Lock()
        # One round at a time: a round's lease time and unsettled rows are the sender's own
        # state, and a second round (a caller's `deliver_due` beside the loop's) would give
        # back the first one's rows while its lanes still hand them off.
        self._round = asyncio.Lock()
        self._unrecorded: list[tuple[int, str]] = []  # (row, subject) handed off, not recorded
        self._unsettled: set[int] = set()  # claimed this round, not yet handed off or settled
        self._held_since: datetime | None = None  # when this round's lease was last written
        self.renewed = asyncio.Event()  # set by each renewal of the lease, for whoever watches

    def wake(self) -> None:
        """Something was queued: look now instead of at the next poll."""
        self._wake.set()

    def start(self) -> None:
        """Send in the background; every commit that queues mail wakes the sender at once
        (`when_queued`), and otherwise it looks every POLL_SECONDS."""
        loop = asyncio.get_running_loop()

        def queued() -> None:  # in the thread that committed: `Database.at_once` has its own
            if not loop.is_closed():
                loop.call_soon_threadsafe(self.wake)

        when_queued(self.db, queued)
        self._task = asyncio.create_task(self._run(), name="festival-mail-sender")

    async def stop(self) -> None:
        """Let the round under way finish and be recorded (cut off after STOP_SECONDS): a
        round cut off after a hand-off would send those messages again after a restart."""
        if self._task is not None:
            self._stopping.set()
            self._wake.set()  # out of its wait for work
            try:
                await asyncio.wait_for(asyncio.shield(self._task), STOP_SECONDS)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        if self._lock_file is not None:
            os.close(self._lock_file)  # closing drops the lock
            self._lock_file = None

    async def _run(self) -> None:
        if self.db.is_sqlite and self.db.url.database not in (None, "", ":memory:"):
            await self._become_only_sender(Path(f"{self.db.url.database}.sender.lock"))
        self._ready.set()
        while not self._stopping.is_set():
            try:
                sent = await self.deliver_due()
            except Exception as exc:  # the loop must outlive a bad row or a database hiccup
                if (trouble := storage_trouble(exc)) is not None:  # no bug: one line
                    log.error("mail sender round failed: %s", trouble.message)
                else:
                    log.exception("mail sender round failed")
                sent = 0
            if sent == 0 and not self._stopping.is_set():
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)

    async def _become_only_sender(self, path: Path) -> None:
        self._lock_file = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # `stop` closes it
        while True:
            try:
                fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                # Another process on this database sends; take over if it stops.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), POLL_SECONDS)
                if self._stopping.is_set():
                    return
        log.info("this process now sends the mail of %s", path.name.removesuffix(".sender.lock"))
        while True:
            try:
                released = await release_claims(self.db)
                break
            except Exception:  # as in `_run`: a database hiccup must not end the sender
                log.exception("mail sender could not take over; trying again")
                await asyncio.sleep(POLL_SECONDS)
        if released:
            log.warning("%d message(s) left by a stopped sender are sent again", released)

    async def deliver_due(self) -> int:
        """One round: send what is due now; returns how many were handled."""
        async with self._round:
            return await self._deliver_round()

    async def _deliver_round(self) -> int:
        if self._task is not None:
            # Not before a started sender has taken over: it puts rows left `sending` back in
            # line, and must not take this round's rows for a dead sender's.
            await self._ready.wait()
        if self._unrecorded:
            await self._record()  # a round that could not record (full disk): that first
        claimed_at = self.clock.now()
        async with self._recording:
            batch = await claim(self.db, now=claimed_at, limit=self.BATCH)
        if not batch:
            return 0
        self._held_since = claimed_at
        self._unsettled = {m.id for m in batch}
        ids = [m.id for m in batch]
        heartbeat = asyncio.create_task(self._heartbeat(ids), name="festival-mail-heartbeat")
        # Composing (CPU here) and handing off (waiting for the server) overlap: messages go
        # to the lanes as they are made, and each lane sends while the next ones are made.
        line: asyncio.Queue[Work | None] = asyncio.Queue(maxsize=2 * self.LANES)
        try:
            async with asyncio.TaskGroup() as lanes:
                for _ in range(self.LANES):
                    lanes.create_task(self._deliver_lane(line))
                async for work in self.composer.compose(batch, self.clock.now()):
                    await line.put(work)
                    await asyncio.sleep(0)  # let the lanes read their answers meanwhile
                for _ in range(self.LANES):
                    await line.put(None)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            await self._record()  # also when stopped half-way: what went out is recorded
            await self._give_back()
        return len(batch)

    async def _heartbeat(self, ids: list[int]) -> None:
        """Renew the round's lease until the round ends (it cancels this)."""
        while True:
            await asyncio.sleep(self.HEARTBEAT_SECONDS)
            now, held_since = self.clock.now(), self._held_since
            if held_since is None or now <= held_since:
                continue
            try:
                async with self._recording:
                    await renew_claims(self.db, ids, held_since=held_since, now=now)
                self._held_since = now
                self.renewed.set()
            except Exception:  # the lanes stop handing off if this goes on (`_lease_kept`)
                log.exception("mail sender could not renew the lease on its messages")

    def _lease_kept(self) -> bool:
        held_since = self._held_since
        return held_since is not None and (
            self.clock.now() < held_since + self.LEASE - self.LEASE_MARGIN
        )

    async def _give_back(self) -> None:
        """Rows claimed and never handed off (the round ended early): back in line now,
        rather than after the lease."""
        left, self._unsettled = sorted(self._unsettled), set()
        if not left or self._held_since is None:
            return
        try:
            async with self._recording:
                released = await give_back(self.db, left, held_since=self._held_since)
        except Exception:  # they come back when the lease runs out
            log.exception("mail sender could not give back %d message(s)", len(left))
            return
        if released:
            log.warning("%d message(s) of a round that ended early are back in line", released)

    async def _deliver_lane(self, line: asyncio.Queue[Work | None]) -> None:
        try:
            async with self.transport.connection() as send:
                while (work := await line.get()) is not None:
                    message, mail = work
                    if isinstance(mail, NothingToSend):
                        async with self._recording:
                            await mark_skipped(self.db, message.id, str(mail))
                        self._unsettled.discard(message.id)
                        continue
                    if isinstance(mail, CannotCompose):
                        await self._failed(message, mail, permanent=not mail.transient)
                        continue
                    if len(self._unrecorded) >= self.RECORD_EVERY:
                        await self._record()  # the other lanes wait for it: see REPEATS_AT_MOST
                    if not self._lease_kept():
                        continue  # left to whoever holds it next (`_give_back` tries first)
                    self._unsettled.discard(message.id)  # from here on it may have gone out
                    if await self._hand_off(send, message, mail):
                        self._unrecorded.append((message.id, mail.subject))
        except TransientMailError as exc:  # the transport cannot even start: these wait
            log.warning("mail transport cannot send now, messages will be retried: %s", exc)
            while (work := await line.get()) is not None:
                await self._failed(work[0], exc, permanent=False)

    async def _record(self) -> None:
        async with self._recording:
            sent, self._unrecorded = self._unrecorded, []
            try:
                await mark_sent(self.db, sent, now=self.clock.now())
            except BaseException:
                # Not recorded (the database's disk is full, say): keep them for the next
                # try, or their lease would run out and they would be sent again.
                self._unrecorded[:0] = sent
                raise

    async def _failed(self, message: Outgoing, error: Exception, *, permanent: bool) -> None:
        if permanent or message.attempts >= MAX_ATTEMPTS:
            log.error(
                "mail %s (%s) to %s failed after %d tries, given up: %s",
                message.id, message.kind, message.recipient, message.attempts, error,
            )  # fmt: skip
        async with self._recording:
            await mark_failed(
                self.db, message, str(error), permanent=permanent, now=self.clock.now()
            )
        self._unsettled.discard(message.id)

    async def _hand_off(self, send: Send, message: Outgoing, mail: Mail) -> bool:
        try:
            await send(mail)
        except TransientMailError as exc:
            log.warning("mail %s to %s: will retry: %s", message.id, message.recipient, exc)
            await self._failed(message, exc, permanent=False)
            return False
        except PermanentMailError as exc:
            await self._failed(message, exc, permanent=True)
            return False
        except Exception as exc:  # a transport's surprise costs this message a try, no more
            log.exception("mail %s to %s: unexpected failure, will retry", message.id,
                          message.recipient)  # fmt: skip
            await self._failed(message, TransientMailError(f"{type(exc).__name__}: {exc}"),
                               permanent=False)  # fmt: skip
            return False
        return True
