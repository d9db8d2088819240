"""What every live websocket (`/ws/channels/…`) does the same way, whatever the channel.

`serve_channel` runs a connection once its token is checked: join the hub, send the opening
(snapshot or replay), then hand the connection to its `Listener`, which sends replies and
events in order (events the opening covered skipped), while this task reads. Each client
message is framed the same way: at most MAX_MESSAGE_CHARS, a JSON object in a text frame,
within the live message limit (per token, shared with the HTTP actions: festival/web/limits.py),
`ping` answered here; the rest goes to the channel's
`Handler`, whose ack or error echoes `ref`. See docs/live-protocol.md for the codes.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket, WebSocketDisconnect

from festival.bus import BusError
from festival.clock import Clock
from festival.errors import FestivalError, Forbidden, Unauthenticated
from festival.live.hub import Connection, Listener, Outgoing, wire
from festival.live.protocol import MessageError
from festival.storage.db import pool_exhausted, storage_trouble
from festival.web.auth import presented_token
from festival.web.limits import TooManyRequests, token_key
from festival.web.requests import JsonRefused, strict_json
from festival.web.server import DIRECT_WRITES, WebSocketProtocol
from festival.web.state import app_state

log = logging.getLogger("festival.web")

MAX_MESSAGE_CHARS: Final = 4096
"""Longest client message read; a question is at most 500 characters, so this is ample."""

CLOSE_BAD_REQUEST: Final = 4400
CLOSE_UNAUTHENTICATED: Final = 4401
CLOSE_FORBIDDEN: Final = 4403
CLOSE_NOT_FOUND: Final = 4404
CLOSE_TOO_MANY: Final = 4429  # this token has too many live connections open
CLOSE_TOO_SLOW: Final = 4008
CLOSE_UNAVAILABLE: Final = 1013  # "try again later"


Handler = Callable[[dict[str, Any], datetime], Awaitable[dict[str, Any]]]
"""Carries out one client message (not `ping`) at `now`; returns the ack without its ref."""
RateCheck = Callable[[], Awaitable[None]]
"""Counts one client message against its limit; raises TooManyRequests when over it."""
Opening = Callable[[], Awaitable[tuple[int, list[str]]]]
"""What a new connection receives first, and the seq that brings the client to."""


MAX_SINCE_DIGITS: Final = 18
"""`since` is at most 18 digits (below 2**63); further ahead than any channel gets a snapshot."""
_SINCE = re.compile(rf"[0-9]{{1,{MAX_SINCE_DIGITS}}}")


class TryLater(FestivalError):
    """The service is too busy to open this connection now; the client tries again."""

    code = "live.busy"
    retry_after = timedelta(seconds=1)


@asynccontextmanager
async def connecting(conn: HTTPConnection) -> AsyncIterator[None]:
    """A step of opening a connection: it waits for the store (a look-up not in memory,
    queued for a pooled connection) at most FESTIVAL_LIVE_CONNECT_SECONDS; then, or when the
    pool's own timeout is out first, the connection is refused with 1013 `live.busy` and the
    client tries again after a pause. Never an unhandled error."""
    try:
        async with asyncio.timeout(app_state(conn).settings.live_connect_seconds):
            yield
    except TimeoutError:
        raise TryLater("the service is busy; try again in a moment") from None
    except Exception as error:
        if pool_exhausted(error):
            raise TryLater("the service is busy; try again in a moment") from None
        raise


def since_of(conn: HTTPConnection) -> int | None:
    raw = conn.query_params.get("since")
    if raw is None or raw == "":
        return None
    # ASCII digits only: str.isdigit also takes '٣' and '²', and int() refuses the latter.
    if not _SINCE.fullmatch(raw):
        raise MessageError(
            "message.invalid_field",
            f"since must be a whole number ≥ 0 of at most {MAX_SINCE_DIGITS} digits 0-9",
            field="since",
        )
    return int(raw)


def error_message(error: FestivalError, ref: object = None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "error", "code": error.code, "message": error.message}
    field = getattr(error, "field", None)
    if field:
        message["field"] = field
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        message["retry_after"] = max(1, round(retry_after.total_seconds()))
    return with_ref(message, ref)


def with_ref(message: dict[str, Any], ref: object) -> dict[str, Any]:
    if ref is not None:
        message["ref"] = ref
    return message


async def refuse(websocket: WebSocket, error: FestivalError) -> None:
    """Tell a client why it may not connect, then close with the matching code."""
    if isinstance(error, Unauthenticated):
        code = CLOSE_UNAUTHENTICATED
    elif isinstance(error, Forbidden):
        code = CLOSE_FORBIDDEN
    elif isinstance(error, MessageError):
        code = CLOSE_BAD_REQUEST  # the connection's address is malformed (e.g. `since`)
    elif isinstance(error, TooManyRequests):
        code = CLOSE_TOO_MANY
    elif isinstance(error, BusError | TryLater):
        code = CLOSE_UNAVAILABLE  # the fan-out (Redis) is down, or too busy: retry later
    else:
        code = CLOSE_NOT_FOUND if error.code.endswith("not_found") else CLOSE_FORBIDDEN
    await websocket.send_text(wire(error_message(error)))
    await websocket.close(code=code, reason=error.code)


async def serve_channel(
    websocket: WebSocket,
    *,
    festival: str,
    channel: str,
    listener: Listener,
    opening: Opening,
    handle: Handler,
) -> None:
    state = app_state(websocket)
    hub = state.live.hub
    secret = presented_token(websocket)
    token = token_key(secret) if secret else None
    try:
        state.limits.connected(token)
    except TooManyRequests as error:
        await refuse(websocket, error)
        return
    try:
        async with connecting(websocket):
            await hub.join(festival, channel, listener)
    except (BusError, TryLater) as error:
        hub.leave(festival, channel, listener)
        state.limits.disconnected(token)
        await refuse(websocket, error)
        return
    # Without a token, messages are counted per connection (and only in this process).
    client = _Client(token or f"c:{uuid.uuid4().hex}", shared=token is not None)
    try:
        try:
            seq = await _send_opening(websocket, opening)
        except (BusError, TryLater) as error:
            await refuse(websocket, error)
            return
        listener.start(_connection(websocket), seq)
        await _read(websocket, listener, handle, client)
    except WebSocketDisconnect:
        pass
    finally:
        hub.leave(festival, channel, listener)
        listener.stop()
        state.limits.disconnected(token)


def _connection(websocket: WebSocket) -> Connection:
    direct = websocket.scope.get("extensions", {}).get(DIRECT_WRITES)
    if isinstance(direct, WebSocketProtocol):
        return _DirectConnection(websocket, direct)
    return _AsgiConnection(websocket)


class _AsgiConnection:
    """A websocket under another ASGI server (`festival serve` offers a direct one): every
    message is sent through the ASGI interface, by the listener's task."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket

    def write(self, message: Outgoing) -> bool:
        return False

    async def send(self, message: Outgoing) -> None:
        await self.websocket.send_text(message.text)

    async def close(self) -> None:
        await _close_dropped(self.websocket)


class _DirectConnection(_AsgiConnection):
    """A websocket of `festival serve`: broadcasts go straight to its transport."""

    def __init__(self, websocket: WebSocket, protocol: WebSocketProtocol) -> None:
        super().__init__(websocket)
        self.protocol = protocol

    def write(self, message: Outgoing) -> bool:
        return self.protocol.write_now(message)

    async def send(self, message: Outgoing) -> None:
        await self.protocol.send_when_writable(message)


async def _send_opening(websocket: WebSocket, opening: Opening) -> int:
    """Send the opening; returns the seq it brought the client to. A function of its own so
    that the opening's text is not held for as long as the connection is open."""
    async with connecting(websocket):
        seq, first = await opening()
    for text in first:
        await websocket.send_text(text)
    return seq


async def _close_dropped(websocket: WebSocket) -> None:
    """Dropped: too slow, or the service is stopping. Either way the client resumes."""
    with suppress(Exception):
        await websocket.close(code=CLOSE_TOO_SLOW, reason="resume with since")


async def _read(websocket: WebSocket, listener: Listener, handle: Handler, client: _Client) -> None:
    state = app_state(websocket)

    def check_rate() -> Awaitable[None]:
        return state.limits.check_message(client.key, shared=client.shared)

    while True:
        frame = await websocket.receive()
        if frame["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(frame.get("code", 1000))
        text = frame.get("text")
        if text is None:  # a binary frame: answered like any other bad message
            refused = MessageError("message.binary", "send messages as JSON in text frames")
            listener.offer(Outgoing(wire(error_message(refused))))
            continue
        reply = await answer_message(text, check_rate, handle, state.clock)
        listener.offer(Outgoing(wire(reply)))


async def answer_message(
    text: str, check_rate: RateCheck, handle: Handler, clock: Clock
) -> dict[str, Any]:
    """The answer to one text frame: `pong`, or the handler's ack, or an `error` with a
    documented code; never an exception (tests/live/qa/test_parser.py tries any input)."""
    ref: object = None
    try:
        if len(text) > MAX_MESSAGE_CHARS:
            raise MessageError(
                "message.too_large", f"a message may be at most {MAX_MESSAGE_CHARS} characters"
            )
        try:
            message = strict_json(text, "the message")
        except JsonRefused as refused:
            raise MessageError("message.invalid_json", refused.message) from None
        if not isinstance(message, dict):
            raise MessageError("message.invalid_json", "a message must be a JSON object")
        ref = message.get("ref")
        await check_rate()
        now = clock.now()
        if message.get("type") == "ping":
            return with_ref({"type": "pong", "server_time": now.isoformat()}, ref)
        return with_ref(await handle(message, now), ref)
    except FestivalError as error:
        return error_message(error, ref)
    except Exception as exc:
        if (trouble := storage_trouble(exc)) is not None:  # a full disk: try again later
            log.error("storage unavailable for a live message: %s", trouble.message)
            answer = error_message(trouble, ref)
            answer["retry_after"] = trouble.retry_after_seconds
            return answer
        # A bug: logged once; the client hears only that it failed.
        log.error("unhandled error in a live message", exc_info=exc)
        return error_message(FestivalError("internal error", code="internal"), ref)


@dataclass(frozen=True)
class _Client:
    """What a connection's messages are counted under (see `Limits.check_message`)."""

    key: str
    shared: bool
