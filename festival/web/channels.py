"""Every live channel over websockets (`/ws/channels/CHANNEL`, the show's `/ws/channels/show`)
and the same over JSON (`/api/channels/CHANNEL…`, `/api/show…`), whatever its kind.

A connection: accept; find the channel and who the token says the client is (refused: an
`error`, then close 4401/4403/4404); join the hub; send a `snapshot` with `server_time`, or
with `since` every missed `event`; then answer each client message with `ack` after commit or
`error`, echoing `ref` (festival/web/channel_io.py). What differs by kind is only how a
channel and a viewer are found (`Binding`): the messages, their roles and the snapshots are
the kind's (festival/live/kinds.py). See docs/live-protocol.md.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket

from festival.errors import FestivalError, Forbidden, Unauthenticated
from festival.live.hub import Listener
from festival.live.kinds import ChannelKind, opening
from festival.live.protocol import Viewer, ack, perform, refusal_before_reading
from festival.live.qa_kind import QaRoom
from festival.live.qa_views import AUDIENCE, MODERATOR
from festival.live.show_kind import ShowRoom
from festival.live.show_service import plenary_of
from festival.live.show_views import HOST, PRESENTER, PUBLIC
from festival.programme.model import SHOW, Festival
from festival.qa.channels import QaChannelInfo, may_ask, qa_channel
from festival.registration.model import Registration
from festival.storage.registration_repo import read_registration
from festival.web.auth import grant_of, presented_token
from festival.web.channel_io import connecting, refuse, serve_channel, since_of, with_ref
from festival.web.context import current_festival
from festival.web.limits import caller_key
from festival.web.requests import read_json_object
from festival.web.state import app_state

Room = TypeVar("Room", bound=ChannelKind)


@dataclass(frozen=True)
class Binding(Generic[Room]):
    """How a connection finds its channel of one kind (`live`: a connection opening, whose
    look-ups may come from memory) and who a token says its client is."""

    room: Callable[[HTTPConnection, bool], Awaitable[Room]]
    viewer: Callable[[HTTPConnection, Room, str, bool], Awaitable[Viewer]]


# --- the Q&A ----------------------------------------------------------------------------


async def qa_room(conn: HTTPConnection, *, live: bool = False, secret: str | None = None) -> QaRoom:
    """The channel of the address, in the festival `current_festival` finds with the token
    (`secret`, else the one presented): a console or socket follows its token's festival."""
    secret = presented_token(conn) if secret is None else secret
    festival = await current_festival(conn, live=live, secret=secret)
    info = qa_channel(festival, conn.path_params["channel"])
    return QaRoom(app_state(conn).live.qa, festival, info)


async def qa_viewer(
    conn: HTTPConnection, room: QaRoom, secret: str, *, live: bool = False
) -> Viewer:
    """Who the token says the client is; no token is the public, read-only audience. `live`:
    a connection opening, whose token look-up may come from the cache (`grant_of`)."""
    festival, info = room.festival, room.info
    if not secret:
        return Viewer(AUDIENCE)
    grant = await grant_of(conn, secret, cached=live)
    if not grant.covers(festival.slug):
        raise Forbidden("this token belongs to another festival")
    if grant.role == "attendee" and grant.registration_id is not None:
        async with app_state(conn).db.session() as db:
            registration = await read_registration(db, grant.registration_id)
        if registration is None:
            raise Unauthenticated("this registration no longer exists", code="auth.invalid")
        return attendee_viewer(info, registration, grant.token_id)
    # Who moderates which channel is decided by the grant alone (festival.access.tokens).
    if grant.moderates(festival=festival.slug, channel=info.id):
        return Viewer(MODERATOR, f"{grant.role}#{grant.token_id}")
    if grant.role == "presenter" and grant.allows(
        "presenter", festival=festival.slug, channel=None
    ):
        return Viewer(AUDIENCE)
    raise Forbidden(f"this {grant.role} token is not for channel {info.id!r}")


def attendee_viewer(info: QaChannelInfo, registration: Registration, token_id: int) -> Viewer:
    """An attendee as a Q&A channel sees them, from their registration as it stands: asking
    only where their confirmed places let them (`may_ask`)."""
    confirmed = (p.session_id for p in registration.places if p.status == "confirmed")
    return Viewer(
        AUDIENCE,
        f"r{registration.id}",
        registration.name,
        may_ask=may_ask(info, confirmed),
        token_id=token_id,
    )


# --- the show ---------------------------------------------------------------------------


async def show_festival(
    conn: HTTPConnection, secret: str | None = None, *, live: bool = False
) -> Festival:
    """The festival whose show the connection follows: `current_festival` with the token
    (`secret`, else the one presented), so a console link made with `festival token create`
    opens its own festival's show."""
    secret = presented_token(conn) if secret is None else secret
    festival = await current_festival(conn, live=live, secret=secret)
    plenary_of(festival)  # a festival without a plenary has no show to follow
    return festival


async def show_viewer(
    conn: HTTPConnection, festival: Festival, secret: str, *, live: bool = False
) -> Viewer:
    """Who the token says the client is: a host (and admin) acts as `<role>#<token>`, what
    the run log records; a presenter and everyone else watch. No token is the public."""
    if not secret:
        return Viewer(PUBLIC)
    grant = await grant_of(conn, secret, cached=live)
    if not grant.covers(festival.slug):
        raise Forbidden("this token belongs to another festival")
    if grant.allows("host", festival=festival.slug, channel=SHOW):
        return Viewer(HOST, f"{grant.role}#{grant.token_id}")
    if grant.allows("presenter", festival=festival.slug, channel=SHOW):
        return Viewer(PRESENTER)
    return Viewer(PUBLIC)


async def _show_room(conn: HTTPConnection, live: bool) -> ShowRoom:
    return ShowRoom(app_state(conn).live.show, await show_festival(conn, live=live))


async def _show_viewer(conn: HTTPConnection, room: ShowRoom, secret: str, live: bool) -> Viewer:
    return await show_viewer(conn, room.festival, secret, live=live)


async def _qa_room(conn: HTTPConnection, live: bool) -> QaRoom:
    return await qa_room(conn, live=live)


async def _qa_viewer(conn: HTTPConnection, room: QaRoom, secret: str, live: bool) -> Viewer:
    return await qa_viewer(conn, room, secret, live=live)


QA = Binding(_qa_room, _qa_viewer)
SHOW_BINDING = Binding(_show_room, _show_viewer)


# --- the same for every kind ------------------------------------------------------------


async def _act(
    room: ChannelKind, viewer: Viewer, message: dict[str, Any], now: datetime
) -> tuple[dict[str, Any], int]:
    """Carry out one client message: its ack (without `ref`) and HTTP status."""
    done = await perform(room.actions, room, room.channel, viewer, message, now)
    return ack(done), room.actions[message["type"]].http_status


async def channel_socket(websocket: WebSocket) -> None:
    # `show` is the show's channel, whatever the programme calls its sessions.
    if websocket.path_params["channel"] == SHOW:
        await _serve(websocket, SHOW_BINDING)
    else:
        await _serve(websocket, QA)


async def _serve(websocket: WebSocket, binding: Binding[Room]) -> None:
    await websocket.accept()
    secret = presented_token(websocket)
    try:
        async with connecting(websocket):
            room = await binding.room(websocket, True)
            viewer = await binding.viewer(websocket, room, secret, True)
        since = since_of(websocket)
    except FestivalError as error:
        await refuse(websocket, error)
        return
    state = app_state(websocket)

    async def handle(message: dict[str, Any], now: datetime) -> dict[str, Any]:
        # A registration erased (or a link revoked) while the socket is open must not go on
        # asking or voting, or the erased name would come back with the next question: an
        # attendee's link is checked again inside each action's transaction (one query for a
        # group of votes, festival.live.acting); any other acting token is read again here.
        current = viewer
        if viewer.token_id is None and viewer.id is not None:
            current = await binding.viewer(websocket, room, secret, False)
        reply, _status = await _act(room, current, message, now)
        return reply

    live = state.live
    await serve_channel(
        websocket,
        festival=room.festival.slug,
        channel=room.channel,
        listener=Listener(viewer.role, room.personal(viewer)),
        opening=lambda: opening(
            room, viewer, since, log=live.log, hub=live.hub, joined=True, clock=state.clock
        ),
        handle=handle,
    )


def _snapshot_endpoint(binding: Binding[Room]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        """GET: the snapshot, or with `?since=N` the events after N."""
        room = await binding.room(request, False)
        viewer = await binding.viewer(request, room, presented_token(request), False)
        state = app_state(request)
        seq, texts = await opening(
            room,
            viewer,
            since_of(request),
            log=state.live.log,
            hub=state.live.hub,
            joined=False,
            clock=state.clock,
        )
        messages = [json.loads(t) for t in texts]
        if messages and messages[0].get("type") == "snapshot":
            return JSONResponse(messages[0])
        return JSONResponse(
            {"type": "events", "channel": room.channel, "seq": seq, "events": messages}
        )

    return endpoint


def _action_endpoint(binding: Binding[Room]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        """POST …/actions with one client message; its `ack` once it is committed."""
        room = await binding.room(request, False)
        secret = presented_token(request)
        viewer = await binding.viewer(request, room, secret, False)
        refused = refusal_before_reading(room.actions, viewer, token=bool(secret))
        if refused is not None:
            raise refused
        state = app_state(request)
        # The same limit as the websocket's messages, counted together with them.
        await state.limits.check_message(caller_key(request, secret))
        message = await read_json_object(request)
        reply, status = await _act(room, viewer, message, state.clock.now())
        return JSONResponse(with_ref(reply, message.get("ref")), status_code=status)

    return endpoint


api_channel = _snapshot_endpoint(QA)
api_channel_action = _action_endpoint(QA)
api_show = _snapshot_endpoint(SHOW_BINDING)
api_show_action = _action_endpoint(SHOW_BINDING)
