"""A ready-to-send e-mail (`Mail`) and the MIME writer that makes one.

Every festival mail has the same shape: a plain-text and an HTML alternative, and for invites
a text/calendar part. Building that through `email.message.EmailMessage` (default policy) and
flattening it costs a few milliseconds per message, mostly in header objects and the
generator; the benchmark (docs/benchmarks.md) sends tens of thousands. So the shape is
written directly: headers encoded by `email.header` / `email.utils` (RFC 2047), every body
base64, which keeps lines short and 7-bit and can never contain a boundary (boundaries hold
`_`, which base64 does not use).
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr

CRLF = "\r\n"


@dataclass(frozen=True)
class Mail:
    """One message as it goes over the wire, with the envelope it goes in."""

    sender: str  # envelope sender (MAIL FROM)
    recipient: str  # envelope recipient (RCPT TO)
    message_id: str
    subject: str
    data: bytes  # the whole message, CRLF line ends, 7-bit


def address(name: str, mailbox: str) -> str:
    """`Name <mailbox>`, the name RFC 2047-encoded when it is not plain ASCII."""
    return formataddr((name, mailbox), charset="utf-8")


def _header(name: str, value: str) -> str:
    # A line break in a value (a title, a name) must never start a header of its own.
    value = " ".join(value.splitlines())
    if value.isascii() and (len(name) + len(value) < 76 or " " not in value):
        # Nowhere to fold (a Message-ID): a longer line is still far below the limit of 998.
        return f"{name}: {value}"
    return _folded(name, value)


@functools.lru_cache(maxsize=256)
def _folded(name: str, value: str) -> str:
    """A header folded (long plain text, only at its spaces) or RFC 2047-encoded.

    Cached: the messages of a batch share their subjects and sender, and `email.header`
    takes longer over one of them than the rest of the message takes to write."""
    if value.isascii():
        return f"{name}: " + Header(value, header_name=name).encode(linesep=CRLF)
    return f"{name}: " + Header(value, "utf-8", header_name=name).encode(linesep=CRLF)


def _base64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii").replace("\n", CRLF)


def _part(content_type: str, data: bytes, extra: tuple[str, ...] = ()) -> str:
    head = [f"Content-Type: {content_type}", "Content-Transfer-Encoding: base64", *extra]
    return CRLF.join(head) + CRLF + CRLF + _base64(data)


def _multipart(subtype: str, boundary: str, parts: list[str]) -> str:
    body = "".join(f"--{boundary}{CRLF}{part}{CRLF}" for part in parts)
    return (
        f'Content-Type: multipart/{subtype}; boundary="{boundary}"{CRLF}{CRLF}{body}--{boundary}--'
    )


def write_mail(
    *,
    headers: list[tuple[str, str]],
    text: str,
    html: str,
    calendar: tuple[str, bytes] | None,
    boundary: str,
) -> bytes:
    """The message: `headers` (values not yet encoded; addresses made with `address`), then
    the body parts.

    `boundary` must be unique to the message (e.g. from its Message-ID) and contain `_`.
    """
    assert "_" in boundary, "a boundary without '_' could occur in base64 text"
    alternative = _multipart(
        "alternative",
        f"{boundary}_alt",
        [
            _part('text/plain; charset="utf-8"', text.encode("utf-8")),
            _part('text/html; charset="utf-8"', html.encode("utf-8")),
        ],
    )
    if calendar is None:
        body = alternative
    else:
        method, data = calendar
        invite = _part(
            f'text/calendar; charset="utf-8"; method="{method}"',
            data,
            ('Content-Disposition: attachment; filename="invite.ics"',),
        )
        body = _multipart("mixed", f"{boundary}_mix", [alternative, invite])
    lines = [_header(name, value) for name, value in headers]
    lines.append("MIME-Version: 1.0")
    return (CRLF.join(lines) + CRLF + body + CRLF).encode("ascii")
