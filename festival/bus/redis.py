"""The bus across instances, through Redis pub/sub.

Publishing goes to a Redis channel (`namespace + topic`); each bus holds one pub/sub
connection, read by one background task that fans out locally. When that connection is lost,
the bus reconnects with exponential backoff and resubscribes; messages published meanwhile are
gone, so once Redis confirms the new subscriptions every subscription that was already open
receives `{"type": "bus.gap"}` (`GAP`) and reloads from the store.

The only module of festival's bus that imports redis (`make_bus` loads it only for a
redis://, rediss:// or unix:// URL).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff, NoBackoff
from redis.exceptions import RedisError

from festival.bus.errors import BusUnavailable
from festival.bus.fanout import FanOut, encode
from festival.bus.interface import GAP, QUEUE_SIZE, Subscription
from festival.bus.topics import DEFAULT_NAMESPACE

logger = logging.getLogger("festival.bus")


class RedisBus(FanOut):
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
        data = encode(topic, message)
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
