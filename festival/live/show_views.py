"""What each viewer of the `show` channel receives: the show as timestamps, per role.

The show travels as data (`show_state`): per block its planned start and minutes, when it
started, for how long it has been paused, when it ended. Screens count down from that
against their estimate of the server's clock, so every screen shows the same time without
the server sending a tick. Every event carries the show as it stands after it, so a client
never needs the rules to follow along, and the last event it saw is all it must keep.

Roles: `host` (host and admin tokens) and `presenter` see everything; `public` (attendees and
anonymous pages) sees neither the presenter's message nor who acted, and nothing of a
rehearsal: while the show is one (`Show.rehearsal`) the public gets the show as planned in
its snapshot and no event at all. Every view says `rehearsal` (always false for the public).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from festival.live.hub import Rendered, wire
from festival.programme.model import SHOW
from festival.show import (
    BlockTimer,
    Show,
    ShowEvent,
    public_show,
    rehearses,
)
from festival.storage.live_repo import StoredEvent

HOST: Final = "host"
PRESENTER: Final = "presenter"
PUBLIC: Final = "public"
ROLES: Final = (HOST, PRESENTER, PUBLIC)

_PRIVATE_EVENTS = frozenset({"presenter.message"})


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _block_state(block: BlockTimer) -> dict[str, Any]:
    return {
        "id": block.id,
        "title": block.title,
        "status": block.status,
        "planned_start": _iso(block.planned_start),
        "planned_end": _iso(block.planned_end),
        "planned_minutes": block.planned_minutes,
        "minutes": block.minutes,
        "started_at": _iso(block.started_at),
        "paused_at": _iso(block.paused_at),
        "paused_seconds": block.paused_total / timedelta(seconds=1),
        "ended_at": _iso(block.ended_at),
    }


def show_state(show: Show) -> dict[str, Any]:
    """The whole show as JSON-ready timestamps (UTC), blocks in running order."""
    return {
        "title": show.title,
        "planned_start": _iso(show.planned_start),
        "planned_end": _iso(show.planned_end),
        "live_at": _iso(show.live_at),
        "ended_at": _iso(show.ended_at),
        "updated_at": _iso(show.updated_at),
        "presenter_message": show.presenter_message,
        "rooms_message": show.rooms_message,
        "blocks": [_block_state(block) for block in show.blocks],
    }


def show_of_state(state: Mapping[str, Any]) -> Show:
    """The show from its data (`show_state`), as an event on the bus carries it."""
    return Show(
        title=state["title"],
        planned_start=datetime.fromisoformat(state["planned_start"]),
        planned_end=datetime.fromisoformat(state["planned_end"]),
        blocks=tuple(_block_of_state(block) for block in state["blocks"]),
        live_at=_moment(state["live_at"]),
        ended_at=_moment(state["ended_at"]),
        presenter_message=state["presenter_message"],
        rooms_message=state["rooms_message"],
        updated_at=_moment(state["updated_at"]),
    )


def _block_of_state(block: Mapping[str, Any]) -> BlockTimer:
    return BlockTimer(
        id=block["id"],
        title=block["title"],
        planned_start=datetime.fromisoformat(block["planned_start"]),
        planned_minutes=block["planned_minutes"],
        minutes=block["minutes"],
        started_at=_moment(block["started_at"]),
        paused_at=_moment(block["paused_at"]),
        paused_total=timedelta(seconds=block["paused_seconds"]),
        ended_at=_moment(block["ended_at"]),
        skipped=block["status"] == "skipped",
    )


def _moment(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def stored_body(event: ShowEvent, after: Show) -> dict[str, Any]:
    """What is stored for one event: the event itself, and the show after it."""
    return {**event.to_dict(), "show": show_state(after)}


def event_of(body: Mapping[str, Any]) -> ShowEvent:
    return ShowEvent.from_dict(body)


def _rehearsal(state: Mapping[str, Any]) -> bool:
    """The rehearsal rule on a show as data (a stored event's `show`)."""
    live_at, planned_start = state.get("live_at"), state.get("planned_start")
    return isinstance(planned_start, str) and rehearses(
        datetime.fromisoformat(live_at) if isinstance(live_at, str) else None,
        datetime.fromisoformat(planned_start),
    )


def view_of_state(state: Mapping[str, Any], role: str) -> dict[str, Any]:
    """`state` as `role` sees it; for the public, `state` must not be a rehearsal's (callers
    pass `public_show`'s, or leave the event out)."""
    rehearsal = _rehearsal(state)
    if role != PUBLIC:
        return {**state, "rehearsal": rehearsal}
    return {k: v for k, v in state.items() if k != "presenter_message"} | {"rehearsal": False}


def _event_view(body: Mapping[str, Any], role: str) -> dict[str, Any] | None:
    event = {k: v for k, v in body.items() if k != "show"}
    if role == PUBLIC:
        if event.get("type") in _PRIVATE_EVENTS or _rehearsal(body["show"]):
            return None  # a rehearsal's events reach the crew only
        event.pop("by", None)
    return event


def render_show(stored: StoredEvent) -> Rendered:
    """One stored event as each role receives it (the public gets nothing of a private one)."""
    by_role: dict[str, str | None] = {}
    for role in ROLES:
        event = _event_view(stored.body, role)
        by_role[role] = (
            None
            if event is None
            else wire(
                {
                    "type": "event",
                    "channel": stored.channel,
                    "seq": stored.seq,
                    "event": event,
                    "show": view_of_state(stored.body["show"], role),
                }
            )
        )
    return Rendered(by_role=by_role)


def show_event_message(stored: StoredEvent, role: str) -> str | None:
    return render_show(stored).by_role.get(role)


def show_snapshot(show: Show, seq: int, *, role: str, now: datetime | None) -> dict[str, Any]:
    """The `snapshot` message; `server_time` lets the client estimate its clock's offset.
    Without `now`, no `server_time`: a snapshot shared by many connections gets each one's
    added to it."""
    message: dict[str, Any] = {"type": "snapshot", "channel": SHOW, "seq": seq, "role": role}
    if now is not None:
        message["server_time"] = now.isoformat()
    message["show"] = view_of_state(show_state(public_show(show) if role == PUBLIC else show), role)
    return message
