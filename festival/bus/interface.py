"""What callers of the bus depend on: the `Bus` protocol and the `Subscription` it hands out."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any, Final, Protocol, Self

from festival.bus.errors import BusClosed, SubscriberTooSlow

QUEUE_SIZE: Final = 1000
"""Messages a subscriber may fall behind before it is dropped."""

GAP: Final = "bus.gap"
"""`type` of the marker a subscription receives when messages may have been lost."""

Message = Mapping[str, Any]


class Subscription:
    """One subscriber's bounded queue. Read it with `async for message in sub` or `sub.get()`.

    Iteration ends when the subscription or the bus is closed (after what was already queued);
    it raises `SubscriberTooSlow` once the subscriber has been dropped. `_offer`, `_close` and
    `_live` are for the bus implementations only.
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
