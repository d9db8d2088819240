"""Live Q&A over websockets (`/ws/channels/CHANNEL`) and the same actions over the JSON API.

A connection: accept; check the token (refused: an `error`, then close 4401/4403); join the
hub; send a `snapshot`, or with `since` every missed `event`; then read client messages and
answer each with `ack` after commit or `error`, echoing `ref`. One task writes, so replies and
events leave in order; a viewer whose queue overflows is closed with 4008 and resumes.
See docs/live-protocol.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket

from festival.errors import FestivalError, Forbidden, Unauthenticated
from festival.live.acting import attends
from festival.live.channels import QaChannelInfo, qa_channel
from festival.live.hub import Listener, wire, wire_with
from festival.live.qa_actions import Done, Viewer, perform
from festival.live.qa_views import AUDIENCE, MODERATOR, qa_event_message, qa_snapshot
from festival.programme.model import Festival
from festival.qa import QaChannel
from festival.storage.registration_repo import read_registration
from festival.web.auth import grant_of, presented_token
from festival.web.channel_io import connecting, refuse, serve_channel, since_of, with_ref
from festival.web.context import current_festival
from festival.web.limits import caller_key
from festival.web.requests import read_json_object
from festival.web.state import app_state


@dataclass(frozen=True)
class Channel:
    festival: Festival
    info: QaChannelInfo


async def viewer_for(
    conn: HTTPConnection,
    festival: Festival,
    info: QaChannelInfo,
    secret: str,
    *,
    live: bool = False,
) -> Viewer:
    """Who the token says the client is; no token is the public, read-only audience. `live`:
    a connection opening, whose token look-up may come from the cache (`grant_of`)."""
    if not secret:
        return Viewer(AUDIENCE, None)
    grant = await grant_of(conn, secret, cached=live)
    if grant.festival != festival.slug:
        raise Forbidden("this token belongs to another festival")
    if grant.role == "attendee" and grant.registration_id is not None:
        async with app_state(conn).db.session() as db:
            registration = await read_registration(db, grant.registration_id)
        if registration is None:
            raise Unauthenticated("this registration no longer exists", code="auth.invalid")
        confirmed = (p.session_id for p in registration.places if p.status == "confirmed")
        return Viewer(
            AUDIENCE,
            f"r{registration.id}",
            registration.name,
            may_ask=attends(info, confirmed),
            token_id=grant.token_id,
        )
    # Who moderates which channel is decided by the grant alone (festival.access.tokens).
    if grant.moderates(festival=festival.slug, channel=info.id):
        return Viewer(MODERATOR, f"{grant.role}#{grant.token_id}")
    if grant.role == "presenter" and grant.allows(
        "presenter", festival=festival.slug, channel=None
    ):
        return Viewer(AUDIENCE, None)
    raise Forbidden(f"this {grant.role} token is not for channel {info.id!r}")


async def _viewer(
    conn: HTTPConnection, festival: Festival, info: QaChannelInfo, *, live: bool = False
) -> Viewer:
    return await viewer_for(conn, festival, info, presented_token(conn), live=live)


async def channel_of(conn: HTTPConnection, *, live: bool = False) -> Channel:
    festival = await current_festival(conn, live=live)
    return Channel(festival, qa_channel(festival, conn.path_params["channel"]))


async def _opening(
    conn: HTTPConnection, channel: Channel, viewer: Viewer, since: int | None, *, joined: bool
) -> tuple[int, list[str]]:
    """What a new connection receives first, and the seq it brings the client to. `joined`:
    the connection has joined the hub, so the channel as the hub knows it will do, and what
    comes after reaches it; the public's and the moderators' snapshots are then shared."""
    state = app_state(conn)
    live = state.live
    slug, info = channel.festival.slug, channel.info
    viewer_id = viewer.id if viewer.role == AUDIENCE else None
    if since is not None:
        replay = await live.log.since(slug, info.id, since)
        if replay is not None:
            last, events = replay
            texts = [qa_event_message(e, role=viewer.role, viewer_id=viewer_id) for e in events]
            return last, [t for t in texts if t is not None]

    def render(seq: int, qa: QaChannel, viewer_id: str | None) -> str:
        return wire(
            qa_snapshot(
                qa,
                seq,
                role=viewer.role,
                viewer_id=viewer_id,
                people=info.people,
                title=info.title,
                now=None,
            )
        )

    async def shared(at: int) -> tuple[int, str]:
        seq, qa = await live.qa.state_from(slug, info.id, at)
        return seq, render(seq, qa, None)

    if joined and viewer_id is None:
        seq, snapshot = await live.hub.snapshot(slug, info.id, viewer.role, info, shared)
    else:
        if joined:
            seq, qa = await live.qa.state_from(slug, info.id, live.hub.seq(slug, info.id))
        else:
            seq, qa = await live.qa.state(slug, info.id)
        snapshot = render(seq, qa, viewer_id)
    own = {
        "server_time": state.clock.now().isoformat(),
        "you": {"role": viewer.role, "name": viewer.name, "may_ask": viewer.may_ask},
    }
    return seq, [wire_with(snapshot, own)]


async def channel_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        async with connecting(websocket):
            channel = await channel_of(websocket, live=True)
            viewer = await _viewer(websocket, channel.festival, channel.info, live=True)
        since = since_of(websocket)
    except FestivalError as error:
        await refuse(websocket, error)
        return

    async def handle(message: dict[str, Any], now: datetime) -> dict[str, Any]:
        # A registration erased (or a link revoked) while the socket is open must not go on
        # asking or voting, or the erased name would come back with the next question: an
        # attendee's link is checked again inside each action's transaction (one query for a
        # group of votes, festival.live.acting); any other token is read again here.
        current = viewer
        if viewer.token_id is None and viewer.id is not None:
            current = await _viewer(websocket, channel.festival, channel.info)
        return _ack(
            await perform(
                app_state(websocket).live.qa,
                channel.festival.slug,
                channel.info,
                current,
                message,
                now,
            )
        )

    await serve_channel(
        websocket,
        festival=channel.festival.slug,
        channel=channel.info.id,
        listener=Listener(viewer.role, viewer.id if viewer.role == AUDIENCE else None),
        opening=lambda: _opening(websocket, channel, viewer, since, joined=True),
        handle=handle,
    )


def _ack(done: Done) -> dict[str, Any]:
    ack: dict[str, Any] = {"type": "ack", "seq": done.events[-1].seq if done.events else None}
    if done.question_id:
        ack["question_id"] = done.question_id
    return ack


# --- the same over HTTP ------------------------------------------------------------------


async def api_channel(request: Request) -> Response:
    """GET /api/channels/CHANNEL[?since=N]: the snapshot, or the events after N."""
    channel = await channel_of(request)
    viewer = await _viewer(request, channel.festival, channel.info)
    seq, texts = await _opening(request, channel, viewer, since_of(request), joined=False)
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
    state = app_state(request)
    # The same limit as the websocket's messages, counted together with them.
    await state.limits.check_message(caller_key(request, presented_token(request)))
    message = await read_json_object(request)
    done = await perform(
        state.live.qa, channel.festival.slug, channel.info, viewer, message, state.clock.now()
    )
    body = with_ref(_ack(done), message.get("ref"))
    return JSONResponse(body, status_code=201 if message.get("type") == "ask" else 200)
