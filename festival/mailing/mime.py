"""A ready-to-send e-mail (`Mail`) and the MIME writer that makes one.

Every festival mail has the same shape: a plain-text and an HTML alternative, and for invites
a text/calendar part. Building that through `email.message.EmailMessage` (default policy) and
flattening it costs a few milliseconds per message, mostly in header objects and the
generator; the benchmark (docs/benchmarks.md) sends tens of thousands. So the shape is
written directly: headers encoded by `email.header` / `email.utils` (RFC 2047), every body
base64, which keeps lines short and 7-bit and can never contain a boundary (boundaries hold
`_`, which base64 does not use).

Addresses are made fit for the envelope here (`envelope`): a domain goes out in its ASCII
(punycode) form; a local part that is not ASCII needs a server that offers SMTPUTF8, so the
message says so (`Mail.utf8`) and its address headers are then written in UTF-8 (RFC 6532).
An address that cannot be sent at all raises `BadAddress`, which fails that one message.
"""

from __future__ import annotations

import base64
import functools
import re
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr

from email_validator import EmailNotValidError, validate_email

CRLF = "\r\n"


@dataclass(frozen=True)
class Mail:
    """One message as it goes over the wire, with the envelope it goes in."""

    sender: str  # envelope sender (MAIL FROM)
    recipient: str  # envelope recipient (RCPT TO)
    message_id: str
    subject: str
    data: bytes  # the whole message, CRLF line ends, 7-bit unless `utf8`
    utf8: bool = False  # an address has a non-ASCII local part: only over SMTPUTF8


class BadAddress(ValueError):
    """A stored address that no mail server could be given; its message fails for good."""


# The common case, checked without the library: a dot-atom local part and an ASCII domain.
_PLAIN = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")


@functools.lru_cache(maxsize=4096)
def envelope(mailbox: str) -> tuple[str, bool]:
    """(the address as it goes into the envelope and headers, whether it needs SMTPUTF8).

    The domain is given in its ASCII form (IDNA 2008, by email-validator), so `ann@bücher.de`
    goes out as `ann@xn--bcher-kva.de`; a non-ASCII local part (`zoë@…`) has no ASCII form.
    Only what the sender must know is checked here: whether the registration form should
    have taken an address is decided there.
    """
    if _PLAIN.fullmatch(mailbox):
        return mailbox, False
    try:
        # As little policy as the library allows: `.test` and single-label domains pass.
        found = validate_email(
            mailbox,
            check_deliverability=False,
            allow_smtputf8=True,
            test_environment=True,
            globally_deliverable=False,
        )
    except EmailNotValidError as exc:
        raise BadAddress(f"address {mailbox!r} cannot be sent to: {exc}") from exc
    return f"{found.local_part}@{found.ascii_domain}", not found.local_part.isascii()


def address(name: str, mailbox: str) -> str:
    """`Name <mailbox>`, the name RFC 2047-encoded when it is not plain ASCII; `mailbox` as
    `envelope` gives it (a non-ASCII one is written as is, for SMTPUTF8)."""
    if mailbox.isascii():
        return formataddr((name, mailbox), charset="utf-8")
    # formataddr refuses a non-ASCII mailbox; encode the name alone (RFC 6532 keeps the rest).
    stand_in = "a@b"
    named = formataddr((name, stand_in), charset="utf-8")
    return named.replace(stand_in, mailbox) if named != stand_in else mailbox


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
    """The message: `headers` (values not yet encoded, but `From` and `To` made with
    `address`, written as they are), then the body parts. UTF-8 only where an address is not
    ASCII (for SMTPUTF8), else 7-bit.

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
    lines = [
        # A non-ASCII mailbox cannot be RFC 2047-encoded; `address` encoded the name already.
        f"{name}: {' '.join(value.splitlines())}"
        if name in _ADDRESSES and not value.isascii()
        else _header(name, value)
        for name, value in headers
    ]
    lines.append("MIME-Version: 1.0")
    return (CRLF.join(lines) + CRLF + body + CRLF).encode("utf-8")


_ADDRESSES = frozenset({"From", "To"})  # encoded by `address` already
