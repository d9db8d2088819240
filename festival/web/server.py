"""How `festival serve` runs the app under uvicorn: its timeouts and what a connection may hold.

uvicorn alone holds a connection whose request head never completes for ever (its keep-alive
timer only runs between requests), lets the kernel buffer megabytes for a viewer that stopped
reading, and waits for room in that buffer before it will even send a close. The protocol
classes here add what is missing; every number is in docs/live-protocol.md and docs/api.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from asyncio import BaseTransport, TimerHandle, Transport
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, Final, Generic, TypeVar, cast

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode

from festival.config import Settings
from festival.live.hub import Outgoing

REQUEST_HEAD_SECONDS: Final = 10.0
"""A request's line and headers must arrive within this of the connection opening (or of the
request's first byte on a kept-alive connection); then it is answered 408 and closed."""
REQUEST_BODY_SECONDS: Final = 10.0
"""A request's body (at most 64 KiB is read) must arrive within this of its headers; then the
connection is closed."""
KEEP_ALIVE_SECONDS: Final = 5
"""An idle kept-alive HTTP connection is closed after this (uvicorn's `timeout_keep_alive`)."""
SEND_BUFFER_BYTES: Final = 32 * 1024
"""The kernel's send buffer of a websocket (SO_SNDBUF; Linux doubles what is asked, so 64 KiB).
Left alone, Linux grows it to megabytes for a viewer that stopped reading."""
WRITE_BUFFER_BYTES: Final = 32 * 1024
"""What the server buffers for a websocket above the kernel's buffer before a send waits and
the viewer's messages queue (see `festival.live.hub.QUEUE_BYTES`)."""
CLOSE_SECONDS: Final = 10.0
"""After the server closes a websocket, how long the client has to read what is buffered and
answer the close before the connection is cut (TCP reset) and its buffers freed."""
DIRECT_WRITES: Final = "festival.direct_writes"
"""The ASGI scope extension under which a websocket offers its `WebSocketProtocol`, for
`festival.web.channel_io` to write broadcasts to straight away (`write_now`)."""
MAX_FRAME_BYTES: Final = 64 * 1024
"""A client message is at most 4,096 characters (docs/live-protocol.md); a frame far beyond
that is refused (close 1009) before it is buffered."""


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, plus deadlines for the request head and body."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: TimerHandle | None = None

    def connection_made(self, transport: Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect(REQUEST_HEAD_SECONDS, self._head_too_late)

    def connection_lost(self, exc: Exception | None) -> None:
        self._arrived()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._expect(REQUEST_HEAD_SECONDS, self._head_too_late)

    def on_headers_complete(self) -> None:
        self._arrived()
        super().on_headers_complete()
        if not (self.parser.should_upgrade() and self._should_upgrade()):  # a websocket's own
            self._expect(REQUEST_BODY_SECONDS, self._body_too_late)

    def on_message_complete(self) -> None:
        self._arrived()
        super().on_message_complete()

    def _expect(self, seconds: float, too_late: Callable[[], None]) -> None:
        self._arrived()
        self._deadline = self.loop.call_later(seconds, too_late)

    def _arrived(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_too_late(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.write(
                b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            )
            self.transport.close()

    def _body_too_late(self) -> None:
        """The app may be answering already, so no 408 of our own: the app's read of the body
        ends (the client is gone, as far as it knows) and so does the connection."""
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


T = TypeVar("T")


class _Inbox(Generic[T]):
    """What uvicorn's protocol queues for the app to receive: the `put_nowait`, `get` and
    `empty` of the asyncio.Queue it makes, for one reader, holding a deque only while
    something waits in it. An asyncio.Queue holds four deques (about 2.5 KB) for as long as
    the connection is open; a crowd of viewers that seldom send anything needs none."""

    __slots__ = ("_items", "_reader")

    def __init__(self) -> None:
        self._items: deque[T] | None = None
        self._reader: asyncio.Future[None] | None = None

    def put_nowait(self, item: T) -> None:
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        if self._reader is not None and not self._reader.done():
            self._reader.set_result(None)

    async def get(self) -> T:
        while not self._items:
            self._reader = asyncio.get_running_loop().create_future()
            try:
                await self._reader
            finally:
                self._reader = None
        item = self._items.popleft()
        if not self._items:
            self._items = None
        return item

    def empty(self) -> bool:
        return not self._items


class _Flag:
    """asyncio.Event's `set`, `clear`, `is_set` and `wait`, holding a list of waiters only
    while someone waits (an Event holds a deque, 0.6 KB, for the connection's life)."""

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = False
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> bool:
        if self._set:
            return True
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)
        return True


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websocket protocol with bounded buffers and closes that cannot hang, and
    small for a crowd held open.

    A close is written at once even when the send buffer is full (uvicorn would wait for room
    first, and a viewer that stopped reading never makes any), and a connection whose close
    is not answered within CLOSE_SECONDS is cut, so a stalled viewer's buffers are freed.
    What a held connection keeps is made smaller (docs/benchmarks.md, "Live: reconnect
    storm"): its receive queue and write flag hold nothing while idle (`_Inbox`, `_Flag`),
    and the handshake's request and response are let go once it is answered (the app keeps
    what it needs in its scope).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = _Inbox()  # type: ignore[assignment]  # duck-typed: put_nowait, get, empty
        self.writable = _Flag()  # type: ignore[assignment]  # duck-typed: set, clear, wait
        self.writable.set()

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # none when the handshake was refused
        if scope is not None:
            scope["extensions"][DIRECT_WRITES] = self

    def write_now(self, message: Outgoing) -> bool:
        """Write a message at once, as `websockets.broadcast` does, unless the buffer is full
        (False: nothing written; `send_when_writable` waits for room). Without compression
        the frame is built once per message and the same bytes go to every connection; with
        it, each connection compresses with its own context. Raises ConnectionError once
        the connection is closing."""
        if self.close_sent or self.disconnected or self.transport.is_closing():
            raise ConnectionError("the websocket is closing")
        if not self.writable.is_set():
            return False
        if self.conn.extensions:
            self.conn.send_text(message.text.encode())
            self.transport.write(b"".join(self.conn.data_to_send()))
        else:
            if message.frame is None:
                frame = Frame(Opcode.TEXT, message.text.encode())
                message.frame = frame.serialize(mask=False, extensions=[])
            self.transport.write(message.frame)
        return True

    async def send_when_writable(self, message: Outgoing) -> None:
        while True:
            await self.writable.wait()
            if self.write_now(message):  # else paused again by a write in between
                return

    def connection_made(self, transport: BaseTransport) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        cast(Transport, transport).set_write_buffer_limits(high=WRITE_BUFFER_BYTES)

    async def send(self, message: Any) -> None:
        if message["type"] == "websocket.close" and self._may_close_now():
            # Past a full buffer: the close frame goes behind what is buffered, and the client
            # reads it after those if it reads again within CLOSE_SECONDS.
            self.writable.set()
            try:
                await super().send(message)
            finally:
                self.writable.clear()
        else:
            await super().send(message)
        if message["type"] == "websocket.accept":
            # Answered: uvicorn reads neither again.
            self.request = self.response = None  # type: ignore[assignment]
        if message["type"] == "websocket.close":
            self._cut_after_close()

    def keepalive_timeout(self) -> None:
        super().keepalive_timeout()
        self._cut_after_close()

    def _may_close_now(self) -> bool:
        return (
            self.handshake_complete
            and self.initial_response is None
            and not self.close_sent
            and not self.disconnected
            and not self.writable.is_set()
        )

    def _cut_after_close(self) -> None:
        """`transport.close` waits for the buffer to drain, for ever if nobody reads it."""
        if self.close_timer is not None:
            self.close_timer.cancel()
        self.close_timer = self.loop.call_later(CLOSE_SECONDS, self._cut)

    def _cut(self) -> None:
        self.close_timer = None
        if not self.disconnected:
            self.transport.abort()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """What `festival serve` passes to uvicorn besides the app, host and port."""
    return {
        "http": HttpProtocol,
        "ws": WebSocketProtocol,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "ws_max_size": MAX_FRAME_BYTES,
        "ws_per_message_deflate": settings.ws_compression == "deflate",
        "ws_ping_interval": settings.ws_ping_interval or None,
        "ws_ping_timeout": settings.ws_ping_timeout or None,
    }


class Server(uvicorn.Server):
    """uvicorn's server, telling `on_listening` once the app has started and the socket
    listens (so what it prints comes after every start-up line), and ending a stop asked for
    by Ctrl-C or SIGTERM with exit 0: uvicorn raises the signal again once it has shut down,
    and `make run` would report that as a failure ("Terminated", "Error 130")."""

    def __init__(self, config: uvicorn.Config, on_listening: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_listening = on_listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._on_listening()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The shutdown it asks for is the whole answer to the signal: nothing raised after.
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


STOP_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)
