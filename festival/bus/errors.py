"""The bus's errors, in festival.errors' hierarchy:

    BusError             code "bus.error"
     ├── SubscriberTooSlow  "bus.too_slow"    the subscriber's queue overflowed; it was dropped
     ├── BusClosed          "bus.closed"      the bus or the subscription was closed
     └── BusUnavailable     "bus.unavailable" the broker (Redis) could not be reached

Both implementations raise the same ones, so callers never catch a Redis exception.
"""

from __future__ import annotations

from festival.errors import FestivalError


class BusError(FestivalError):
    code = "bus.error"


class SubscriberTooSlow(BusError):
    """The subscriber fell `queue_size` messages behind and was dropped; it must resync."""

    code = "bus.too_slow"


class BusClosed(BusError):
    code = "bus.closed"


class BusUnavailable(BusError):
    code = "bus.unavailable"
