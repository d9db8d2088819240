"""Reading the mail a test's SMTP server received: a message's plain text, its HTML, its
calendar, and the one message with a given subject.

Not a test module: mail tests in every folder import these from here.
"""

from __future__ import annotations

from email.message import Message

import icalendar
import vobject

from tests.mailing.conftest import Inbox


def _part(message: Message, content_type: str) -> str:
    for part in message.walk():
        if part.get_content_type() == content_type:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
    return ""


def text_of(message: Message) -> str:
    """The plain-text part, or "" when there is none."""
    return _part(message, "text/plain")


def html_of(message: Message) -> str:
    """The HTML part, or "" when there is none."""
    return _part(message, "text/html")


def calendar_of(message: Message) -> tuple[str, icalendar.Calendar, object] | None:
    """The calendar part's METHOD, read by two parsers (icalendar and vobject), or None."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            data = part.get_payload(decode=True)
            assert isinstance(data, bytes)
            return (
                str(part.get_param("method")),
                icalendar.Calendar.from_ical(data),
                vobject.readOne(data.decode()),
            )
    return None


def invites(inbox: Inbox) -> list[tuple[str, icalendar.Calendar, object]]:
    """Every calendar received, in the order the messages came."""
    return [c for m in inbox.messages if (c := calendar_of(m)) is not None]


def received(inbox: Inbox, subject: str) -> Message:
    """The one message with `subject` (failing when there are none or several)."""
    (found,) = [m for m in inbox.messages if str(m["Subject"]) == subject]
    return found
