"""Live poll benchmark: poll answers absorbed a second while N watch, and how long until every
watcher has the final count.

    python bench/poll_bench.py [--viewers 1000] [--answerers 200] [--answers 20] [--json FILE]

Starts festival (`festival serve`, throwaway SQLite, the reference programme, as
bench/ws_bench.py does) and the websockets-only reference (bench/ws_reference.py, which
coalesces answers into `counts` every 250 ms as festival does) side by side on 127.0.0.1.
For each server in turn: a moderator opens a poll of four options; load-client processes hold
--viewers connections without a token (the public view, bench/ws_bench.py's crowd); then
--answerers attendees each send --answers answers as fast as their acks come back (one in
flight each, every answer a change of option), all at once.

Printed per server: answers acknowledged a second (from the first sending to the last ack);
`counts` messages each viewer received (coalesced: a few a second, not one per answer); the
time from the last ack until each viewer has the `counts` message that covers it, p50 and p99
over every viewer; whether a watching client ends with the counts the acknowledged answers
make (and, for festival, what its snapshot stores); the server's CPU per answer.

--json FILE writes the figures in the shape of bench/figures.py (benchmark "polls").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from figures import Figures  # (bench/, beside this file)
from websockets.asyncio.client import ClientConnection, connect
from ws_bench import (
    ANSWER_PREFIXES,
    CHANNEL,
    Collector,
    Crowd,
    Server,
    _capture_pick,
    _cpu_seconds,
    _http,
    _load,
    _raise_open_files,
    _request,
    _say,
    festival_server,
    percentile,
    reference_server,
    start_crowd,
    stop_crowd,
)

OPTIONS = ["Wonen", "Zorg", "Werk", "Onderwijs"]


@dataclass
class PollResult:
    server: str
    viewers: int
    answerers: int
    acknowledged: int
    refused: int
    answers_per_second: float
    counts_frames: int
    """`counts` messages (alone or in a batch) each viewer received during the rush."""
    final_p50_ms: float
    final_p99_ms: float
    """From the last ack to each viewer's `counts` covering it."""
    missing: int
    expected: list[int]
    on_screen: list[int]
    stored: list[int]
    server_cpu_ms_per_answer: float
    load: float


class PollWatcher:
    """A client that follows the poll's counts as a page does."""

    def __init__(self, connection: ClientConnection, poll_id: str) -> None:
        self.connection = connection
        self.poll_id = poll_id
        self.counts: list[int] = []
        self.opened = asyncio.Event()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.connection:
            message = json.loads(raw)
            if message["type"] == "snapshot":
                self.opened.set()
                continue
            parts = message["events"] if message["type"] == "events" else [message]
            for part in parts:
                for entry in part.get("polls", []):
                    if entry["id"] == self.poll_id:
                        self.counts = entry["counts"]


async def _open_poll(server: Server) -> str:
    if server.name != "festival":
        return "p1"  # the reference takes any poll
    async with connect(server.with_token(server.moderator_token), proxy=None) as moderator:
        await moderator.recv()  # the snapshot
        await _request(moderator, {"type": "moderate", "action": "poll_close"}, check=False)
        poll = {"question": "Waar praten we na de pauze over?", "options": OPTIONS}
        opened = await _request(
            moderator, {"type": "moderate", "action": "poll_open", "poll": poll}
        )
        return str(opened["poll_id"])


async def measure_poll(server: Server, answerers: int, per: int, crowd: Crowd) -> PollResult:
    if answerers > len(server.voter_tokens):
        raise RuntimeError(f"{answerers} answerers; the server has {len(server.voter_tokens)}")
    poll_id = await _open_poll(server)
    tokens = server.voter_tokens[:answerers]
    collector = Collector(crowd.results, len(crowd.processes))
    acked: list[int] = []
    refused = 0
    last: dict[int, int] = {}  # answerer -> their last acknowledged option

    async def answerer(index: int, connection: ClientConnection) -> None:
        nonlocal refused
        await connection.recv()  # the snapshot
        for k in range(per):
            option = (index + k) % len(OPTIONS)
            ref = f"a{index}-{k}"
            await connection.send(
                json.dumps({"type": "answer", "poll_id": poll_id, "option": option, "ref": ref})
            )
            while True:
                raw = await connection.recv()
                if isinstance(raw, str) and raw.startswith(ANSWER_PREFIXES):
                    answer = json.loads(raw)
                    if answer.get("ref") == ref:
                        break
            if answer["type"] == "ack" and answer.get("seq"):
                acked.append(int(answer["seq"]))
                last[index] = option
            else:
                refused += 1

    watching = await connect(server.url, proxy=None, ping_interval=None)
    watcher = PollWatcher(watching, poll_id)
    connections = [
        await connect(server.with_token(t), proxy=None, ping_interval=None) for t in tokens
    ]
    try:
        await asyncio.wait_for(watcher.opened.wait(), 30)
        cpu_before = _cpu_seconds(server.process.pid)
        start = time.monotonic()
        await asyncio.gather(*(answerer(i, c) for i, c in enumerate(connections)))
        ended = time.monotonic()
        await asyncio.sleep(1.5)  # the last counts go out to everyone
        cpu = _cpu_seconds(server.process.pid) - cpu_before
        frames = sorted(s for s, arrived in collector.done.items() if arrived.is_set())
        final = max(acked) if acked else 0
        covering = next((f for f in frames if f >= final), None)
        times = collector.times.get(covering, []) if covering is not None else []
        latencies = [(t - ended) * 1000 for t in times]
        stored = await _stored_counts(server, poll_id, watcher)
    finally:
        collector.stop()
        for connection in connections:
            await connection.close()
        await watching.close()
    expected = [0] * len(OPTIONS)
    for option in last.values():
        expected[option] += 1
    return PollResult(
        server=server.name,
        viewers=crowd.connected,
        answerers=answerers,
        acknowledged=len(acked),
        refused=refused,
        answers_per_second=round(len(acked) / max(ended - start, 1e-3), 1),
        counts_frames=len(frames),
        final_p50_ms=round(percentile(latencies, 0.50), 1) if latencies else math.nan,
        final_p99_ms=round(percentile(latencies, 0.99), 1) if latencies else math.nan,
        missing=crowd.connected - len(times),
        expected=expected,
        on_screen=watcher.counts,
        stored=stored,
        server_cpu_ms_per_answer=round(cpu * 1000 / max(1, len(acked)), 3),
        load=_load(),
    )


async def _stored_counts(server: Server, poll_id: str, watcher: PollWatcher) -> list[int]:
    """Festival's counts as stored (its snapshot over HTTP); the reference stores nothing."""
    if server.name != "festival":
        return watcher.counts
    state = await asyncio.to_thread(_http, server.port, "GET", f"/api/channels/{CHANNEL}")
    poll: dict[str, Any] = state["qa"]["poll"]
    assert poll["id"] == poll_id
    return list(poll["counts"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=1000, help="watching connections")
    parser.add_argument("--answerers", type=int, default=200, help="attendees answering")
    parser.add_argument("--answers", type=int, default=20, help="answers each (each a change)")
    parser.add_argument("--clients", type=int, default=2, help="load-client processes")
    parser.add_argument("--servers", default="festival,reference")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args()
    _raise_open_files()
    names = [s for s in args.servers.split(",") if s]
    figures = Figures("polls")
    runs: list[dict[str, Any]] = []
    work = Path(tempfile.mkdtemp(prefix="poll-bench-"))
    try:
        with festival_server(work, args.answerers, False, []) as festival:
            message = asyncio.run(_capture_pick(festival))
            with reference_server(work, message, False) as reference:
                for server in (s for s in (festival, reference) if s.name in names):
                    crowd = start_crowd(server.url, args.viewers, args.clients)
                    _say(f"  {server.name}: {crowd.connected} watching, answering")
                    try:
                        result = asyncio.run(
                            measure_poll(server, args.answerers, args.answers, crowd)
                        )
                    finally:
                        stop_crowd(crowd)
                    runs.append({"scenario": "poll", **asdict(result)})
                    _say(
                        f"{result.server:<9} {result.viewers} watching, {result.answerers} "
                        f"answering: {result.answers_per_second} answers/s "
                        f"({result.acknowledged} acknowledged, {result.refused} refused)  "
                        f"{result.counts_frames} counts messages each  final count on every "
                        f"screen p50 {result.final_p50_ms} ms p99 {result.final_p99_ms} ms "
                        f"(missing {result.missing})  counts expected {result.expected}, "
                        f"on screen {result.on_screen}, stored {result.stored}  "
                        f"server CPU {result.server_cpu_ms_per_answer} ms/answer  "
                        f"load {result.load}"
                    )
                    time.sleep(3)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        figures.write(args.json, runs)


if __name__ == "__main__":
    main()
