"""A real SMTP server (aiosmtpd) in the test process that keeps every message it accepts."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    """What the server received; `refuse` answers the next N messages with that reply, and
    `delay` makes it a slow server (seconds before it answers each message)."""

    messages: list[Message] = field(default_factory=list)
    refuse: list[str] = field(default_factory=list)
    delay: float = 0.0
    _arrived: threading.Condition = field(default_factory=threading.Condition, repr=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.refuse:
            return self.refuse.pop(0)
        with self._arrived:
            self.messages.append(email.message_from_bytes(envelope.content, policy=default))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def ids(self) -> list[str]:
        with self._arrived:
            return [str(m["Message-ID"]) for m in self.messages]

    def wait_until(self, done: Callable[[list[Message]], bool], timeout: float) -> bool:
        """Block until `done(messages)` holds (checked on every arrival) or `timeout` passes."""
        with self._arrived:
            return self._arrived.wait_for(lambda: done(self.messages), timeout)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()
