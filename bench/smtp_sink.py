"""A cheap SMTP sink for the mail benchmark: accepts every message and counts it.

aiosmtpd needs about half a millisecond of CPU per message, more under load (see
docs/benchmarks.md): on a 2-core machine a sink that costly takes CPU the sender under test
would otherwise have. This one does only what a counting sink needs: one asyncio Protocol
per connection, commands answered from a few fixed replies, and message data scanned for
its end only, never parsed, unstuffed or kept.

It answers EHLO with the same extensions aiosmtpd offers (SIZE, 8BITMIME, SMTPUTF8), so
the client does the same work with either sink. PIPELINING is not offered: aiosmtplib sends
one command at a time anyway. For the benchmark only: it accepts any address, and it
trusts its one client (127.0.0.1) not to flood it.
"""

from __future__ import annotations

import asyncio
from typing import cast

END_OF_DATA = b"\r\n.\r\n"
# A command line is at most 512 octets (RFC 5321, 4.5.3.1.4); far longer is no SMTP client.
MAX_LINE = 4096


class Counter:
    """What every connection of one sink adds to."""

    def __init__(self) -> None:
        self.accepted = 0


class SinkProtocol(asyncio.Protocol):
    """One SMTP session: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def __init__(self, counter: Counter, hostname: str) -> None:
        self.counter = counter
        self.greeting = f"220 {hostname} ESMTP counting sink\r\n".encode()
        self.ehlo = (
            f"250-{hostname}\r\n250-SIZE 33554432\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n".encode()
        )
        self.helo = f"250 {hostname}\r\n".encode()
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.in_data = False
        self.sender = False  # MAIL given in this transaction
        self.recipients = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not subclasses of asyncio's, only alike.
        self.transport = cast(asyncio.Transport, transport)
        self.transport.write(self.greeting)

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        replies: list[bytes] = []
        while self.buffer and not self.transport.is_closing():
            if self.in_data:
                if not self._end_of_data(replies):
                    break
            elif not self._command(replies):
                break
        if replies:
            # A packet with several commands gets one write, not one per reply.
            self.transport.write(b"".join(replies))

    def _end_of_data(self, replies: list[bytes]) -> bool:
        """Look for the end of the message; False when it has not arrived yet."""
        end = self.buffer.find(END_OF_DATA)
        if end < 0:
            # Keep only what could be the start of a terminator split over two packets.
            del self.buffer[: -(len(END_OF_DATA) - 1)]
            return False
        del self.buffer[: end + len(END_OF_DATA)]
        self.in_data = False
        self.sender, self.recipients = False, 0
        self.counter.accepted += 1
        replies.append(b"250 OK\r\n")
        return True

    def _command(self, replies: list[bytes]) -> bool:
        """Answer one command line; False when the line is not complete yet."""
        assert self.transport is not None
        end = self.buffer.find(b"\n")
        if end < 0:
            if len(self.buffer) > MAX_LINE:
                self._close(replies, b"500 Error: line too long\r\n")
            return False
        line = bytes(self.buffer[:end]).rstrip(b"\r")
        del self.buffer[: end + 1]
        verb = line[:4].upper()
        if verb == b"EHLO":
            self.sender, self.recipients = False, 0
            replies.append(self.ehlo)
        elif verb == b"HELO":
            self.sender, self.recipients = False, 0
            replies.append(self.helo)
        elif verb == b"MAIL":
            if self.sender:
                replies.append(b"503 Error: nested MAIL command\r\n")
            else:
                self.sender = True
                replies.append(b"250 OK\r\n")
        elif verb == b"RCPT":
            if self.sender:
                self.recipients += 1
                replies.append(b"250 OK\r\n")
            else:
                replies.append(b"503 Error: need MAIL command\r\n")
        elif verb == b"DATA":
            if self.recipients:
                # The terminator is CRLF . CRLF, and the CRLF ending the DATA line counts as
                # the first one: an empty message is just ".\r\n".
                self.buffer[:0] = b"\r\n"
                self.in_data = True
                replies.append(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            else:
                replies.append(b"503 Error: need RCPT command\r\n")
        elif verb == b"RSET":
            self.sender, self.recipients = False, 0
            replies.append(b"250 OK\r\n")
        elif verb == b"NOOP":
            replies.append(b"250 OK\r\n")
        elif verb == b"QUIT":
            self._close(replies, b"221 Bye\r\n")
        else:
            replies.append(b"500 Error: command not recognized\r\n")
        return True

    def _close(self, replies: list[bytes], last: bytes) -> None:
        """Send what is answered so far and `last`, then hang up."""
        assert self.transport is not None
        self.transport.write(b"".join([*replies, last]))
        replies.clear()
        self.transport.close()


async def serve(counter: Counter, host: str, port: int) -> asyncio.Server:
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: SinkProtocol(counter, host), host, port)
