"""`make_bus`: the implementation a broker URL asks for."""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

from festival.bus.interface import QUEUE_SIZE, Bus
from festival.bus.memory import InProcessBus
from festival.bus.topics import DEFAULT_NAMESPACE

REDIS_SCHEMES: Final = ("redis", "rediss", "unix")


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
    # Imported here so that a single instance, and everything that only publishes or
    # subscribes, never loads redis.
    from festival.bus.redis import RedisBus

    return RedisBus(broker_url, namespace=namespace, queue_size=queue_size)
