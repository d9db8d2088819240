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
        `delay` makes it a slow server (seconds before it answers each message) and `gate` one that
    answers nothing until the test opens it."""

    messages: list[Message] = field(default_factory=list)
    refused: list[Message] = field(default_factory=list)  # what it answered with `refuse`
    envelopes: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    refuse: list[str] = field(default_factory=list)
    delay: float = 0.0
    gate: threading.Event | None = None  # when given, each message waits until it is set
    held: threading.Event = field(default_factory=threading.Event)  # one waits at the gate
    _arrived: threading.Condition = field(default_factory=threading.Condition, repr=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.gate is not None:
            self.held.set()
            await asyncio.to_thread(self.gate.wait)
        if self.refuse:
            self.refused.append(email.message_from_bytes(envelope.content, policy=default))
            return self.refuse.pop(0)
        with self._arrived:
            self.messages.append(
                # An SMTPUTF8 message has UTF-8 headers (RFC 6532), which from_bytes would not
                # decode.
                email.message_from_string(envelope.content.decode("utf-8"), policy=default)
                if envelope.smtp_utf8
                else email.message_from_bytes(envelope.content, policy=default)
            )
            # (MAIL FROM, RCPT TO, MAIL options such as SMTPUTF8)
            self.envelopes.append(
                (envelope.mail_from, tuple(envelope.rcpt_tos), tuple(envelope.mail_options))
            )
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


def _serve(**options: Any) -> Iterator[tuple[Inbox, str]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:
    """A server that offers SMTPUTF8 (aiosmtpd's default)."""
    yield from _serve()


@pytest.fixture
def smtp_ascii() -> Iterator[tuple[Inbox, str]]:
    """A server that does not offer SMTPUTF8: only ASCII addresses."""
    yield from _serve(enable_SMTPUTF8=False)
