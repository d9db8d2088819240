"""What both implementations share: lifecycle, local subscribers and delivery to them."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Self

from festival.bus.errors import BusClosed
from festival.bus.interface import Message, Subscription

logger = logging.getLogger("festival.bus")


class FanOut:
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


def encode(topic: str, message: dict[str, Any]) -> str:
    """`message` as the JSON both implementations carry; refuses what a browser could not read."""
    if not topic:
        raise ValueError("publish to a non-empty topic")
    if not isinstance(message, dict):
        raise TypeError(f"a bus message is a dict, not {type(message).__name__}")
    # allow_nan=False: browsers' JSON.parse rejects NaN, so it must fail here, at the publisher.
    return json.dumps(message, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
