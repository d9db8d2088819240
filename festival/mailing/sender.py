"""Delivers the outbox: claim due messages, compose, send, record — in a loop.

A batch is claimed at once and composed message by message while `LANES` connections side by
side hand the finished ones off; what they sent is recorded every `RECORD_EVERY` messages. So
delivery is at least once: if the process dies after a hand-off and before the record, those
messages (at most `REPEATS_AT_MOST`) are sent again once their rows are claimed again. The
same row always carries the same Message-ID, so a receiver can spot the repeat. Every other
failure is retried with backoff or marked failed.

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
from pathlib import Path

from festival.clock import Clock
from festival.mailing.compose import Composer, NothingToSend
from festival.mailing.mime import Mail
from festival.mailing.transport import PermanentMailError, Send, TransientMailError, Transport
from festival.storage.db import Database, storage_trouble
from festival.storage.outbox_repo import (
    Outgoing,
    claim,
    mark_failed,
    mark_sent,
    mark_skipped,
    release_claims,
)

log = logging.getLogger("festival.mail")
Work = tuple[Outgoing, Mail | NothingToSend]
POLL_SECONDS = 2.0  # also picks up messages queued by other processes (CLI, other instances)
STOP_SECONDS = 10.0  # how long a stopping sender may finish its round


class Sender:
    BATCH = 200  # rows claimed, composed and sent together (see docs/benchmarks.md)
    LANES = 4  # connections a batch is spread over
    RECORD_EVERY = 40  # sent rows recorded together (one transaction costs milliseconds)
    # Handed off but not yet recorded, at any moment: below RECORD_EVERY before a lane sends,
    # plus one in flight and one just sent per lane. After a crash these are sent again.
    REPEATS_AT_MOST = RECORD_EVERY + 2 * LANES

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
        self._unrecorded: list[tuple[int, str]] = []  # (row, subject) handed off, not recorded

    def wake(self) -> None:
        """Something was queued: look now instead of at the next poll."""
        self._wake.set()

    def start(self) -> None:
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
        if self._task is not None:
            # Not before a started sender has taken over: it puts rows left `sending` back in
            # line, and must not take this round's rows for a dead sender's.
            await self._ready.wait()
        if self._unrecorded:
            await self._record()  # a round that could not record (full disk): that first
        async with self._recording:
            batch = await claim(self.db, now=self.clock.now(), limit=self.BATCH)
        if not batch:
            return 0
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
            await self._record()  # also when stopped half-way: what went out is recorded
        return len(batch)

    async def _deliver_lane(self, line: asyncio.Queue[Work | None]) -> None:
        try:
            async with self.transport.connection() as send:
                while (work := await line.get()) is not None:
                    message, mail = work
                    if isinstance(mail, NothingToSend):
                        async with self._recording:
                            await mark_skipped(self.db, message.id, str(mail))
                        continue
                    if len(self._unrecorded) >= self.RECORD_EVERY:
                        await self._record()  # the other lanes wait for it: see REPEATS_AT_MOST
                    if await self._hand_off(send, message, mail):
                        self._unrecorded.append((message.id, mail.subject))
        except TransientMailError as exc:  # the transport cannot even start: these wait
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
        async with self._recording:
            await mark_failed(
                self.db, message, str(error), permanent=permanent, now=self.clock.now()
            )

    async def _hand_off(self, send: Send, message: Outgoing, mail: Mail) -> bool:
        try:
            await send(mail)
        except TransientMailError as exc:
            log.warning("mail %s to %s: will retry: %s", message.id, message.recipient, exc)
            await self._failed(message, exc, permanent=False)
            return False
        except PermanentMailError as exc:
            log.error("mail %s to %s failed: %s", message.id, message.recipient, exc)
            await self._failed(message, exc, permanent=True)
            return False
        return True
