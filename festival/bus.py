"""The bus: publish/subscribe fan-out of live messages, and the names of its topics.

Services publish JSON objects on a topic; `web/live.py` subscribes once per websocket connection
and forwards what arrives. Two implementations keep one contract (`Bus`):

- `InProcessBus` for one process: publishing hands the message straight to local subscribers.
- `RedisBus` for several instances: publishing goes to a Redis channel (`namespace + topic`); each
  bus holds one pub/sub connection, read by one background task that fans out locally.

Every subscriber has its own bounded queue (`QUEUE_SIZE` unless told otherwise). Publishing never
waits for a subscriber: when a queue is full, that subscriber is dropped and its next read raises
`SubscriberTooSlow`; everybody else keeps receiving.

When the Redis connection is lost, the bus reconnects with exponential backoff and resubscribes.
Messages published meanwhile are gone, so once Redis confirms the new subscriptions every
subscription that was already open receives `{"type": "bus.gap"}` (`GAP`): reload from the store
(the events there carry per-channel sequence numbers) and carry on. The in-process bus never loses
messages and never sends a gap.

Messages cross the bus as JSON in both implementations, so both accept and return the same
things. A received message is shared by the local subscribers: treat it as read-only.

Errors (in festival.errors' hierarchy, under FestivalError):

    BusError             code "bus.error"
     ├── SubscriberTooSlow  "bus.too_slow"    the subscriber's queue overflowed; it was dropped
     ├── BusClosed          "bus.closed"      the bus or the subscription was closed
     └── BusUnavailable     "bus.unavailable" Redis could not be reached

Imports festival.errors, the stdlib and redis only; the domain depends on the `Bus` protocol and
the topic functions, never on an implementation.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from types import TracebackType
from typing import Any, Final, Protocol, Self
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff, NoBackoff
from redis.exceptions import RedisError

from festival.errors import FestivalError

__all__ = [
    "ACCESS_TOPIC",
    "DEFAULT_NAMESPACE",
    "GAP",
    "PROGRAMME_TOPIC",
    "QUEUE_SIZE",
    "Bus",
    "BusClosed",
    "BusError",
    "BusUnavailable",
    "InProcessBus",
    "Message",
    "RedisBus",
    "SubscriberTooSlow",
    "Subscription",
    "channel_topic",
    "make_bus",
    "moderator_topic",
    "publish_programme_changed",
    "publish_revoked",
]

logger = logging.getLogger(__name__)

QUEUE_SIZE: Final = 1000
"""Messages a subscriber may fall behind before it is dropped."""

DEFAULT_NAMESPACE: Final = "festival:"
"""Prefix of every Redis channel; Redis pub/sub ignores the database number, so this isolates."""

GAP: Final = "bus.gap"
"""`type` of the marker a subscription receives when messages may have been lost."""

REDIS_SCHEMES: Final = ("redis", "rediss", "unix")

Message = Mapping[str, Any]

_PART = re.compile(r"[a-z0-9][a-z0-9-]*\Z")


# --- topics: the one place their names are made ----------------------------------------------

PROGRAMME_TOPIC: Final = "programme.changed"
"""`{"festival": SLUG}` once a festival's stored programme changed (a load, times announced):
every instance reads it again instead of asking the store on every live connection."""

ACCESS_TOPIC: Final = "access.revoked"
"""`{"token_ids": [...], "registration_ids": [...]}` once tokens were revoked or
registrations erased: every instance forgets their grants at once."""


async def publish_programme_changed(bus: Bus, festival: str) -> None:
    """Tell every instance that `festival`'s stored programme changed (after the commit)."""
    await bus.publish(PROGRAMME_TOPIC, {"type": PROGRAMME_TOPIC, "festival": festival})


async def publish_revoked(
    bus: Bus, *, token_ids: Iterable[int] = (), registration_ids: Iterable[int] = ()
) -> None:
    """Tell every instance that these tokens, and every token of these registrations, no
    longer hold (after the commit)."""
    await bus.publish(
        ACCESS_TOPIC,
        {
            "type": ACCESS_TOPIC,
            "token_ids": sorted(token_ids),
            "registration_ids": sorted(registration_ids),
        },
    )


def channel_topic(festival: str, channel: str) -> str:
    """The audience view of a live channel (`plenary`, `show` or a session id)."""
    return f"channel.{_part(festival)}.{_part(channel)}"


def moderator_topic(festival: str, channel: str) -> str:
    """The moderators' view of a live channel: everything, including unapproved questions."""
    return f"moderator.{_part(festival)}.{_part(channel)}"


def _part(value: str) -> str:
    # Slugs and ids are lowercase letters, digits and hyphens, so a dot can only be a separator.
    if not _PART.match(value):
        raise ValueError(f"a topic part must be lowercase letters, digits and hyphens: {value!r}")
    return value


# --- errors ----------------------------------------------------------------------------------


class BusError(FestivalError):
    code = "bus.error"


class SubscriberTooSlow(BusError):
    """The subscriber fell `queue_size` messages behind and was dropped; it must resync."""

    code = "bus.too_slow"


class BusClosed(BusError):
    code = "bus.closed"


class BusUnavailable(BusError):
    code = "bus.unavailable"


# --- the contract ----------------------------------------------------------------------------


class Subscription:
    """One subscriber's bounded queue. Read it with `async for message in sub` or `sub.get()`.

    Iteration ends when the subscription or the bus is closed (after what was already queued);
    it raises `SubscriberTooSlow` once the subscriber has been dropped.
    """

    def __init__(self, topics: frozenset[str], queue_size: int) -> None:
        self.topics = topics
        self._queue_size = queue_size
        self._items: deque[Message] = deque()
        self._wakeup = asyncio.Event()
        self._overflowed = False
        self._closed = False
        # Set once subscribing has completed; only such subscriptions can have missed something.
        self._live = False

    @property
    def overflowed(self) -> bool:
        return self._overflowed

    async def get(self) -> Message:
        """The next message; raises `SubscriberTooSlow` if dropped, `BusClosed` once closed."""
        while True:
            if self._overflowed:
                raise SubscriberTooSlow(
                    f"subscriber to {sorted(self.topics)} fell {self._queue_size} messages behind"
                )
            if self._items:
                return self._items.popleft()
            if self._closed:
                raise BusClosed("the subscription is closed")
            self._wakeup.clear()
            await self._wakeup.wait()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Message:
        try:
            return await self.get()
        except BusClosed:
            raise StopAsyncIteration from None

    def _offer(self, message: Message) -> bool:
        """Queue `message` without waiting; False if this subscriber is (now) out."""
        if self._overflowed or self._closed:
            return False
        if len(self._items) >= self._queue_size:
            self._overflowed = True
            # What is queued is stale anyway: the subscriber has to reload from the store.
            self._items.clear()
            self._wakeup.set()
            return False
        self._items.append(message)
        self._wakeup.set()
        return True

    def _close(self) -> None:
        self._closed = True
        self._wakeup.set()


class Bus(Protocol):
    """Publish/subscribe; use as `async with bus:` or call `start()` and `close()`."""

    async def start(self) -> None: ...

    async def close(self) -> None:
        """Ends every subscription; safe to call twice."""
        ...

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        """Send a JSON object to every subscriber of `topic`, never waiting for them."""
        ...

    def subscribe(self, topics: str | Iterable[str]) -> AbstractAsyncContextManager[Subscription]:
        """Receive what is published on `topics` from entering the context until leaving it."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def make_bus(
    broker_url: str, *, namespace: str = DEFAULT_NAMESPACE, queue_size: int = QUEUE_SIZE
) -> Bus:
    """A `RedisBus` for a redis://, rediss:// or unix:// URL; an `InProcessBus` for ""."""
    if not broker_url:
        return InProcessBus(queue_size=queue_size)
    scheme = urlsplit(broker_url).scheme
    if scheme not in REDIS_SCHEMES:
        # Only the scheme is echoed: the rest of the URL may hold a password.
        raise ValueError(f"the broker URL must be redis://, rediss:// or unix://, not {scheme!r}")
    return RedisBus(broker_url, namespace=namespace, queue_size=queue_size)


# --- the part both implementations share -----------------------------------------------------


class _FanOut:
    """Lifecycle, local subscribers and delivery to them; subclasses add transport."""

    def __init__(self, queue_size: int) -> None:
        if queue_size < 1:
            raise ValueError(f"queue_size must be at least 1, got {queue_size}")
        self._queue_size = queue_size
        self._state = "new"
        self._subscribers: dict[str, set[Subscription]] = {}

    async def start(self) -> None:
        if self._state != "new":
            raise RuntimeError(f"the bus is {self._state}; a bus starts once")
        self._state = "running"

    async def close(self) -> None:
        self._state = "closed"
        for subscription in self._all_subscriptions():
            subscription._close()
        self._subscribers.clear()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @asynccontextmanager
    async def subscribe(self, topics: str | Iterable[str]) -> AsyncIterator[Subscription]:
        self._check_running()
        names = frozenset([topics] if isinstance(topics, str) else topics)
        if not names or not all(names):
            raise ValueError("subscribe to at least one topic, and no empty ones")
        subscription = Subscription(names, self._queue_size)
        for topic in names:
            self._subscribers.setdefault(topic, set()).add(subscription)
        try:
            await self._attach(subscription)
            self._check_running()
            subscription._live = True
            yield subscription
        finally:
            self._forget(subscription)
            subscription._close()
            await self._detach(subscription)

    async def _attach(self, subscription: Subscription) -> None:
        """Make sure `subscription` receives everything published from now on."""

    async def _detach(self, subscription: Subscription) -> None:
        """Undo `_attach`, also after a partial one; must not fail."""

    def _deliver(self, topic: str, message: Message) -> None:
        for subscription in tuple(self._subscribers.get(topic, ())):
            self._deliver_to(subscription, message)

    def _deliver_to(self, subscription: Subscription, message: Message) -> None:
        if not subscription._offer(message):
            logger.warning(
                "dropped a subscriber to %s: it fell behind", sorted(subscription.topics)
            )
            self._forget(subscription)

    def _all_subscriptions(self) -> set[Subscription]:
        return set().union(*self._subscribers.values())

    def _forget(self, subscription: Subscription) -> None:
        for topic in subscription.topics:
            subscribers = self._subscribers.get(topic)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[topic]

    def _check_running(self) -> None:
        if self._state == "closed":
            raise BusClosed("the bus is closed")
        if self._state != "running":
            raise RuntimeError("start the bus (or enter `async with bus:`) before using it")


def _encode(topic: str, message: dict[str, Any]) -> str:
    if not topic:
        raise ValueError("publish to a non-empty topic")
    if not isinstance(message, dict):
        raise TypeError(f"a bus message is a dict, not {type(message).__name__}")
    # allow_nan=False: browsers' JSON.parse rejects NaN, so it must fail here, at the publisher.
    return json.dumps(message, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


# --- in one process --------------------------------------------------------------------------


class InProcessBus(_FanOut):
    """Fan-out within this process; for the embedded mode and tests."""

    def __init__(self, *, queue_size: int = QUEUE_SIZE) -> None:
        super().__init__(queue_size)

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        self._check_running()
        # The JSON round trip gives the same failures and the same received types as Redis, and
        # subscribers never share an object with the publisher.
        self._deliver(topic, json.loads(_encode(topic, message)))


# --- across instances, through Redis ---------------------------------------------------------


class RedisBus(_FanOut):
    """Fan-out through Redis pub/sub, so every instance's subscribers see every message.

    One pub/sub connection per bus, read by one task. Subscribing waits until Redis has
    confirmed the channel, so a message published after `subscribe()` returns is received.
    `start()` raises `BusUnavailable` if Redis cannot be reached; later losses are retried.
    """

    def __init__(
        self,
        url: str,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        queue_size: int = QUEUE_SIZE,
        backoff_min: float = 0.1,
        backoff_max: float = 5.0,
    ) -> None:
        super().__init__(queue_size)
        self._url = url
        self._namespace = namespace
        self._backoff_min = backoff_min
        self._backoff_max = backoff_max
        # Unique, so operators (and tests) can find this bus's connections in CLIENT LIST.
        self.client_name = f"festival-bus-{uuid.uuid4().hex[:12]}"
        self.reconnects = 0
        self._publisher: aioredis.Redis | None = None
        self._listener: aioredis.Redis | None = None
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        # Serialises every change of subscriptions and the commands sent for it, so the order
        # on the wire matches `_refs` (an UNSUBSCRIBE can't overtake a later SUBSCRIBE).
        self._lock = asyncio.Lock()
        self._attached: set[Subscription] = set()
        self._refs: dict[str, int] = {}  # Redis channel -> attached subscriptions needing it
        # Ping token -> subscribers waiting for it. Redis answers a connection's commands in
        # order, so the pong of a PING sent after SUBSCRIBE proves the subscription is active.
        self._barriers: dict[str, list[asyncio.Future[None]]] = {}
        self._gap_token: str | None = None

    async def start(self) -> None:
        await super().start()
        # Publishing retries briefly so a blip doesn't fail a request; the listener doesn't
        # retry at all, because a silent reconnect would hide a gap.
        self._publisher = aioredis.Redis.from_url(
            self._url,
            retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), 3),
            client_name=self.client_name,
        )
        self._listener = aioredis.Redis.from_url(
            self._url, retry=Retry(NoBackoff(), 0), client_name=self.client_name
        )
        try:
            await self._connect()
        except BaseException as error:
            await self.close()
            if isinstance(error, RedisError | OSError):
                where = _where(self._url)
                raise BusUnavailable(f"cannot reach Redis at {where}: {error}") from error
            raise
        self._reader = asyncio.create_task(self._read(), name=f"{self.client_name} reader")

    async def close(self) -> None:
        if self._state == "closed":
            return
        await super().close()
        if self._reader is not None:
            self._reader.cancel()
            await _wait_cancelled(self._reader)
            self._reader = None
        # Let waiting subscribers go; they see the bus is closed and raise BusClosed.
        for waiters in self._barriers.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
        self._barriers.clear()
        async with self._lock:  # not while a subscriber is sending on the connection
            if self._pubsub is not None:
                await _close_pubsub(self._pubsub)
                self._pubsub = None
        for client in (self._listener, self._publisher):
            if client is not None:
                await client.aclose()
        self._listener = self._publisher = None

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        """Send to Redis; raises `BusUnavailable` when Redis can't take it (after retries)."""
        self._check_running()
        data = _encode(topic, message)
        assert self._publisher is not None
        try:
            await self._publisher.publish(self._namespace + topic, data)
        except (RedisError, OSError) as error:
            raise BusUnavailable(f"cannot publish to Redis at {_where(self._url)}") from error

    async def _attach(self, subscription: Subscription) -> None:
        confirmed = asyncio.get_running_loop().create_future()
        async with self._lock:
            if self._state != "running":
                return  # closed while we waited; nobody would ever release `confirmed`
            self._attached.add(subscription)
            fresh = [ch for ch in self._channels(subscription) if self._count(ch, +1) == 1]
            token = uuid.uuid4().hex
            self._barriers[token] = [confirmed]
            if self._pubsub is not None:
                try:
                    if fresh:
                        await self._pubsub.subscribe(*fresh)
                    await self._pubsub.ping(token)
                except (RedisError, OSError):
                    # The reader sees the loss too; it resubscribes all of `_refs` and then
                    # releases every waiter, this one included.
                    pass
        await confirmed

    async def _detach(self, subscription: Subscription) -> None:
        async with self._lock:
            if subscription not in self._attached:
                return
            self._attached.discard(subscription)
            gone = [ch for ch in self._channels(subscription) if self._count(ch, -1) == 0]
            if gone and self._pubsub is not None and self._state == "running":
                # A lost connection drops them anyway, and a reconnect subscribes `_refs` only.
                with suppress(RedisError, OSError):
                    await self._pubsub.unsubscribe(*gone)

    def _channels(self, subscription: Subscription) -> list[str]:
        return [self._namespace + topic for topic in sorted(subscription.topics)]

    def _count(self, channel: str, step: int) -> int:
        count = self._refs.get(channel, 0) + step
        if count > 0:
            self._refs[channel] = count
        else:
            self._refs.pop(channel, None)
        return count

    async def _connect(self) -> None:
        """Open a pub/sub connection and subscribe to every channel a subscriber needs."""
        assert self._listener is not None
        pubsub = self._listener.pubsub()
        try:
            await pubsub.connect()  # type: ignore[no-untyped-call]  # unannotated in redis-py
            async with self._lock:
                self._pubsub = pubsub
                # Whoever waited on the old connection is released by this connection's pong.
                waiting = [waiter for waiters in self._barriers.values() for waiter in waiters]
                self._barriers.clear()
                token = uuid.uuid4().hex
                self._barriers[token] = waiting
                self._gap_token = token
                if self._refs:
                    await pubsub.subscribe(*self._refs)
                await pubsub.ping(token)
        except BaseException:
            self._pubsub = None
            await _close_pubsub(pubsub)
            raise

    async def _read(self) -> None:
        """Read the pub/sub connection for the bus's lifetime, reconnecting with backoff."""
        delay = self._backoff_min
        while True:
            pubsub = self._pubsub
            if pubsub is not None:
                try:
                    while True:
                        self._dispatch(await pubsub.get_message(timeout=None))
                except (RedisError, OSError) as error:
                    logger.warning("lost the Redis pub/sub connection (%s); reconnecting", error)
                self._pubsub = None
                await _close_pubsub(pubsub)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._backoff_max)
            try:
                await self._connect()
            except (RedisError, OSError) as error:
                logger.info("Redis at %s still unreachable: %s", _where(self._url), error)
                continue
            self.reconnects += 1
            delay = self._backoff_min
            logger.warning("reconnected to Redis at %s", _where(self._url))

    def _dispatch(self, item: dict[str, Any] | None) -> None:
        if item is None:
            return
        if item["type"] == "message":
            channel = item["channel"].decode()
            if channel.startswith(self._namespace):
                self._deliver_json(channel.removeprefix(self._namespace), item["data"])
        elif item["type"] == "pong":
            token = item["data"].decode()
            for waiter in self._barriers.pop(token, ()):
                if not waiter.done():
                    waiter.set_result(None)
            if token == self._gap_token:
                self._gap_token = None
                # Subscriptions still being set up have seen nothing yet; they need no gap.
                for subscription in self._all_subscriptions():
                    if subscription._live:
                        self._deliver_to(subscription, {"type": GAP})

    def _deliver_json(self, topic: str, data: bytes) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            logger.warning("ignored a message on %s that is not JSON", topic)
            return
        if not isinstance(message, dict):
            logger.warning("ignored a message on %s that is not a JSON object", topic)
            return
        self._deliver(topic, message)


def _where(url: str) -> str:
    """Host and port of `url`, without the credentials it may carry."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname}:{parts.port or 6379}"


async def _close_pubsub(pubsub: PubSub) -> None:
    # Through a typed name: redis-py annotates `aclose` only from 8.2 on, and this reads the
    # same under both (a call of the unannotated one would fail `mypy --strict`).
    close: Callable[[], Awaitable[None]] = pubsub.aclose
    await close()


async def _wait_cancelled(task: asyncio.Task[None]) -> None:
    """Wait for a task we cancelled, without swallowing a cancellation of our own caller."""
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
