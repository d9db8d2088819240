"""The hub: one bus subscription per live channel per instance, fanned out to its viewers.

Every instance's hub hears every event of the channels its viewers watch, in full, and makes
the views itself: a message is serialised once per audience (moderators, the public, …), and
only the asker and the actor of an event get a personal copy. Events reach each viewer in seq
order with no gap and no duplicate: the hub delivers seq n+1 after n, and when the bus skips
(a publish still in flight from another instance, or a Redis reconnect) it reads the missing
events back from the store, where they were committed before anyone published them.

Events heard at once (one command's, a group of votes committed together, a gap read back)
reach each viewer as one message, a batch; count changes (votes) are coalesced and go out at
most every `COUNTS_SECONDS` with the latest numbers (docs/live-protocol.md, "Batches and
counts").

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
from collections.abc import Callable, Collection, Coroutine, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from festival.bus import GAP, Bus, BusError, channel_topic
from festival.live.log import EventLog, wire_to_stored
from festival.storage.live_repo import StoredEvent

logger = logging.getLogger(__name__)

COUNTS_SECONDS: Final = 0.25
"""Count changes (votes) of a channel go out at most once in this time, coalesced: each
viewer gets the latest numbers, never one message per vote. The time is counted from when
the last counts had gone out to every viewer: writing them to 10,000 viewers takes about
0.2 s of the one core, and counted from their start the counts would take four-fifths of
it under a stream of votes, leaving the votes themselves too little to be stored."""
QUEUE_LIMIT: Final = 500
"""Messages a viewer may fall behind before its connection is closed."""
QUEUE_BYTES: Final = 128 * 1024
"""Bytes (UTF-8) of those messages: a show event carries the whole show, so 500 of them would
hold megabytes for one viewer that stopped reading. With the connection's own buffers
(festival.web.server) this bounds what a stalled viewer holds."""


@dataclass(frozen=True)
class Rendered:
    """One event as each kind of viewer receives it, serialised: `by_role` for everyone of a
    role; `personal` overrides it for single viewers (None there means: nothing for you).

    An event that only changes numbers (a vote) has `counts` instead: viewers get the latest
    numbers, coalesced (see `Counts`), and `by_role` is left empty."""

    by_role: dict[str, str | None]
    personal: dict[str, str | None] = field(default_factory=dict)
    counts: Counts | None = None


@dataclass(frozen=True)
class Counts:
    """What a count-only event changed: the numbers of one thing (`kind`, `key`: the
    `questions` entry `q12`). Changes of the same key coalesce: only the latest is sent, made
    by `entry` for each role (None: not theirs to see) when it goes out. `personal` adds
    fields for single viewers (the voter's own `voted`) to their role's entry."""

    kind: str
    key: str
    entry: Callable[[str], dict[str, Any] | None]
    personal: dict[str, dict[str, Any]] = field(default_factory=dict)


Renderer = Callable[[StoredEvent], Rendered]


class Outgoing:
    """One message as it goes out, shared by every viewer it goes to: a single event (or
    counts, or a reply: `seq` 0) or several due at once, batched as one `events` message.
    `first` and `seq` are the seqs of its first and last event. `frame` is left for the
    connection: the websocket frame, built by the first one that writes the message."""

    __slots__ = ("_size", "channel", "entries", "first", "frame", "seq", "text")

    def __init__(
        self,
        text: str,
        seq: int = 0,
        entries: Sequence[tuple[int, str]] = (),
        channel: str = "",
    ) -> None:
        self.text = text
        self.seq = seq
        self.entries = entries  # a batch's events (seq, text)
        self.channel = channel  # a batch's channel
        self.first = entries[0][0] if entries else seq
        self.frame: bytes | None = None
        self._size = -1

    @property
    def size(self) -> int:
        """Its length in bytes (UTF-8): measured once, and only for a viewer that is behind."""
        if self._size < 0:
            self._size = len(self.text.encode())
        return self._size

    def after(self, seq: int) -> Outgoing | None:
        """This message without the events up to `seq` (an opening covered those)."""
        if self.seq <= seq:
            return None
        if self.first > seq:
            return self
        return outgoing(self.channel, [(s, t) for s, t in self.entries if s > seq])


def outgoing(channel: str, entries: Sequence[tuple[int, str | None]]) -> Outgoing | None:
    """The message for one viewer of the parts due at once (None texts: not theirs): one
    message as it is, several as `{"type": "events", "channel", "seq", "events": [...]}`."""
    kept = [(seq, text) for seq, text in entries if text is not None]
    if not kept:
        return None
    if len(kept) == 1:
        return Outgoing(kept[0][1], kept[0][0])
    last = kept[-1][0]
    texts = ",".join(text for _, text in kept)
    head = wire({"type": "events", "channel": channel, "seq": last})[:-1]  # without its "}"
    batch = f'{head},"events":[{texts}]}}'
    return Outgoing(batch, last, kept, channel)


class Connection(Protocol):
    """The way to one viewer's websocket (festival.web.channel_io)."""

    def write(self, message: Outgoing) -> bool:
        """Write the message now if the connection keeps up; False (nothing written) when it
        would have to wait for room. Raises when the connection is gone."""

    async def send(self, message: Outgoing) -> None:
        """Write the message, waiting for room first."""

    async def close(self) -> None:
        """Close a dropped viewer's connection, telling it to resume with `since`."""


class Listener:
    """One connected viewer: a role, maybe an identity, and the way to its connection.

    Until `start` (while the connection's opening is being sent) messages wait in a queue.
    After it, a message is written at once, right here in the broadcast, while the
    connection keeps up (its buffers below their limits): no task and no await per viewer
    and message, as `websockets.broadcast` does. Only for a viewer that is behind a task
    takes over, and later messages queue behind it, at most `limit` of them and
    `limit_bytes` together; more and the viewer is dropped. A slow viewer never holds up
    the others.
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
        self._items: deque[Outgoing] = deque()
        self._queued_bytes = 0
        self._connection: Connection | None = None
        self._sent = 0  # the last event sent: the opening covered those up to here
        self._catching_up: asyncio.Task[None] | None = None

    def start(self, connection: Connection, sent: int) -> None:
        """The opening brought the viewer to event `sent`: send what came since, and then
        everything as it comes."""
        self._connection, self._sent = connection, sent
        if self.dropped:
            self._closing()
        elif self._items:
            self._catching_up = asyncio.create_task(self._catch_up(None))

    def offer(self, message: Outgoing) -> bool:
        """Send or queue a message; False, and dropped, when the viewer is too far behind."""
        if self.dropped:
            return False
        if self._connection is None or self._catching_up is not None:
            return self._queue(message)
        due = self._due(message)
        if due is None:
            return True
        try:
            if self._connection.write(due):
                return True
        except Exception:
            self.stop()  # the connection is gone; its reader ends the session
            return False
        self._catching_up = asyncio.create_task(self._catch_up(due))
        return True

    def drop(self) -> None:
        """Stop this viewer: nothing more is sent, and its connection is closed."""
        if self.dropped:
            return
        self.dropped = True
        self._items.clear()
        self._queued_bytes = 0
        if self._catching_up is not None:
            self._catching_up.cancel()
        if self._connection is not None:
            self._closing()

    def stop(self) -> None:
        """The connection has ended: let go of whatever is still being sent."""
        self.dropped = True
        self._items.clear()
        self._queued_bytes = 0
        if self._catching_up is not None:
            self._catching_up.cancel()

    def _queue(self, message: Outgoing) -> bool:
        size = message.size
        if len(self._items) >= self.limit or self._queued_bytes + size > self.limit_bytes:
            self.drop()
            return False
        self._items.append(message)
        self._queued_bytes += size
        return True

    def _due(self, message: Outgoing) -> Outgoing | None:
        """What of the message is still to send (seq 0: not an event, always)."""
        if message.seq:
            if message.first <= self._sent:
                due = message.after(self._sent)
                if due is None:
                    return None  # the opening covered it
                message = due
            self._sent = message.seq
        return message

    async def _catch_up(self, waiting: Outgoing | None) -> None:
        """Send `waiting` (already due) and then the queue, waiting for room each time."""
        assert self._connection is not None
        try:
            if waiting is not None:
                await self._connection.send(waiting)
            while self._items:
                message = self._items.popleft()
                self._queued_bytes -= message.size
                due = self._due(message)
                if due is not None:
                    await self._connection.send(due)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.stop()
        finally:
            self._catching_up = None

    def _closing(self) -> None:
        assert self._connection is not None
        task = asyncio.create_task(self._connection.close())
        _CLOSES.add(task)
        task.add_done_callback(_CLOSES.discard)


_CLOSES: set[asyncio.Task[None]] = set()
"""Closes in flight: the event loop holds tasks only weakly."""


class _Event:
    """An event due now, as each viewer receives it."""

    def __init__(self, seq: int, rendered: Rendered) -> None:
        self.seq = seq
        self.people: Collection[str] = rendered.personal.keys()
        self._rendered = rendered

    def shared(self, role: str) -> str | None:
        return self._rendered.by_role.get(role)

    def personal(self, role: str, viewer_id: str) -> str | None:
        personal = self._rendered.personal
        return personal[viewer_id] if viewer_id in personal else self.shared(role)


class _Counts:
    """Count changes waiting to go out together, the latest per key: one `counts` message
    with the numbers after event `seq`."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.seq = 0
        self.changes: dict[tuple[str, str], Counts] = {}
        self.people: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        self._entries: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        self._shared: dict[str, str | None] = {}

    def add(self, seq: int, counts: Counts) -> None:
        key = (counts.kind, counts.key)
        self.seq = seq
        self.changes.pop(key, None)  # its latest change goes last, in the order of changes
        self.changes[key] = counts
        for viewer_id, fields in counts.personal.items():
            self.people.setdefault(viewer_id, {}).setdefault(key, {}).update(fields)

    def shared(self, role: str) -> str | None:
        if role not in self._shared:
            entries = self._by_key(role)
            self._shared[role] = self._message(list(entries.items())) if entries else None
        return self._shared[role]

    def personal(self, role: str, viewer_id: str) -> str | None:
        entries = self._by_key(role)
        if not entries:
            return None
        own = self.people.get(viewer_id, {})
        return self._message([(k, e | own[k] if k in own else e) for k, e in entries.items()])

    def _by_key(self, role: str) -> dict[tuple[str, str], dict[str, Any]]:
        if role not in self._entries:
            made = ((key, counts.entry(role)) for key, counts in self.changes.items())
            self._entries[role] = {key: entry for key, entry in made if entry is not None}
        return self._entries[role]

    def _message(self, entries: list[tuple[tuple[str, str], dict[str, Any]]]) -> str:
        message: dict[str, Any] = {"type": "counts", "channel": self.channel, "seq": self.seq}
        for (kind, _key), entry in entries:
            message.setdefault(kind, []).append(entry)
        return wire(message)


_Part = _Event | _Counts


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
        self.counts: _Counts | None = None  # waiting for the next flush
        self.flush: asyncio.TimerHandle | None = None
        self.flushed = -COUNTS_SECONDS  # the loop's time the last counts had gone out

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
        self.stop_counts()

    def stop_counts(self) -> None:
        if self.flush is not None:
            self.flush.cancel()
            self.flush = None


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
            room.stop()
            del self._rooms[(festival, channel)]

    def listeners(self, festival: str, channel: str) -> int:
        room = self._rooms.get((festival, channel))
        return 0 if room is None else len(room.listeners)

    async def close(self) -> None:
        rooms = list(self._rooms.values())
        self._rooms.clear()
        for room in rooms:
            room.stop()
            if room.task is not None:
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
            room.stop_counts()
            room.ready.set()
            for listener in list(room.listeners):
                listener.drop()
            self._rooms.pop((room.festival, room.channel), None)

    async def _receive(self, room: _Room, events: Sequence[StoredEvent]) -> None:
        due: list[StoredEvent] = []
        for event in events:
            if event.seq <= room.seq:
                continue  # heard already, or read back from the store
            if event.seq > room.seq + 1:
                due += await self._missing(room)
                if event.seq <= room.seq:
                    continue
            due.append(event)
            room.seq = event.seq
        self._dispatch(room, due)

    async def _fill(self, room: _Room) -> None:
        self._dispatch(room, await self._missing(room))

    async def _missing(self, room: _Room) -> Sequence[StoredEvent]:
        """The events after the room's seq, read back from the store."""
        events = await self.log.after(room.festival, room.channel, room.seq)
        if events:
            room.seq = events[-1].seq
        return events

    def _dispatch(self, room: _Room, events: Sequence[StoredEvent]) -> None:
        """Events heard at once go out together, one message per viewer. Count changes wait
        for the next flush (at most one every COUNTS_SECONDS), unless another event comes
        first: then they go out just before it, so every viewer gets its seqs in order."""
        parts: list[_Part] = []
        for event in events:
            rendered = room.render(event)
            if rendered.counts is not None:
                if room.counts is None:
                    room.counts = _Counts(room.channel)
                room.counts.add(event.seq, rendered.counts)
                continue
            if room.counts is not None:
                parts.append(room.counts)
                room.counts = None
            parts.append(_Event(event.seq, rendered))
        if parts:
            self._deliver(room, parts)
        if room.counts is not None and room.flush is None:
            loop = asyncio.get_running_loop()
            wait = max(0.0, room.flushed + COUNTS_SECONDS - loop.time())
            room.flush = loop.call_later(wait, self._flush, room)

    def _flush(self, room: _Room) -> None:
        room.flush = None
        if room.counts is not None:
            counts, room.counts = room.counts, None
            self._deliver(room, [counts])
        room.flushed = asyncio.get_running_loop().time()

    def _deliver(self, room: _Room, parts: Sequence[_Part]) -> None:
        """Each part made once per role (and once for each viewer with a copy of their own),
        joined into one message per viewer, written to every viewer that keeps up."""
        people: set[str] = set()
        for part in parts:
            people.update(part.people)
        shared: dict[str, Outgoing | None] = {}
        dropped: list[Listener] = []
        for listener in room.listeners:
            viewer_id, role = listener.viewer_id, listener.role
            if viewer_id is not None and viewer_id in people:
                entries = [(p.seq, p.personal(role, viewer_id)) for p in parts]
                message = outgoing(room.channel, entries)
            elif role in shared:
                message = shared[role]
            else:
                message = shared[role] = outgoing(
                    room.channel, [(p.seq, p.shared(role)) for p in parts]
                )
            if message is not None and not listener.offer(message):
                dropped.append(listener)
        room.listeners.difference_update(dropped)


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
