"""Live Q&A over websockets (`/ws/channels/CHANNEL`) and the same actions over the JSON API.

A connection: accept; check the token (refused: an `error`, then close 4401/4403); join the
hub; send a `snapshot`, or with `since` every missed `event`; then read client messages and
answer each with `ack` after commit or `error`, echoing `ref`. One task writes, so replies and
events leave in order; a viewer whose queue overflows is closed with 4008 and resumes.
See docs/live-protocol.md.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Final

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from festival.bus import BusError
from festival.errors import FestivalError, Forbidden, Unauthenticated
from festival.live.channels import QaChannelInfo, qa_channel
from festival.live.hub import Listener, wire
from festival.live.qa_actions import MessageError, Viewer, perform
from festival.live.qa_views import AUDIENCE, MODERATOR, qa_event_message, qa_snapshot
from festival.programme.model import Festival
from festival.storage.registration_repo import read_registration
from festival.web.auth import grant_of, presented_token
from festival.web.programme import current_festival
from festival.web.requests import read_json_object
from festival.web.state import app_state

MAX_MESSAGE_CHARS: Final = 4096
"""Longest client message read; a question is at most 500 characters, so this is ample."""
RATE_PER_SECOND: Final = 5.0
RATE_BURST: Final = 20
"""Client messages per connection: a burst of 20, then 5 a second; the rest get an error."""

CLOSE_UNAUTHENTICATED: Final = 4401
CLOSE_FORBIDDEN: Final = 4403
CLOSE_NOT_FOUND: Final = 4404
CLOSE_TOO_SLOW: Final = 4008
CLOSE_UNAVAILABLE: Final = 1013  # "try again later"


@dataclass(frozen=True)
class Channel:
    festival: Festival
    info: QaChannelInfo


async def viewer_for(
    conn: HTTPConnection, festival: Festival, info: QaChannelInfo, secret: str
) -> Viewer:
    """Who the token says the client is; no token is the public, read-only audience."""
    if not secret:
        return Viewer(AUDIENCE, None)
    grant = await grant_of(conn, secret)
    if grant.festival != festival.slug:
        raise Forbidden("this token belongs to another festival")
    if grant.role == "attendee" and grant.registration_id is not None:
        async with app_state(conn).db.session() as db:
            registration = await read_registration(db, grant.registration_id)
        if registration is None:
            raise Unauthenticated("this registration no longer exists", code="auth.invalid")
        attends = info.id == "plenary" or any(
            p.session_id == info.id and p.status == "confirmed" for p in registration.places
        )
        return Viewer(AUDIENCE, f"r{registration.id}", registration.name, may_ask=attends)
    # Hosts run the plenary and may advance its queue; admins may do everything.
    for role in ("moderator", "host"):
        if grant.allows(role, festival=festival.slug, channel=info.id):
            return Viewer(MODERATOR, f"{grant.role}#{grant.token_id}")
    if grant.role == "presenter" and grant.allows(
        "presenter", festival=festival.slug, channel=None
    ):
        return Viewer(AUDIENCE, None)
    raise Forbidden(f"this {grant.role} token is not for channel {info.id!r}")


async def _viewer(conn: HTTPConnection, festival: Festival, info: QaChannelInfo) -> Viewer:
    return await viewer_for(conn, festival, info, presented_token(conn))


async def channel_of(conn: HTTPConnection) -> Channel:
    festival = await current_festival(conn)
    return Channel(festival, qa_channel(festival, conn.path_params["channel"]))


def _since(conn: HTTPConnection) -> int | None:
    raw = conn.query_params.get("since")
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise MessageError(
            "message.invalid_field", "since must be a whole number ≥ 0", field="since"
        )
    return int(raw)


def error_message(error: FestivalError, ref: object = None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "error", "code": error.code, "message": error.message}
    if ref is not None:
        message["ref"] = ref
    field = getattr(error, "field", None)
    if field:
        message["field"] = field
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        message["retry_after"] = max(1, round(retry_after.total_seconds()))
    return message


def _close_code(error: FestivalError) -> int:
    if isinstance(error, Unauthenticated):
        return CLOSE_UNAUTHENTICATED
    if isinstance(error, Forbidden):
        return CLOSE_FORBIDDEN
    return CLOSE_NOT_FOUND if error.code.endswith("not_found") else CLOSE_FORBIDDEN


async def _opening(
    conn: HTTPConnection, channel: Channel, viewer: Viewer, since: int | None
) -> tuple[int, list[str]]:
    """What a new connection receives first, and the seq it brings the client to."""
    state = app_state(conn)
    live = state.live
    slug = channel.festival.slug
    viewer_id = viewer.id if viewer.role == AUDIENCE else None
    if since is not None:
        replay = await live.log.since(slug, channel.info.id, since)
        if replay is not None:
            last, events = replay
            texts = [qa_event_message(e, role=viewer.role, viewer_id=viewer_id) for e in events]
            return last, [t for t in texts if t is not None]
    seq, qa = await live.qa.state(slug, channel.info.id)
    snapshot = qa_snapshot(
        qa,
        seq,
        role=viewer.role,
        viewer_id=viewer_id,
        people=channel.info.people,
        title=channel.info.title,
        now=state.clock.now(),
    )
    snapshot["you"] = {"role": viewer.role, "name": viewer.name, "may_ask": viewer.may_ask}
    return seq, [wire(snapshot)]


async def channel_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    state = app_state(websocket)
    try:
        channel = await channel_of(websocket)
        viewer = await _viewer(websocket, channel.festival, channel.info)
        since = _since(websocket)
    except FestivalError as error:
        await websocket.send_text(wire(error_message(error)))
        await websocket.close(code=_close_code(error), reason=error.code)
        return
    slug = channel.festival.slug
    listener = Listener(viewer.role, viewer.id if viewer.role == AUDIENCE else None)
    try:
        await state.live.hub.join(slug, channel.info.id, listener)
    except BusError as error:
        # The fan-out is down (Redis unreachable): say so; the client retries with backoff.
        await websocket.send_text(wire(error_message(error)))
        await websocket.close(code=CLOSE_UNAVAILABLE, reason=error.code)
        return
    writer: asyncio.Task[None] | None = None
    try:
        seq, first = await _opening(websocket, channel, viewer, since)
        for text in first:
            await websocket.send_text(text)
        writer = asyncio.create_task(_write(websocket, listener, seq))
        await _read(websocket, channel, viewer, listener)
    except WebSocketDisconnect:
        pass
    finally:
        state.live.hub.leave(slug, channel.info.id, listener)
        if writer is not None:
            writer.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await writer


async def _write(websocket: WebSocket, listener: Listener, sent: int) -> None:
    """Send queued messages in order, skipping events the opening already covered."""
    while True:
        item = await listener.next()
        if item is None:
            # Dropped: too slow, or the service is stopping. Either way the client resumes.
            with suppress(Exception):
                await websocket.close(code=CLOSE_TOO_SLOW, reason="resume with since")
            return
        seq, text = item
        if seq:
            if seq <= sent:
                continue
            sent = seq
        await websocket.send_text(text)


class _Bucket:
    """Per-connection rate limit: `burst` messages at once, refilled at `rate` a second."""

    def __init__(self, rate: float = RATE_PER_SECOND, burst: int = RATE_BURST) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


async def _read(websocket: WebSocket, channel: Channel, viewer: Viewer, listener: Listener) -> None:
    bucket = _Bucket()
    while True:
        frame = await websocket.receive()
        if frame["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(frame.get("code", 1000))
        text = frame.get("text")
        if text is None:  # a binary frame: answer it like any other bad message
            refused = MessageError("message.binary", "send messages as JSON in text frames")
            listener.offer(0, wire(error_message(refused)))
            continue
        reply = await _answer(websocket, channel, viewer, text, bucket)
        listener.offer(0, wire(reply))


async def _answer(
    conn: HTTPConnection, channel: Channel, viewer: Viewer, text: str, bucket: _Bucket
) -> dict[str, Any]:
    ref: object = None
    try:
        if len(text) > MAX_MESSAGE_CHARS:
            raise MessageError(
                "message.too_large", f"a message may be at most {MAX_MESSAGE_CHARS} characters"
            )
        try:
            message = json.loads(text)
        except ValueError:
            raise MessageError("message.invalid_json", "the message is not valid JSON") from None
        if not isinstance(message, dict):
            raise MessageError("message.invalid_json", "a message must be a JSON object")
        ref = message.get("ref")
        if not bucket.take():
            raise MessageError(
                "message.rate_limited",
                f"too many messages: at most {RATE_BURST} at once and {RATE_PER_SECOND:g} a second",
            )
        state = app_state(conn)
        now = state.clock.now()
        if message.get("type") == "ping":
            return _with_ref({"type": "pong", "server_time": now.isoformat()}, ref)
        done = await perform(
            state.live.qa, channel.festival.slug, channel.info, viewer, message, now
        )
    except FestivalError as error:
        return error_message(error, ref)
    ack: dict[str, Any] = {"type": "ack", "seq": done.events[-1].seq if done.events else None}
    if done.question_id:
        ack["question_id"] = done.question_id
    return _with_ref(ack, ref)


def _with_ref(message: dict[str, Any], ref: object) -> dict[str, Any]:
    if ref is not None:
        message["ref"] = ref
    return message


# --- the same over HTTP ------------------------------------------------------------------


async def api_channel(request: Request) -> Response:
    """GET /api/channels/CHANNEL[?since=N]: the snapshot, or the events after N."""
    channel = await channel_of(request)
    viewer = await _viewer(request, channel.festival, channel.info)
    seq, texts = await _opening(request, channel, viewer, _since(request))
    messages = [json.loads(t) for t in texts]
    if messages and messages[0].get("type") == "snapshot":
        return JSONResponse(messages[0])
    return JSONResponse(
        {"type": "events", "channel": channel.info.id, "seq": seq, "events": messages}
    )


async def api_channel_action(request: Request) -> Response:
    """POST /api/channels/CHANNEL/actions with one client message (ask, vote, moderate)."""
    channel = await channel_of(request)
    viewer = await _viewer(request, channel.festival, channel.info)
    message = await read_json_object(request)
    state = app_state(request)
    done = await perform(
        state.live.qa, channel.festival.slug, channel.info, viewer, message, state.clock.now()
    )
    body: dict[str, Any] = {"type": "ack", "seq": done.events[-1].seq if done.events else None}
    if done.question_id:
        body["question_id"] = done.question_id
    if message.get("ref") is not None:
        body["ref"] = message["ref"]
    return JSONResponse(body, status_code=201 if message.get("type") == "ask" else 200)
