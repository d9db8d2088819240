"""The bus: publish/subscribe fan-out of live messages, and the names of its topics.

Services publish JSON objects on a topic; `live/hub.py` subscribes once per live channel per
instance and hands what arrives to its viewers. Two implementations keep one contract (`Bus`):

- `InProcessBus` (`memory.py`) for one process: publishing hands the message straight to
  local subscribers.
- `RedisBus` (`redis.py`) for several instances: publishing goes to a Redis channel; each bus
  holds one pub/sub connection, read by one background task that fans out locally.

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

The parts: `interface.py` (`Bus`, `Subscription`), `topics.py` (their names and the news every
instance follows), `errors.py`, `fanout.py` (what both implementations share), `memory.py`,
`redis.py` and `factory.py` (`make_bus`). Callers import from this package, which names
everything but `RedisBus`: only `redis.py` imports redis, and `make_bus` loads it only when a
broker URL asks for it. Services depend on the `Bus` protocol and the topic functions, never on
an implementation.
"""

from festival.bus.errors import BusClosed, BusError, BusUnavailable, SubscriberTooSlow
from festival.bus.factory import make_bus
from festival.bus.interface import GAP, QUEUE_SIZE, Bus, Message, Subscription
from festival.bus.memory import InProcessBus
from festival.bus.topics import (
    ACCESS_TOPIC,
    DEFAULT_NAMESPACE,
    PROGRAMME_TOPIC,
    channel_topic,
    publish_programme_changed,
    publish_revoked,
)

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
    "SubscriberTooSlow",
    "Subscription",
    "channel_topic",
    "make_bus",
    "publish_programme_changed",
    "publish_revoked",
]
