"""Reference for the fan-out benchmark: the same broadcast written only with `websockets`.

    python bench/ws_reference.py --port PORT --message FILE [--no-compression]

It speaks just enough of festival's live protocol for `bench/ws_bench.py` to drive it as it
drives festival: every connection to `/ws/channels/plenary` gets a `snapshot`; a connection
with `?token=…` is a moderator whose `{"type": "moderate", "action": …}` bumps the seq,
broadcasts FILE's event (festival's own audience copy of a pick) with that seq to every
connection without a token, and is answered by an `ack` with the seq. Serialised once per
broadcast and handed to `websockets.broadcast`, which is the floor festival is compared to.

A `{"type": "vote"}` (or `"withdraw": true`) bumps the seq and the one count, is acked at
once, and reaches the audience as festival's votes do: coalesced, one `counts` message with
the latest number at most every 250 ms.

An `{"type": "answer", "poll_id", "option"}` (bench/poll_bench.py) does the same for a poll:
one answer per token (the connection's `?token=`), changeable; acked at once; the latest
counts per option coalesced into one `counts` message with `polls` at most every 250 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import signal
from pathlib import Path
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.http11 import Request, Response


def _wire(message: dict[str, Any]) -> str:
    # As festival serialises: compact, non-ASCII as is, so both send the same bytes.
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


COUNTS_SECONDS = 0.25


class Reference:
    def __init__(self, event: dict[str, Any]) -> None:
        self.event = event
        self.seq = int(event["seq"])
        self.audience: set[ServerConnection] = set()
        self.votes = 0
        self.counts_due: asyncio.TimerHandle | None = None
        self.answers: dict[str, int] = {}  # token -> option
        self.poll_id = ""
        self.poll_counts: dict[int, int] = {}

    def _vote(self, message: dict[str, Any]) -> None:
        self.votes += -1 if message.get("withdraw") else 1
        if self.counts_due is None:
            loop = asyncio.get_running_loop()
            self.counts_due = loop.call_later(COUNTS_SECONDS, self._send_counts)

    def _answer(self, token: str, message: dict[str, Any]) -> None:
        option = int(message["option"])
        before = self.answers.get(token)
        if before is not None:
            self.poll_counts[before] -= 1
        self.answers[token] = option
        self.poll_counts[option] = self.poll_counts.get(option, 0) + 1
        self.poll_id = str(message["poll_id"])
        if self.counts_due is None:
            loop = asyncio.get_running_loop()
            self.counts_due = loop.call_later(COUNTS_SECONDS, self._send_counts)

    def _send_counts(self) -> None:
        self.counts_due = None
        counts: dict[str, Any] = {"type": "counts", "channel": "plenary", "seq": self.seq}
        if self.poll_id:
            width = max(self.poll_counts, default=0) + 1
            numbers = [self.poll_counts.get(n, 0) for n in range(width)]
            counts["polls"] = [{"id": self.poll_id, "counts": numbers, "total": sum(numbers)}]
        else:
            question = {"id": self.event["event"]["question"]["id"], "votes": self.votes}
            counts["questions"] = [question]
        broadcast(self.audience, _wire(counts))

    async def handle(self, connection: ServerConnection) -> None:
        request = connection.request
        assert request is not None  # set once the handshake is done, before the handler runs
        moderator = "token=" in request.path
        await connection.send(_wire({"type": "snapshot", "channel": "plenary", "seq": 0}))
        if not moderator:
            self.audience.add(connection)
        try:
            async for raw in connection:
                message = json.loads(raw)
                self.seq += 1
                if message.get("type") == "vote":
                    self._vote(message)
                elif message.get("type") == "answer":
                    self._answer(request.path.split("token=", 1)[-1], message)
                else:
                    broadcast(self.audience, _wire({**self.event, "seq": self.seq}))
                await connection.send(
                    _wire({"type": "ack", "seq": self.seq, "ref": message.get("ref")})
                )
        finally:
            self.audience.discard(connection)


def _only_plenary(connection: ServerConnection, request: Request) -> Response | None:
    if request.path.split("?", 1)[0] != "/ws/channels/plenary":
        return connection.respond(404, "no such channel\n")
    return None


async def run(reference: Reference, port: int, compression: bool) -> None:
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with serve(
        reference.handle,
        "127.0.0.1",
        port,
        process_request=_only_plenary,
        compression="deflate" if compression else None,
        backlog=4096,
    ):
        print("ready", flush=True)  # noqa: T201 - the orchestrator waits for this line
        await stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--message", required=True, help="JSON file: the event to broadcast")
    parser.add_argument("--no-compression", action="store_true", help="refuse permessage-deflate")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    reference = Reference(json.loads(Path(args.message).read_text(encoding="utf-8")))
    asyncio.run(run(reference, args.port, not args.no_compression))


if __name__ == "__main__":
    main()
