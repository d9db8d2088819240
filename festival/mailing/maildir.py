"""Reading back the maildir that `MaildirTransport` writes, for the organiser view.

One maildir serves every festival of the service; a message belongs to the festival named in
its Message-ID (`message_domain`), so an organiser only ever sees their own festival's mail.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from email import message_from_binary_file
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.policy import default
from email.utils import parsedate_to_datetime
from pathlib import Path


def message_domain(slug: str) -> str:
    """The right-hand side of the Message-IDs of a festival's mail."""
    return f"{slug}.festival"


@dataclass(frozen=True)
class StoredMail:
    key: str
    subject: str
    recipient: str
    date: datetime | None
    message_id: str


@dataclass(frozen=True)
class MailView:
    """One stored message in parts, as text: the page shows them escaped, never as HTML."""

    mail: StoredMail
    sender: str
    text: str
    html: str
    calendar: str


def _summary(key: str, headers: Message) -> StoredMail:
    try:
        date = parsedate_to_datetime(str(headers["Date"])) if headers["Date"] else None
    except (TypeError, ValueError):
        date = None
    return StoredMail(
        key,
        str(headers["Subject"] or ""),
        str(headers["To"] or ""),
        date,
        str(headers["Message-ID"] or ""),
    )


def _belongs(headers: Message, slug: str) -> bool:
    return str(headers["Message-ID"] or "").endswith(f"@{message_domain(slug)}>")


def _files(directory: Path) -> list[os.DirEntry[str]]:
    found: list[os.DirEntry[str]] = []
    for sub in ("new", "cur"):
        try:
            with os.scandir(directory / sub) as entries:
                found.extend(e for e in entries if e.is_file() and not e.name.startswith("."))
        except (FileNotFoundError, NotADirectoryError):
            continue  # nothing delivered yet, or the maildir is broken (its errors are shown)
    return found


def list_mail(directory: Path, slug: str, *, limit: int) -> tuple[list[StoredMail], bool]:
    """The festival's newest `limit` messages, newest first; and whether there are more."""
    parser = BytesHeaderParser(policy=default)
    newest = sorted(_files(directory), key=lambda e: (e.stat().st_mtime_ns, e.name), reverse=True)
    found: list[StoredMail] = []
    for entry in newest:
        with open(entry.path, "rb") as file:
            headers = parser.parse(file)
        if _belongs(headers, slug):
            if len(found) == limit:
                return found, True
            found.append(_summary(entry.name.split(":", 1)[0], headers))
    return found, False


def read_mail(directory: Path, slug: str, key: str) -> MailView | None:
    """The message stored under `key`, if there is one and it is the festival's.

    The key is only compared with the names found in the maildir, never made into a path.
    """
    path = next((Path(e.path) for e in _files(directory) if e.name.split(":", 1)[0] == key), None)
    if path is None:
        return None
    with open(path, "rb") as file:
        message = message_from_binary_file(file, policy=default)
    if not _belongs(message, slug):
        return None
    parts = {"text/plain": "", "text/html": "", "text/calendar": ""}
    for part in message.walk():
        kind = part.get_content_type()
        if kind in parts and not parts[kind] and isinstance(part, EmailMessage):
            parts[kind] = str(part.get_content())
    return MailView(
        _summary(key, message),
        str(message["From"] or ""),
        parts["text/plain"],
        parts["text/html"],
        parts["text/calendar"],
    )
