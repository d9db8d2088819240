"""The bus within one process: for the embedded mode (no broker configured) and tests."""

from __future__ import annotations

import json
from typing import Any

from festival.bus.fanout import FanOut, encode
from festival.bus.interface import QUEUE_SIZE


class InProcessBus(FanOut):
    """Fan-out within this process; for the embedded mode and tests."""

    def __init__(self, *, queue_size: int = QUEUE_SIZE) -> None:
        super().__init__(queue_size)

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        self._check_running()
        # The JSON round trip gives the same failures and the same received types as Redis, and
        # subscribers never share an object with the publisher.
        self._deliver(topic, json.loads(encode(topic, message)))
