"""What every instance remembers to spare the store on each live connection, kept true by the bus.

The festival as last read (`FestivalCache.trusted`) and the grants of tokens lately presented
(`GrantCache`): a reconnect storm asks the store for neither. Whatever changes them is
published on the bus once committed (`festival.bus.publish_programme_changed`,
`publish_revoked`), by whichever instance or command made the change, and `follow` forgets
it on every instance at once. A gap (Redis lost messages) forgets everything; both caches
also let go of what they hold after a few seconds, for a change made where no bus reaches.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from contextlib import suppress

from festival.access.grants import GrantCache
from festival.bus import (
    ACCESS_TOPIC,
    GAP,
    PROGRAMME_TOPIC,
    Bus,
    BusClosed,
    BusError,
    Message,
    publish_programme_changed,
    publish_revoked,
)
from festival.storage.programme_repo import FestivalCache

log = logging.getLogger("festival.web")

RESUBSCRIBE_SECONDS = 1.0


async def start_following(
    bus: Bus, festivals: FestivalCache, grants: GrantCache
) -> asyncio.Task[None]:
    """A task that applies the bus's news to the caches until cancelled; returns once it is
    subscribed, so nothing published after the start is missed."""
    subscribed = asyncio.Event()
    task = asyncio.create_task(_follow(bus, festivals, grants, subscribed), name="caches")
    waiting = asyncio.create_task(subscribed.wait())
    await asyncio.wait([task, waiting], return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    if task.done():
        task.result()  # it failed to subscribe: the start fails as the bus's own would
    return task


async def stop_following(task: asyncio.Task[None]) -> None:
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task


async def _follow(
    bus: Bus, festivals: FestivalCache, grants: GrantCache, subscribed: asyncio.Event
) -> None:
    while True:
        try:
            async with bus.subscribe([PROGRAMME_TOPIC, ACCESS_TOPIC]) as subscription:
                subscribed.set()
                async for message in subscription:
                    _apply(message, festivals, grants)
            return  # the bus closed
        except BusClosed:
            return
        except BusError as error:
            if not subscribed.is_set():
                raise
            # Fell behind: whatever was missed may have changed anything.
            log.warning("the caches lost the bus (%s); starting over", error)
            festivals.forget()
            grants.clear()
            await asyncio.sleep(RESUBSCRIBE_SECONDS)


async def tell_revoked(
    bus: Bus,
    grants: GrantCache | None,
    *,
    token_ids: Iterable[int] = (),
    registration_ids: Iterable[int] = (),
) -> None:
    """After a revocation or an erasure has committed: forget the grants here at once (when
    this process has a cache) and on every other instance through the bus. The change
    stands when the bus is down; the caches then let go within their few seconds."""
    tokens, registrations = list(token_ids), list(registration_ids)
    if grants is not None:
        grants.forget(token_ids=tokens, registration_ids=registrations)
    try:
        await publish_revoked(bus, token_ids=tokens, registration_ids=registrations)
    except BusError as error:
        log.warning("could not tell the other instances of a revocation: %s", error)


async def tell_programme_changed(bus: Bus, festival: str) -> None:
    """After a festival's stored programme changed: every instance reads it again."""
    try:
        await publish_programme_changed(bus, festival)
    except BusError as error:
        log.warning("could not tell the other instances of a programme change: %s", error)


def _apply(message: Message, festivals: FestivalCache, grants: GrantCache) -> None:
    kind = message.get("type")
    if kind == PROGRAMME_TOPIC:
        festivals.forget()
    elif kind == ACCESS_TOPIC:
        grants.forget(
            token_ids=_ids(message.get("token_ids")),
            registration_ids=_ids(message.get("registration_ids")),
        )
    elif kind == GAP:
        festivals.forget()
        grants.clear()


def _ids(value: object) -> list[int]:
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []
