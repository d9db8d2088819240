"""The show as a channel kind: the `show` channel's snapshot and events per role, and the
host actions (websocket or JSON API) as checked commands.

A host action is `{"type": "host", "action": ACTION, …}`, one of HOST_ACTIONS; only hosts
(and admins) send them. Refusals are FestivalErrors with a specific code (`message.*`,
`auth.forbidden`, or the rules' `show.*`); nothing is stored then.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from festival.live.hub import wire
from festival.live.protocol import (
    Action,
    Choice,
    Done,
    Run,
    Viewer,
    optional_string,
    string,
    whole,
)
from festival.live.show_service import Command, ShowService, plenary_of
from festival.live.show_views import HOST, show_event_message, show_snapshot
from festival.programme.model import SHOW, Festival
from festival.show import (
    Outcome,
    end_block,
    end_show,
    extend_block,
    go_live,
    message_presenter,
    message_rooms,
    move_block,
    next_block,
    pause_block,
    reset_show,
    restore_block,
    resume_block,
    shorten_block,
    skip_block,
    start_block,
)
from festival.storage.live_repo import StoredEvent
from festival.storage.votes_repo import VotesSql
from festival.votes import reveal


@dataclass(frozen=True)
class ShowRoom:
    """The `show` channel of a festival, for its viewers (a `ChannelKind`)."""

    service: ShowService
    festival: Festival

    @property
    def channel(self) -> str:
        return SHOW

    @property
    def basis(self) -> object:
        return plenary_of(self.festival)

    @property
    def actions(self) -> Mapping[str, Action[ShowRoom]]:
        return SHOW_ACTIONS

    def personal(self, viewer: Viewer) -> str | None:
        return None

    async def snapshot(self, viewer: Viewer, at: int | None) -> tuple[int, str]:
        if at is None:
            seq, show = await self.service.state(self.festival)
        else:
            seq, show = await self.service.state_from(self.festival, at)
        return seq, wire(show_snapshot(show, seq, role=viewer.role, now=None))

    def own(self, viewer: Viewer) -> dict[str, Any]:
        return {}

    def event_message(self, stored: StoredEvent, viewer: Viewer) -> str | None:
        return show_event_message(stored, viewer.role)

    async def run(self, command: Command, now: datetime) -> Done:
        return Done(await self.service.run(self.festival, command, now=now))


# Each action reads its fields up front, then runs its rule as the host.

_Rule = Callable[..., Outcome]


def _on_show(rule: _Rule) -> Run[ShowRoom]:
    async def run(
        room: ShowRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime
    ) -> Done:
        actor = viewer.actor
        return await room.run(lambda show: rule(show, at=now, by=actor), now)

    return run


def _on_block(rule: _Rule) -> Run[ShowRoom]:
    async def run(
        room: ShowRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime
    ) -> Done:
        block_id, actor = string(message, "block_id"), viewer.actor
        return await room.run(lambda show: rule(show, block_id, at=now, by=actor), now)

    return run


def _by_minutes(rule: _Rule) -> Run[ShowRoom]:
    async def run(
        room: ShowRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime
    ) -> Done:
        block_id, actor = string(message, "block_id"), viewer.actor
        minutes = whole(message, "minutes")
        return await room.run(lambda show: rule(show, block_id, minutes, at=now, by=actor), now)

    return run


async def _move(room: ShowRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime) -> Done:
    block_id, actor = string(message, "block_id"), viewer.actor
    position = whole(message, "position")
    return await room.run(lambda show: move_block(show, block_id, position, at=now, by=actor), now)


def _saying(rule: _Rule) -> Run[ShowRoom]:
    async def run(
        room: ShowRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime
    ) -> Done:
        text, actor = optional_string(message, "text") or "", viewer.actor
        return await room.run(lambda show: rule(show, text, at=now, by=actor), now)

    return run


async def _reveal_vote(
    room: ShowRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime
) -> Done:
    """Reveal a vote's result on stage. It is the vote's, not the show's: stored with the vote
    (no show event; the ack's seq is null), and its overlay and page learn of it by asking."""
    vote_id = string(message, "vote_id")
    async with room.service.db.session() as db, db.begin():
        await reveal(VotesSql(db), room.festival, vote_id, by=viewer.actor, now=now)
    return Done([])


_HOST: Final[dict[str, Run[ShowRoom]]] = {
    "live": _on_show(go_live),
    "end_show": _on_show(end_show),
    "reset": _on_show(reset_show),
    "start": _on_block(start_block),
    "end": _on_block(end_block),
    "next": _on_block(next_block),
    "pause": _on_block(pause_block),
    "resume": _on_block(resume_block),
    "skip": _on_block(skip_block),
    "restore": _on_block(restore_block),
    "extend": _by_minutes(extend_block),
    "shorten": _by_minutes(shorten_block),
    "move": _move,
    "message_presenter": _saying(message_presenter),
    "message_rooms": _saying(message_rooms),
    "reveal_vote": _reveal_vote,
}
HOST_ACTIONS: Final = tuple(_HOST)

SHOW_ACTIONS: Final[dict[str, Action[ShowRoom]]] = {
    "host": Action(HOST, "host actions need a host token", Choice(_HOST)),
}
