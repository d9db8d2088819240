"""The kinds of live channel, and what a connection to any of them does the same way.

A `ChannelKind` is one channel of one festival as its viewers see it: the Q&A of the
plenary or of a session (`festival.live.qa_kind.QaRoom`) or the show's timers
(`festival.live.show_kind.ShowRoom`). Each gives the messages it takes as one table of
`festival.live.protocol.Action`s (role column included), its snapshot for a viewer, and each
stored event as a viewer receives it; `opening` and the hub do the rest for every kind.

A new kind is one module `festival/live/<kind>_kind.py` with its room class
implementing `ChannelKind` over its service, registered here in `renderer_for` (which kind a
channel id is) and, for its sockets and JSON actions, with a binding in
`festival/web/channels.py` (which token gives which `Viewer`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from festival.clock import Clock
from festival.live.hub import Hub, Renderer, wire_with
from festival.live.log import EventLog
from festival.live.protocol import Action, Viewer
from festival.live.qa_views import render_qa
from festival.live.show_views import render_show
from festival.programme.model import SHOW, Festival
from festival.storage.live_repo import StoredEvent


class ChannelKind(Protocol):
    @property
    def festival(self) -> Festival: ...

    @property
    def channel(self) -> str:
        """The channel's id in the event log and on the bus."""
        ...

    @property
    def basis(self) -> object:
        """What the channel's state is built on: a shared snapshot is for this basis only."""
        ...

    @property
    def actions(self) -> Mapping[str, Action[Any]]:
        """The messages it takes by type (besides `ping`), with the role each needs."""
        ...

    def personal(self, viewer: Viewer) -> str | None:
        """The viewer's id when they see the channel as nobody else does (an attendee's own
        questions); None when everyone of their role sees the same."""
        ...

    async def snapshot(self, viewer: Viewer, at: int | None) -> tuple[int, str]:
        """The `snapshot` message for the viewer, without `server_time`, of the channel as
        stored now (`at` None) or at seq `at` or later; and the seq it is at."""
        ...

    def own(self, viewer: Viewer) -> dict[str, Any]:
        """What a connection's opening adds for its viewer alone (who they are)."""
        ...

    def event_message(self, stored: StoredEvent, viewer: Viewer) -> str | None:
        """One stored event for the viewer (replays after `since`), None when not theirs."""
        ...


def renderer_for(channel: str) -> Renderer:
    """How the hub renders a channel's events for its viewers: by the channel's kind."""
    return render_show if channel == SHOW else render_qa


async def opening(
    kind: ChannelKind,
    viewer: Viewer,
    since: int | None,
    *,
    log: EventLog,
    hub: Hub,
    joined: bool,
    clock: Clock,
) -> tuple[int, list[str]]:
    """What a new connection receives first, and the seq it brings the client to: the
    events after `since`, or a snapshot. `joined`: the connection has joined the hub, so the
    channel as the hub knows it will do, and what comes after reaches it; a snapshot that is
    the same for everyone of the viewer's role is then rendered once and shared."""
    slug, channel = kind.festival.slug, kind.channel
    if since is not None:
        replay = await log.since(slug, channel, since)
        if replay is not None:
            last, events = replay
            texts = [kind.event_message(e, viewer) for e in events]
            return last, [t for t in texts if t is not None]
    if not joined:
        seq, snapshot = await kind.snapshot(viewer, None)
    elif kind.personal(viewer) is None:
        seq, snapshot = await hub.snapshot(
            slug, channel, viewer.role, kind.basis, lambda at: kind.snapshot(viewer, at)
        )
    else:
        seq, snapshot = await kind.snapshot(viewer, hub.seq(slug, channel))
    own = {"server_time": clock.now().isoformat(), **kind.own(viewer)}
    return seq, [wire_with(snapshot, own)]
