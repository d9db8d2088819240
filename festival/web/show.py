"""The show channel over websockets (`/ws/channels/show`) and JSON (`/api/show…`).

A connection: accept; check the token (a bad one: an `error`, then close 4401/4403); join the
hub; send a `snapshot` with `server_time`, or with `since` every missed `event`; then answer
`ping` with `pong` (and `server_time`, so the client keeps its clock offset fresh) and host
actions with `ack` after commit or `error`, echoing `ref`. Hosts and admins act; presenters
and everyone else watch. See docs/live-protocol.md, "The show channel".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket

from festival.errors import FestivalError, Forbidden, NotFound, Unauthenticated
from festival.live.channels import SHOW
from festival.live.hub import Listener, wire, wire_with
from festival.live.show_actions import perform_host
from festival.live.show_service import plenary_of
from festival.live.show_views import HOST, PRESENTER, PUBLIC, show_event_message, show_snapshot
from festival.programme.model import Festival
from festival.web.auth import grant_of, presented_token
from festival.web.channel_io import connecting, refuse, serve_channel, since_of
from festival.web.context import current_festival
from festival.web.limits import caller_key
from festival.web.requests import read_json_object
from festival.web.state import app_state


@dataclass(frozen=True)
class ShowViewer:
    """`role` is host, presenter or public; `actor` is what the run log records."""

    role: str
    actor: str = ""


async def show_viewer(
    conn: HTTPConnection, festival: Festival, secret: str | None = None, *, live: bool = False
) -> ShowViewer:
    """Who the token (`secret`, else the presented one) says the client is; no token is the
    public, read-only view. `live`: a connection opening (`grant_of` may use its cache)."""
    secret = presented_token(conn) if secret is None else secret
    if not secret:
        return ShowViewer(PUBLIC)
    grant = await grant_of(conn, secret, cached=live)
    if grant.festival != festival.slug:
        raise Forbidden("this token belongs to another festival")
    if grant.allows("host", festival=festival.slug, channel=SHOW):
        return ShowViewer(HOST, f"{grant.role}#{grant.token_id}")
    if grant.allows("presenter", festival=festival.slug, channel=SHOW):
        return ShowViewer(PRESENTER)
    return ShowViewer(PUBLIC)


async def show_festival(
    conn: HTTPConnection, secret: str | None = None, *, live: bool = False
) -> Festival:
    """`?festival=SLUG`, else the token's (`secret`, else the presented one) festival, else
    the current one: a console link made with `festival token create` opens its own
    festival's show. `live`: a connection opening, which asks the store only for what it
    does not know (see `current_festival`)."""
    secret = presented_token(conn) if secret is None else secret
    if secret and "festival" not in conn.query_params:
        grant = await grant_of(conn, secret, cached=live)
        state = app_state(conn)
        if live:
            found = await state.festivals.live(state.db, grant.festival, state.clock.now())
        else:
            async with state.db.session() as db:
                found = await state.festivals.read(db, grant.festival)
        if found is None:
            raise NotFound(f"no festival {grant.festival!r}", code="festival.not_found")
        festival = found
    else:
        festival = await current_festival(conn, live=live)
    plenary_of(festival)  # a festival without a plenary has no show to follow
    return festival


async def _opening(
    conn: HTTPConnection, festival: Festival, viewer: ShowViewer, since: int | None, *, joined: bool
) -> tuple[int, list[str]]:
    """What a new connection receives first, and the seq it brings the client to. `joined`:
    the connection has joined the hub, whose snapshot per role is shared (see live.py)."""
    state = app_state(conn)
    if since is not None:
        replay = await state.live.log.since(festival.slug, SHOW, since)
        if replay is not None:
            last, events = replay
            texts = [show_event_message(e, viewer.role) for e in events]
            return last, [t for t in texts if t is not None]

    async def shared(at: int) -> tuple[int, str]:
        seq, show = await state.live.show.state_from(festival, at)
        return seq, wire(show_snapshot(show, seq, role=viewer.role, now=None))

    if joined:
        basis = plenary_of(festival)
        seq, snapshot = await state.live.hub.snapshot(
            festival.slug, SHOW, viewer.role, basis, shared
        )
    else:
        seq, show = await state.live.show.state(festival)
        snapshot = wire(show_snapshot(show, seq, role=viewer.role, now=None))
    return seq, [wire_with(snapshot, {"server_time": state.clock.now().isoformat()})]


async def show_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        async with connecting(websocket):
            festival = await show_festival(websocket, live=True)
            viewer = await show_viewer(websocket, festival, live=True)
        since = since_of(websocket)
    except FestivalError as error:
        await refuse(websocket, error)
        return

    async def handle(message: dict[str, Any], now: datetime) -> dict[str, Any]:
        shows = app_state(websocket).live.show
        stored = await perform_host(shows, festival, viewer.role, viewer.actor, message, now)
        return {"type": "ack", "seq": stored[-1].seq if stored else None}

    await serve_channel(
        websocket,
        festival=festival.slug,
        channel=SHOW,
        listener=Listener(viewer.role),
        opening=lambda: _opening(websocket, festival, viewer, since, joined=True),
        handle=handle,
    )


# --- the same over HTTP ------------------------------------------------------------------


async def api_show(request: Request) -> Response:
    """GET /api/show[?since=N]: the snapshot, or the events after N."""
    festival = await show_festival(request)
    viewer = await show_viewer(request, festival)
    seq, texts = await _opening(request, festival, viewer, since_of(request), joined=False)
    messages = [json.loads(t) for t in texts]
    if messages and messages[0].get("type") == "snapshot":
        return JSONResponse(messages[0])
    return JSONResponse({"type": "events", "channel": SHOW, "seq": seq, "events": messages})


async def api_show_action(request: Request) -> Response:
    """POST /api/show/actions with one host message; 200 `ack` once it is committed."""
    festival = await show_festival(request)
    if not presented_token(request):
        raise Unauthenticated("host actions need a host token")
    viewer = await show_viewer(request, festival)
    if viewer.role != HOST:
        raise Forbidden("host actions need a host token")
    state = app_state(request)
    # The same limit as the websocket's messages, counted together with them.
    await state.limits.check_message(caller_key(request, presented_token(request)))
    message = await read_json_object(request)
    stored = await perform_host(
        state.live.show, festival, viewer.role, viewer.actor, message, state.clock.now()
    )
    body: dict[str, Any] = {"type": "ack", "seq": stored[-1].seq if stored else None}
    if message.get("ref") is not None:
        body["ref"] = message["ref"]
    return JSONResponse(body)
