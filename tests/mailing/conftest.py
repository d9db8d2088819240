"""A real SMTP server (aiosmtpd) in the test process that keeps every message it accepts."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    """What the server received; `refuse` answers the next N messages with that reply."""

    messages: list[Message] = field(default_factory=list)
    refuse: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse.pop(0)
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 Message accepted for delivery"

    def ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


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
