"""Delivers the outbox: claim due messages, compose, send, record — in a loop.

At most once per claimed row: a message is sent, then recorded as sent. If the process dies in
between, the row's lease runs out and it is sent again (the same Message-ID lets a receiver
spot the repeat); every other failure is retried with backoff or marked failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from festival.clock import Clock
from festival.mailing.compose import Composer, NothingToSend
from festival.mailing.transport import PermanentMailError, TransientMailError, Transport
from festival.storage.db import Database
from festival.storage.outbox_repo import claim, mark_failed, mark_sent, mark_skipped

log = logging.getLogger("festival.mail")
POLL_SECONDS = 2.0  # also picks up messages queued by other processes (CLI, other instances)


class Sender:
    def __init__(
        self, db: Database, composer: Composer, transport: Transport, clock: Clock
    ) -> None:
        self.db = db
        self.composer = composer
        self.transport = transport
        self.clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Something was queued: look now instead of at the next poll."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="festival-mail-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                sent = await self.deliver_due()
            except Exception:  # the loop must outlive a bad row or a database hiccup
                log.exception("mail sender round failed")
                sent = 0
            if sent == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)

    async def deliver_due(self) -> int:
        """One round: send what is due now; returns how many were handled."""
        batch = await claim(self.db, now=self.clock.now())
        for message in batch:
            try:
                email = await self.composer.compose(message, self.clock.now())
            except NothingToSend as reason:
                await mark_skipped(self.db, message.id, str(reason))
                continue
            try:
                await self.transport.send(email)
            except TransientMailError as exc:
                log.warning("mail %s to %s: will retry: %s", message.id, message.recipient, exc)
                await mark_failed(self.db, message, str(exc), permanent=False, now=self.clock.now())
                continue
            except PermanentMailError as exc:
                log.error("mail %s to %s failed: %s", message.id, message.recipient, exc)
                await mark_failed(self.db, message, str(exc), permanent=True, now=self.clock.now())
                continue
            await mark_sent(
                self.db, message.id, subject=str(email["Subject"]), now=self.clock.now()
            )
        return len(batch)
