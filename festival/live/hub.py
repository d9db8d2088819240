"""The hub: one bus subscription per live channel per instance, fanned out to its viewers.

Every instance's hub hears every event of the channels its viewers watch, in full, and makes
the views itself: a message is serialised once per audience (moderators, the public, …), and
only the asker and the actor of an event get a personal copy. Events reach each viewer in seq
order with no gap and no duplicate: the hub delivers seq n+1 after n, and when the bus skips
(a publish still in flight from another instance, or a Redis reconnect) it reads the missing
events back from the store, where they were committed before anyone published them.

A viewer that falls `QUEUE_LIMIT` messages or `QUEUE_BYTES` behind is dropped, never waited
for; its connection closes (4008) and the client resumes with `since`.

A joining viewer's snapshot is rendered once per channel, seq and view (`Hub.snapshot`) and
shared by everyone who joins meanwhile: a reconnect storm of thousands renders it once, and
asks the store for nothing the room does not already know.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Final

from festival.bus import GAP, Bus, BusError, channel_topic
from festival.live.log import EventLog, wire_to_stored
from festival.storage.live_repo import StoredEvent

logger = logging.getLogger(__name__)

QUEUE_LIMIT: Final = 500
"""Messages a viewer may fall behind before its connection is closed."""
QUEUE_BYTES: Final = 128 * 1024
"""Bytes (UTF-8) of those messages: a show event carries the whole show, so 500 of them would
hold megabytes for one viewer that stopped reading. With the connection's own buffers
(festival.web.server) this bounds what a stalled viewer holds."""


@dataclass(frozen=True)
class Rendered:
    """One event as each kind of viewer receives it, serialised: `by_role` for everyone of a
    role; `personal` overrides it for single viewers (None there means: nothing for you)."""

    by_role: dict[str, str | None]
    personal: dict[str, str | None] = field(default_factory=dict)


Renderer = Callable[[StoredEvent], Rendered]


Send = Callable[[str], Awaitable[None]]
"""Sends one text message to a viewer's connection."""
Close = Callable[[], Coroutine[Any, Any, None]]
"""Closes a dropped viewer's connection, telling it to resume with `since`."""


class Listener:
    """One connected viewer: a role, maybe an identity, and the way to its connection.

    Until `start` (while the connection's opening is being sent) messages wait in a queue.
    After it, a message goes out at once: its send is stepped right here, in the broadcast,
    and the server finishes it without waiting unless the connection's write buffer is full.
    Only then a task takes over the send, and later messages queue behind it, at most `limit`
    of them and `limit_bytes` together; more and the viewer is dropped. A task per connection
    waiting for messages cost a broadcast about a third of its CPU (docs/benchmarks.md); this
    costs nothing while viewers keep up, and a slow one still never holds up the others.
    """

    def __init__(
        self,
        role: str,
        viewer_id: str | None = None,
        *,
        limit: int = QUEUE_LIMIT,
        limit_bytes: int = QUEUE_BYTES,
    ):
        self.role = role
        self.viewer_id = viewer_id
        self.limit = limit
        self.limit_bytes = limit_bytes
        self.dropped = False
        self._items: deque[tuple[int, str, int]] = deque()  # seq, text, its size in bytes
        self._queued_bytes = 0
        self._send: Send | None = None
        self._close: Close | None = None
        self._sent = 0  # the last event sent: the opening covered those up to here
        self._catching_up: asyncio.Task[None] | None = None

    def start(self, send: Send, close: Close, sent: int) -> None:
        """The opening brought the viewer to event `sent`: send what came since, and then
        everything as it comes."""
        self._send, self._close, self._sent = send, close, sent
        if self.dropped:
            self._closing()
        elif self._items:
            self._catching_up = asyncio.create_task(self._catch_up(None))

    def offer(self, seq: int, text: str) -> bool:
        """Send or queue a message (seq 0: not an event); False, and dropped, when the viewer
        is too far behind."""
        if self.dropped:
            return False
        if self._send is None or self._catching_up is not None:
            size = len(text.encode())  # only here, where the viewer is behind
            if len(self._items) >= self.limit or self._queued_bytes + size > self.limit_bytes:
                self.drop()
                return False
            self._items.append((seq, text, size))
            self._queued_bytes += size
            return True
        if self._due(seq):
            self._send_now(self._send(text))
        return not self.dropped

    def drop(self) -> None:
        """Stop this viewer: nothing more is sent, and its connection is closed."""
        if self.dropped:
            return
        self.dropped = True
        self._items.clear()
        self._queued_bytes = 0
        if self._catching_up is not None:
            self._catching_up.cancel()
        if self._send is not None:
            self._closing()

    def stop(self) -> None:
        """The connection has ended: let go of whatever is still being sent."""
        self.dropped = True
        self._items.clear()
        self._queued_bytes = 0
        if self._catching_up is not None:
            self._catching_up.cancel()

    def _due(self, seq: int) -> bool:
        if seq:
            if seq <= self._sent:
                return False  # the opening covered it
            self._sent = seq
        return True

    def _send_now(self, sending: Awaitable[None]) -> None:
        steps = sending.__await__()
        try:
            waiting_for = steps.send(None)
        except StopIteration:
            return  # sent
        except Exception:
            self.stop()  # the connection is gone; its reader ends the session
            return
        self._catching_up = asyncio.create_task(self._catch_up(_Resumed(steps, waiting_for)))

    async def _catch_up(self, sending: _Resumed | None) -> None:
        try:
            if sending is not None:
                await sending
            while self._items:
                seq, text, size = self._items.popleft()
                self._queued_bytes -= size
                if self._due(seq):
                    assert self._send is not None
                    await self._send(text)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.stop()
        finally:
            self._catching_up = None

    def _closing(self) -> None:
        assert self._close is not None
        task = asyncio.create_task(self._close())
        _CLOSES.add(task)
        task.add_done_callback(_CLOSES.discard)


_CLOSES: set[asyncio.Task[None]] = set()
"""Closes in flight: the event loop holds tasks only weakly."""


class _Resumed:
    """Awaiting this finishes an awaitable that was stepped by hand until it had to wait for
    `waiting_for`: the awaiting task takes over that wait, then drives the steps on."""

    def __init__(self, steps: Generator[Any, None, None], waiting_for: Any) -> None:
        self._steps = steps
        self._waiting_for = waiting_for

    def __await__(self) -> Generator[Any, Any, None]:
        steps, waiting_for = self._steps, self._waiting_for
        while True:
            try:
                answer = yield waiting_for
            except BaseException as error:  # cancelled while waiting: the send hears it
                try:
                    waiting_for = steps.throw(error)
                except StopIteration:
                    return
            else:
                try:
                    waiting_for = steps.send(answer)
                except StopIteration:
                    return


SnapshotMaker = Callable[[int], Coroutine[Any, Any, tuple[int, str]]]
"""Renders a snapshot of the channel as it stands at a seq or later; returns that seq and the
message."""


@dataclass(frozen=True)
class _Shared:
    """A snapshot being rendered (or rendered) for one view, asked for at room seq `seq` and
    on `basis` (what else the view depends on: the programme's part of the channel)."""

    seq: int
    basis: object
    rendering: asyncio.Task[tuple[int, str]]


class _Room:
    def __init__(self, festival: str, channel: str, render: Renderer) -> None:
        self.festival = festival
        self.channel = channel
        self.render = render
        self.listeners: set[Listener] = set()
        self.seq = 0
        self.ready = asyncio.Event()
        self.failed: BaseException | None = None
        self.task: asyncio.Task[None] | None = None
        self.snapshots: dict[str, _Shared] = {}  # by view (a role)


class Hub:
    def __init__(self, bus: Bus, log: EventLog, renderer_for: Callable[[str], Renderer]) -> None:
        self.bus = bus
        self.log = log
        self.renderer_for = renderer_for
        self._rooms: dict[tuple[str, str], _Room] = {}

    async def join(self, festival: str, channel: str, listener: Listener) -> None:
        """Start delivering the channel's events to `listener`. Returns once the channel's
        subscription is live, so whatever the caller reads from the store afterwards plus
        what arrives here covers every event."""
        key = (festival, channel)
        room = self._rooms.get(key)
        if room is None or room.task is None or room.task.done():
            room = self._rooms[key] = _Room(festival, channel, self.renderer_for(channel))
            room.task = asyncio.create_task(self._run(room), name=f"hub {festival}/{channel}")
        room.listeners.add(listener)
        await room.ready.wait()
        if room.failed is not None:
            room.listeners.discard(listener)
            raise BusError(f"the live channel could not be followed: {room.failed}")

    async def snapshot(
        self, festival: str, channel: str, view: str, basis: object, make: SnapshotMaker
    ) -> tuple[int, str]:
        """The snapshot of a channel joined by the caller, for everyone of `view` (built on
        `basis`): rendered by `make` once for the seq the room is at, and shared by every
        viewer of that view who asks before the next event. Any seq at or past the room's is
        a good snapshot for a listener that joined first: every later event reaches it, and
        the listener skips those the snapshot covers."""
        room = self._joined(festival, channel)
        shared = room.snapshots.get(view)
        if shared is None or shared.seq < room.seq or shared.basis != basis:
            rendering = asyncio.create_task(make(room.seq), name=f"snapshot {festival}/{channel}")
            rendering.add_done_callback(_retrieved)
            shared = room.snapshots[view] = _Shared(room.seq, basis, rendering)
        try:
            # Shielded: one viewer that gives up must not cancel it for the others.
            return await asyncio.shield(shared.rendering)
        except Exception:
            if room.snapshots.get(view) is shared:
                del room.snapshots[view]  # the next viewer tries again
            raise

    def seq(self, festival: str, channel: str) -> int:
        """The last event of a channel joined by the caller that the room has delivered."""
        return self._joined(festival, channel).seq

    def _joined(self, festival: str, channel: str) -> _Room:
        room = self._rooms.get((festival, channel))
        if room is None:  # it failed since the caller joined (and dropped the caller)
            raise BusError("the live channel could not be followed")
        return room

    def leave(self, festival: str, channel: str, listener: Listener) -> None:
        room = self._rooms.get((festival, channel))
        if room is None:
            return
        room.listeners.discard(listener)
        if not room.listeners and room.task is not None:
            room.task.cancel()
            del self._rooms[(festival, channel)]

    def listeners(self, festival: str, channel: str) -> int:
        room = self._rooms.get((festival, channel))
        return 0 if room is None else len(room.listeners)

    async def close(self) -> None:
        rooms = list(self._rooms.values())
        self._rooms.clear()
        for room in rooms:
            if room.task is not None:
                room.task.cancel()
                with suppress(asyncio.CancelledError):
                    await room.task
            for listener in room.listeners:
                listener.drop()

    async def _run(self, room: _Room) -> None:
        topic = channel_topic(room.festival, room.channel)
        try:
            async with self.bus.subscribe(topic) as subscription:
                room.seq = await self.log.last(room.festival, room.channel)
                room.ready.set()
                async for message in subscription:
                    if message.get("type") == GAP:
                        await self._fill(room)
                    else:
                        await self._receive(room, [wire_to_stored(m) for m in message["events"]])
        except asyncio.CancelledError:
            raise
        except Exception as error:
            logger.warning("live channel %s/%s stopped: %s", room.festival, room.channel, error)
            room.failed = error
            room.ready.set()
            for listener in list(room.listeners):
                listener.drop()
            self._rooms.pop((room.festival, room.channel), None)

    async def _receive(self, room: _Room, events: Sequence[StoredEvent]) -> None:
        for event in events:
            if event.seq <= room.seq:
                continue  # heard already, or read back from the store
            if event.seq > room.seq + 1:
                await self._fill(room)
                if event.seq <= room.seq:
                    continue
            self._dispatch(room, event)

    async def _fill(self, room: _Room) -> None:
        for event in await self.log.after(room.festival, room.channel, room.seq):
            self._dispatch(room, event)

    def _dispatch(self, room: _Room, event: StoredEvent) -> None:
        room.seq = event.seq
        rendered = room.render(event)
        for listener in list(room.listeners):
            if listener.viewer_id is not None and listener.viewer_id in rendered.personal:
                text = rendered.personal[listener.viewer_id]
            else:
                text = rendered.by_role.get(listener.role)
            if text is not None and not listener.offer(event.seq, text):
                room.listeners.discard(listener)


def wire(message: dict[str, Any]) -> str:
    """The one way live messages are serialised: compact JSON, non-ASCII kept as is."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def wire_with(text: str, fields: dict[str, Any]) -> str:
    """A serialised message (a JSON object) with `fields` added at its end: a shared snapshot
    with what is one connection's own (its `server_time`, who it is)."""
    return f"{text[:-1]},{wire(fields)[1:]}" if fields else text


def _retrieved(task: asyncio.Task[Any]) -> None:
    """A shared rendering's failure is raised to each viewer waiting for it; when they have
    all gone, this keeps asyncio from logging it as never retrieved."""
    if not task.cancelled():
        task.exception()
