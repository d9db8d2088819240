"""Where mail goes: a maildir under var/ (default) or an SMTP server (FESTIVAL_SMTP_URL).

A transport hands out a connection for a batch (`async with transport.connection() as send`),
so a batch of messages goes over one SMTP session instead of one each. Sending raises
`TransientMailError` for what may work later (connection refused, 4xx) and
`PermanentMailError` for what never will (5xx: unknown recipient, an address the server
cannot take, …); the sender retries the first with backoff and marks the second failed.

`prepare()` runs at start-up: a transport that cannot work says so then (`MailSetupError`),
instead of failing every message later.
"""

from __future__ import annotations

import asyncio
import mailbox
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from festival.mailing.mime import Mail

Send = Callable[[Mail], Awaitable[None]]


class TransientMailError(Exception):
    pass


class PermanentMailError(Exception):
    pass


class MailSetupError(Exception):
    """The transport cannot work as configured (e.g. its directory cannot be made)."""


class Transport(Protocol):
    def prepare(self) -> None:
        """Make what the transport needs, or raise `MailSetupError` saying what is wrong."""
        ...

    def connection(self) -> AbstractAsyncContextManager[Send]: ...


class MaildirTransport:
    """Writes each message as a file into a maildir (`new/`), readable by any mail client."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._box: mailbox.Maildir | None = None
        self._opening = asyncio.Lock()  # lanes start together; the folders are made once

    def prepare(self) -> None:
        try:
            self._box = self._make()
        except OSError as exc:
            raise MailSetupError(
                f"the mail directory {self.directory} cannot be made: {exc.strerror or exc}"
            ) from exc

    def _make(self) -> mailbox.Maildir:
        # Its parent too: the var directory need not exist when the database lives elsewhere.
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        return mailbox.Maildir(self.directory, create=True)

    async def _open(self) -> mailbox.Maildir:
        async with self._opening:
            if self._box is None:
                try:
                    self._box = await asyncio.to_thread(self._make)
                except OSError as exc:
                    raise TransientMailError(f"maildir {self.directory}: {exc}") from exc
            return self._box

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Send]:
        box = await self._open()

        async def send(mail: Mail) -> None:
            try:
                await asyncio.to_thread(box.add, mail.data)
            except OSError as exc:
                self._box = None  # open it afresh next time: its folders may be gone
                raise TransientMailError(f"maildir {self.directory}: {exc}") from exc

        yield send


class SmtpTransport:
    """`smtp://user:pass@host:587` (STARTTLS when offered; `?starttls=require` insists),
    `smtps://…:465` (TLS from the start)."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"FESTIVAL_SMTP_URL must be smtp://host[:port] or smtps://…: {url!r}")
        query = parse_qs(parts.query)
        self.hostname = parts.hostname
        self.implicit_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.start_tls: bool | None = True if query.get("starttls") == ["require"] else None
        if self.implicit_tls:
            self.start_tls = False
        self.timeout = timeout

    def prepare(self) -> None:
        """Nothing to make: the URL was checked above, and a server that is down now may be
        up by the time there is mail (its failures are retried and shown)."""

    def _client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.implicit_tls,
            start_tls=self.start_tls,
            timeout=self.timeout,
        )

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Send]:
        """One SMTP session for many messages; connects on the first and again after a
        dropped connection, so one failure costs one message, not the batch."""
        client: aiosmtplib.SMTP | None = None

        async def send(mail: Mail) -> None:
            nonlocal client
            try:
                if client is None or not client.is_connected:
                    client = self._client()
                    await client.connect()
                # A non-ASCII local part only goes over SMTPUTF8 (RFC 6531); aiosmtplib checks
                # that the server offers it and raises SMTPNotSupported when it does not.
                options = ["SMTPUTF8"] if mail.utf8 else []
                await client.sendmail(
                    mail.sender, [mail.recipient], mail.data, mail_options=options
                )
            except aiosmtplib.SMTPNotSupported as exc:
                if mail.utf8:
                    raise PermanentMailError(
                        f"the mail server does not offer SMTPUTF8, which the address "
                        f"{mail.recipient} needs (not ASCII before the @)"
                    ) from exc
                client = None
                raise TransientMailError(f"SMTP: {exc}") from exc
            except ValueError as exc:  # aiosmtplib refuses an address it cannot send safely
                raise PermanentMailError(f"address cannot be sent: {exc}") from exc
            except aiosmtplib.SMTPRecipientsRefused as exc:
                codes = [response.code for response in exc.recipients]
                error = f"recipient refused: {exc}"
                if all(code >= 500 for code in codes):
                    raise PermanentMailError(error) from exc
                raise TransientMailError(error) from exc
            except aiosmtplib.SMTPResponseException as exc:
                if exc.code >= 500:
                    raise PermanentMailError(f"SMTP {exc.code}: {exc.message}") from exc
                raise TransientMailError(f"SMTP {exc.code}: {exc.message}") from exc
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                client = None  # start afresh with the next message
                raise TransientMailError(f"SMTP: {exc}") from exc

        try:
            yield send
        finally:
            if client is not None and client.is_connected:
                # The messages are handed off already; a failing QUIT changes nothing.
                with suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                    await client.quit()


def make_transport(smtp_url: str, mail_dir: Path) -> Transport:
    return SmtpTransport(smtp_url) if smtp_url else MaildirTransport(mail_dir)
