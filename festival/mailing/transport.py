"""Where mail goes: a maildir under var/ (default) or an SMTP server (FESTIVAL_SMTP_URL).

Transports raise `TransientMailError` for what may work later (connection refused, 4xx) and
`PermanentMailError` for what never will (5xx: unknown recipient, …); the sender retries the
first with backoff and marks the second failed.
"""

from __future__ import annotations

import asyncio
import mailbox
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib


class TransientMailError(Exception):
    pass


class PermanentMailError(Exception):
    pass


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class MaildirTransport:
    """Writes each message as a file into a maildir (`new/`), readable by any mail client."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _add(self, message: EmailMessage) -> None:
        box = mailbox.Maildir(self.directory, create=True)
        box.add(message)

    async def send(self, message: EmailMessage) -> None:
        try:
            await asyncio.to_thread(self._add, message)
        except OSError as exc:
            raise TransientMailError(f"maildir: {exc}") from exc


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

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message,
                hostname=self.hostname,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.implicit_tls,
                start_tls=self.start_tls,
                timeout=self.timeout,
            )
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
            raise TransientMailError(f"SMTP: {exc}") from exc


def make_transport(smtp_url: str, mail_dir: Path) -> Transport:
    return SmtpTransport(smtp_url) if smtp_url else MaildirTransport(mail_dir)
