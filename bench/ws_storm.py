"""Reconnect storm: how long a crowd takes to connect and get its snapshot, and who is lost.

    python bench/ws_storm.py [--viewers 10000] [--at-once 200] [--json FILE]
    python bench/ws_bench.py --storm [--viewers 10000] [--at-once 200] [--json FILE]

The moment a plenary goes live, or after a network blip or a deploy, every viewer connects
at once. Starts festival (`festival serve`, the reference programme on a throwaway SQLite
database, the plenary's Q&A open with one approved question) and the websockets-only
reference (`bench/ws_reference.py`) side by side on 127.0.0.1; for each in turn, load-client
processes (`--clients`) open `--viewers` audience connections to `/ws/channels/plenary`
without a token, `--at-once` handshakes in flight at any moment (shared out over the
clients), all starting together. A viewer counts once its first text frame, the `snapshot`,
has arrived. A viewer closed with 1013 ("try again later", docs/live-protocol.md) before its
snapshot tries again as the browser client does: after a pause of 0.5 s doubling per try,
at most 15 s, times a random 0.5 to 1 (jitter), at most `RETRIES` times. Any other close or
failure before the snapshot loses the viewer.

Reported per server: `connect_s`, from the start until the last viewer has its snapshot;
`lost`; `retried` (1013 closes answered by trying again); the close codes seen; and, while
the whole crowd is held, the memory per held connection: the server process's resident set
(VmRSS) after minus before the crowd, over the viewers held.

Each storm (`--repeat` of them, festival and the reference alternated) runs on freshly
started servers: a process that held a crowd before keeps that memory, and would show none
growing the second time.

--json FILE writes the figures in bench/figures.py's shape (docs/benchmarks.md, "Live:
reconnect storm"): {"benchmark": "live-storm", "machine", "commit", "date", "command",
"load", "runs": [{"server", "viewers", "at_once", "connect_s", "lost", "retried", "held",
"memory_kb_per_connection", "close_codes", "load_before", "load_after"}]}.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from multiprocessing.context import SpawnProcess
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import cast

from figures import Figures
from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri
from ws_bench import (
    Server,
    _capture_pick,
    _load,
    _machine,
    _raise_open_files,
    festival_server,
    reference_server,
)

RETRY_CODE = 1013
"""The close code festival documents as "try again later"."""
RETRIES = 8
FIRST_PAUSE = 0.5
LONGEST_PAUSE = 15.0
HANDSHAKE_SECONDS = 120.0
SNAPSHOT_PREFIX = b'{"type":"snapshot"'


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


# --- load clients (separate processes) -----------------------------------------------------


@dataclass
class Share:
    """What one client process saw: monotonic start and end, and every viewer's fate."""

    started: float
    finished: float
    snapshotted: int
    lost: int
    retried: int
    close_codes: dict[int, int] = field(default_factory=dict)
    first_error: str = ""


class StormViewer(asyncio.Protocol):
    """One attendee's connection on the websockets library's sans-I/O protocol; resolves
    `done` with None at its snapshot, or with the close code (0: no close frame) before it.
    Held open afterwards; pings are answered by the protocol."""

    def __init__(self, url: str, done: asyncio.Future[int | None]) -> None:
        self.protocol = ClientProtocol(
            parse_uri(url), extensions=[ClientPerMessageDeflateFactory()]
        )
        self.done = done
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                if self.protocol.handshake_exc is not None and not self.done.done():
                    self.done.set_result(event.status_code)
            elif (
                isinstance(event, Frame)
                and event.opcode is Opcode.TEXT
                and not self.done.done()
                and bytes(event.data).startswith(SNAPSHOT_PREFIX)
            ):
                self.done.set_result(None)
        self._flush()

    def _flush(self) -> None:
        assert self.transport is not None
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)
            else:
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            received = self.protocol.close_rcvd
            self.done.set_result(received.code if received is not None else 0)


def storm_client(
    url: str, count: int, at_once: int, go: Event, shares: Queue[Share], seed: int
) -> None:
    """Process entry: wait for `go`, connect `count` viewers with `at_once` in flight, report
    a Share, then hold the connections until terminated."""
    _raise_open_files()
    random.seed(seed)
    try:
        import uvloop

        uvloop.run(_storm(url, count, at_once, go, shares))
    except ImportError:
        asyncio.run(_storm(url, count, at_once, go, shares))


async def _storm(url: str, count: int, at_once: int, go: Event, shares: Queue[Share]) -> None:
    loop = asyncio.get_running_loop()
    uri = parse_uri(url)
    gate = asyncio.Semaphore(at_once)
    codes: Counter[int] = Counter()
    errors: list[str] = []
    retried = 0
    held: list[asyncio.BaseTransport] = []

    async def attempt() -> int | None:
        async with gate:
            done: asyncio.Future[int | None] = loop.create_future()
            try:
                transport, _ = await loop.create_connection(
                    lambda: StormViewer(url, done), uri.host, uri.port
                )
            except OSError as error:
                errors.append(repr(error))
                return -1
            try:
                outcome = await asyncio.wait_for(done, HANDSHAKE_SECONDS)
            except TimeoutError:
                transport.close()
                return -2
            if outcome is None:
                held.append(transport)
            return outcome

    async def viewer() -> bool:
        nonlocal retried
        for tries in range(RETRIES + 1):
            outcome = await attempt()
            if outcome is None:
                return True
            codes[outcome] += 1
            if outcome != RETRY_CODE or tries == RETRIES:
                return False
            retried += 1
            pause = min(LONGEST_PAUSE, FIRST_PAUSE * 2**tries) * (0.5 + random.random() / 2)
            await asyncio.sleep(pause)
        return False

    await loop.run_in_executor(None, go.wait)
    started = time.monotonic()
    outcomes = await asyncio.gather(*(viewer() for _ in range(count)))
    finished = time.monotonic()
    shares.put(
        Share(
            started,
            finished,
            sum(outcomes),
            len(outcomes) - sum(outcomes),
            retried,
            dict(codes),
            errors[0] if errors else "",
        )
    )
    await asyncio.Future()  # hold until the orchestrator ends the process


# --- the run -------------------------------------------------------------------------------


@dataclass
class StormRun:
    server: str
    viewers: int
    at_once: int
    connect_s: float
    lost: int
    retried: int
    held: int
    memory_kb_per_connection: float
    close_codes: str  # code:count, comma-separated (the runs stay flat)
    load_before: float
    load_after: float


def storm(server: Server, viewers: int, at_once: int, clients: int) -> StormRun:
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    shares: Queue[Share] = context.Queue()
    counts = [viewers // clients + (1 if i < viewers % clients else 0) for i in range(clients)]
    flights = [at_once // clients + (1 if i < at_once % clients else 0) for i in range(clients)]
    processes: list[SpawnProcess] = [
        context.Process(target=storm_client, args=(server.url, n, max(1, flight), go, shares, i))
        for i, (n, flight) in enumerate(zip(counts, flights, strict=True))
        if n
    ]
    for process in processes:
        process.start()
    try:
        time.sleep(2.0)  # the clients import and wait for `go`
        load_before = _load()
        rss_before = _rss_kb(server.process.pid)
        go.set()
        reports = [shares.get(timeout=900) for _ in processes]
        time.sleep(1.0)  # the last snapshots' buffers are written and freed
        rss_after = _rss_kb(server.process.pid)
        load_after = _load()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=30)
    held = sum(r.snapshotted for r in reports)
    codes: Counter[int] = Counter()
    for report in reports:
        codes.update(report.close_codes)
        if report.first_error:
            _say(f"    {server.name}: first connection error: {report.first_error}")
    return StormRun(
        server=server.name,
        viewers=viewers,
        at_once=at_once,
        connect_s=round(max(r.finished for r in reports) - min(r.started for r in reports), 2),
        lost=sum(r.lost for r in reports),
        retried=sum(r.retried for r in reports),
        held=held,
        memory_kb_per_connection=round((rss_after - rss_before) / max(1, held), 1),
        close_codes=",".join(f"{code}:{n}" for code, n in sorted(codes.items())),
        load_before=load_before,
        load_after=load_after,
    )


def _say(line: str) -> None:
    print(line, flush=True)  # noqa: T201 - a benchmark reports on stdout


def run_storms(
    viewers: int, at_once: int, clients: int, repeat: int, names: list[str], json_path: Path | None
) -> list[StormRun]:
    _raise_open_files()
    figures = Figures("live-storm")
    _say(f"machine: {_machine()}")
    runs: list[StormRun] = []
    for _ in range(repeat):
        work = Path(tempfile.mkdtemp(prefix="ws-storm-"))
        try:
            with festival_server(work, 0, False, []) as festival:
                message = asyncio.run(_capture_pick(festival))
                with reference_server(work, message, False) as reference:
                    for server in (s for s in (festival, reference) if s.name in names):
                        run = storm(server, viewers, at_once, clients)
                        runs.append(run)
                        _say(
                            f"{run.server:<9} {run.viewers} viewers, {run.at_once} at once: "
                            f"{run.held} snapshotted in {run.connect_s} s, lost {run.lost}, "
                            f"retried {run.retried}, closes [{run.close_codes}], "
                            f"{run.memory_kb_per_connection} KB per connection  "
                            f"load {run.load_before} → {run.load_after}"
                        )
        finally:
            shutil.rmtree(work, ignore_errors=True)
    _say_ratios(runs)
    if json_path is not None:
        figures.write(json_path, [asdict(r) for r in runs])
    return runs


def _say_ratios(runs: list[StormRun]) -> None:
    """festival over the reference, run by run (the targets are ratios)."""
    mine = [r for r in runs if r.server == "festival"]
    theirs = [r for r in runs if r.server == "reference"]
    for a, b in zip(mine, theirs, strict=False):
        memory = (
            f"{a.memory_kb_per_connection / b.memory_kb_per_connection:.2f}"
            if b.memory_kb_per_connection > 0
            else "n/a"
        )
        _say(
            f"festival / reference: connect {a.connect_s / max(b.connect_s, 0.01):.2f}, "
            f"memory per connection {memory}, lost {a.lost} / {b.lost}"
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--viewers", type=int, default=10_000, help="viewers in the storm")
    parser.add_argument("--at-once", type=int, default=200, help="handshakes in flight")
    parser.add_argument("--repeat", type=int, default=1, help="storms per server, alternated")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument("--clients", type=int, default=2, help="load-client processes")
    parser.add_argument("--servers", default="festival,reference")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    names = [s for s in args.servers.split(",") if s]
    run_storms(args.viewers, args.at_once, args.clients, args.repeat, names, args.json)


if __name__ == "__main__":
    main()
