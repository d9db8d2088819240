"""Live Q&A fan-out benchmark: how long a pick takes to reach every attendee of the plenary.

    python bench/ws_bench.py [--sizes 1000,5000,10000] [--rounds 15] [--ceiling]

Starts festival (`festival serve` on a throwaway SQLite database with the reference
programme) and the reference server (`bench/ws_reference.py`, websockets only) side by side
on 127.0.0.1. For each size N, and each server in turn, load-client processes hold N audience
connections to `/ws/channels/plenary` without a token (the public view) using the websockets
asyncio client; a moderator connection then picks a question ROUNDS times (each pick
followed by an untimed unpick). Every client notes `time.monotonic()` as each event arrives:
CLOCK_MONOTONIC is one clock for every process on the machine, so arrival minus the send time
of the pick is the delivery time. Printed per server and N: p50 and p99 over all deliveries,
and the completion time of a pick (its last delivery) as median and worst over the rounds.

--ceiling then holds 1,000 connections and sends vote updates (attendees voting and
withdrawing their vote, one broadcast each) at rising rates, a few seconds per step, until
the p99 delivery passes 100 ms. Many voters share the load because each attendee may send
only 20 messages in any 4 seconds.

The clients offer permessage-deflate, as browsers do; both servers decline it, as festival
does by default (FESTIVAL_WS_COMPRESSION=off). --compression makes both accept it.
--json FILE keeps every figure.

--storm runs the reconnect storm instead (bench/ws_storm.py: `--viewers` connecting with
`--at-once` handshakes in flight, the time until every snapshot, viewers lost, memory per
held connection).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import http.client
import json
import math
import multiprocessing
import os
import platform
import queue
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from multiprocessing.context import SpawnProcess
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any, cast

import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

ROOT = Path(__file__).resolve().parent.parent
PROGRAMME = ROOT / "schedules" / "agenda-sociaal-werk-2020.toml"
CHANNEL = "plenary"
FESTIVAL = (sys.executable, "-m", "festival")
STARTUP_SECONDS = 60.0
CONNECTS_IN_FLIGHT = 50
"""Handshakes each client process has open at once: enough to connect 10,000 in seconds,
few enough that the server's listen backlog never overflows."""
COMPLETION_TIMEOUT = 30.0
ACTIONS_PER_SENDER = 16
"""Messages one voter sends in a 4 s ceiling step: 4 a second, under the per-token limit of
20 in any 4 seconds (FESTIVAL_RATE_LIVE_MESSAGES) with room for uneven sending."""
CEILING_P99_MS = 100.0
EVENT_PREFIX = b'{"type":"event"'
ANSWER_PREFIXES = ('{"type":"ack"', '{"type":"error"')
SEQ_KEY = b'"seq":'


# --- servers -------------------------------------------------------------------------------


def _raise_open_files() -> None:
    """Every connection is a file descriptor on both ends; allow as many as the system does."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _http(port: int, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    # http.client talks to 127.0.0.1 directly: a proxy from the environment is never used.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"content-type": "application/json"} if body is not None else {}
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data) if data.startswith(b"{") else data
    finally:
        connection.close()


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far, from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    moderator_token: str
    question_id: str
    voter_tokens: list[str] = field(default_factory=list)
    voted: set[str] = field(default_factory=set)
    """Voters whose vote is standing, so a ceiling step starts each one with the right action."""

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/channels/{CHANNEL}"

    def with_token(self, token: str) -> str:
        return f"{self.url}?token={token}"


def _wait_for_health(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            _http(port, "GET", "/healthz")
            return
        except (OSError, RuntimeError):
            time.sleep(0.2)  # still starting
    raise RuntimeError("the server did not answer /healthz in time")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _festival_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FESTIVAL_")}
    env["FESTIVAL_VAR_DIR"] = str(var_dir)
    # Every voter registers from this one address, beyond the default 10 a minute.
    env["FESTIVAL_RATE_REGISTRATIONS_PER_ADDRESS"] = "100000/minute"
    return env


@contextmanager
def festival_server(
    work: Path, voters: int, compression: bool, extra: list[str]
) -> Iterator[Server]:
    """`festival serve` with the plenary's Q&A open and one approved question to pick."""
    var_dir = work / "festival"
    var_dir.mkdir()
    env = _festival_env(var_dir)
    env["FESTIVAL_WS_COMPRESSION"] = "deflate" if compression else "off"
    port = _free_port()
    command = [*FESTIVAL, "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--programme", str(PROGRAMME), "--demo", *extra]
    with open(work / "festival.log", "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            try:
                _wait_for_health(process, port)
            except RuntimeError as error:
                tail = (work / "festival.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{error}; festival serve said:\n{tail}") from None
            created = subprocess.run(
                [*FESTIVAL, "token", "create", "--role", "moderator", "--channel", CHANNEL],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            moderator = created.stdout.strip().rsplit("token=", 1)[1]
            asker, *voter_tokens = [_register(port, i) for i in range(1 + voters)]
            server = Server("festival", port, process, moderator, "", voter_tokens)
            server.question_id = asyncio.run(_prepare_festival(server, asker))
            yield server
        finally:
            _stop(process)


def _register(port: int, number: int) -> str:
    body = {
        "name": f"Deelnemer {number}",
        "email": f"bench{number}@example.org",
        "consent": True,
        "choices": {},
    }
    token: str = _http(port, "POST", "/api/registrations", body)["token"]
    return token


async def _prepare_festival(server: Server, asker_token: str) -> str:
    """Open the Q&A, ask and approve a question; returns its id."""
    async with (
        connect(server.with_token(server.moderator_token), proxy=None) as moderator,
        connect(server.with_token(asker_token), proxy=None) as asker,
    ):
        await _request(moderator, {"type": "moderate", "action": "open"}, check=False)
        asked = await _request(asker, {"type": "ask", "text": "Wat betekent dit voor de wijk?"})
        question_id = str(asked["question_id"])
        await _request(
            moderator, {"type": "moderate", "action": "approve", "question_id": question_id}
        )
        return question_id


async def _capture_pick(server: Server) -> str:
    """Festival's audience copy of a pick, exactly as it goes over the wire."""
    async with (
        connect(server.with_token(server.moderator_token), proxy=None) as moderator,
        connect(server.url, proxy=None) as audience,
    ):
        await audience.recv()  # the snapshot
        pick = {"type": "moderate", "action": "pick", "question_id": server.question_id}
        await _request(moderator, pick)
        text = str(await audience.recv())
        unpick = {**pick, "action": "unpick"}
        await _request(moderator, unpick)
        return text


@contextmanager
def reference_server(work: Path, message: str, compression: bool) -> Iterator[Server]:
    path = work / "pick.json"
    path.write_text(message, encoding="utf-8")
    port = _free_port()
    command = [sys.executable, str(ROOT / "bench" / "ws_reference.py"), "--port", str(port)]
    command += ["--message", str(path)] + ([] if compression else ["--no-compression"])
    with open(work / "reference.log", "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=log)
        try:
            assert process.stdout is not None
            if process.stdout.readline().strip() != b"ready":
                raise RuntimeError("the reference server did not start")
            # The reference takes any token as a moderator's or a voter's and any question.
            yield Server("reference", port, process, "m", "q", [f"v{i}" for i in range(200)])
        finally:
            _stop(process)


# --- protocol helpers ----------------------------------------------------------------------

_refs = iter(range(1, 1 << 62))


async def _request(
    connection: ClientConnection, message: dict[str, Any], *, check: bool = True
) -> dict[str, Any]:
    """Send with a fresh ref; the ack or error answering it (events in between are skipped)."""
    ref = f"b{next(_refs)}"
    await connection.send(json.dumps({**message, "ref": ref}))
    while True:
        raw = await connection.recv()
        if not isinstance(raw, str) or not raw.startswith(ANSWER_PREFIXES):
            continue
        answer: dict[str, Any] = json.loads(raw)
        if answer.get("ref") != ref:
            continue
        if check and answer["type"] != "ack":
            raise RuntimeError(f"{message} was refused: {answer}")
        return answer


def _seq_of(payload: bytes) -> int:
    """The seq of an event message without parsing the rest of it (cheap on the client)."""
    start = payload.index(SEQ_KEY) + len(SEQ_KEY)
    end = start
    while payload[end : end + 1].isdigit():
        end += 1
    return int(payload[start:end])


# --- load clients (separate processes) -----------------------------------------------------


@dataclass
class Ready:
    connected: int
    failed: int
    first_error: str


def load_client(
    url: str,
    count: int,
    ready: Queue[Ready],
    results: Queue[tuple[int, list[float]]],
) -> None:
    """Process entry: hold `count` connections; put each event's arrival times on `results`
    once every live connection of this process has it. Runs until terminated."""
    _raise_open_files()
    try:
        import uvloop  # the clients should cost as little CPU as they can

        uvloop.run(_hold(url, count, ready, results))
    except ImportError:
        asyncio.run(_hold(url, count, ready, results))


class Viewer(asyncio.Protocol):
    """One attendee's connection on the websockets library's sans-I/O protocol. Frames are
    parsed and timed as their bytes arrive, with no task per connection: the clients share
    the two cores with the server they measure, so they should cost it as little as they can.
    Offers permessage-deflate, as browsers do, and answers the server's pings."""

    def __init__(self, url: str, opened: asyncio.Future[None], hold: Crowdlet) -> None:
        self.protocol = ClientProtocol(
            parse_uri(url), extensions=[ClientPerMessageDeflateFactory()]
        )
        self.opened = opened
        self.hold = hold
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods.
        self.transport = cast(asyncio.Transport, transport)
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                if self.protocol.handshake_exc is not None:
                    self.opened.set_exception(self.protocol.handshake_exc)
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                if not self.opened.done():
                    self.opened.set_result(None)  # the snapshot
                else:
                    self.hold.arrived(bytes(event.data), now)
        self._flush()

    def _flush(self) -> None:
        assert self.transport is not None
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)
            else:
                self.transport.close()  # the protocol is done with the connection

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed before the snapshot"))
        else:
            self.hold.lost()


class Crowdlet:
    """One client process's share of the crowd: arrival times per event seq, handed over
    once every connection still open has the event."""

    def __init__(self, results: Queue[tuple[int, list[float]]]) -> None:
        self.results = results
        self.arrivals: dict[int, list[float]] = {}
        self.reported: set[int] = set()
        self.alive = 0

    def arrived(self, payload: bytes, now: float) -> None:
        if not payload.startswith(EVENT_PREFIX):
            return
        seq = _seq_of(payload)
        if seq in self.reported:
            return
        times = self.arrivals.setdefault(seq, [])
        times.append(now)
        if len(times) >= self.alive:
            self._report_complete()

    def lost(self) -> None:
        self.alive -= 1
        self._report_complete()

    def _report_complete(self) -> None:
        for seq in [s for s, times in self.arrivals.items() if len(times) >= self.alive]:
            self.results.put((seq, self.arrivals.pop(seq)))
            self.reported.add(seq)


async def _hold(
    url: str,
    count: int,
    ready: Queue[Ready],
    results: Queue[tuple[int, list[float]]],
) -> None:
    crowd = Crowdlet(results)
    failures: list[str] = []
    gate = asyncio.Semaphore(CONNECTS_IN_FLIGHT)
    loop = asyncio.get_running_loop()
    uri = parse_uri(url)

    async def open_one() -> None:
        async with gate:
            opened: asyncio.Future[None] = loop.create_future()
            try:
                await loop.create_connection(lambda: Viewer(url, opened, crowd), uri.host, uri.port)
                await asyncio.wait_for(opened, 120)
            except (OSError, TimeoutError, websockets.WebSocketException) as error:
                failures.append(repr(error))
                return
            crowd.alive += 1

    await asyncio.gather(*(open_one() for _ in range(count)))
    # Thousands of connections are a large heap here too: keep it out of the collector's
    # walks, so that the clients' pauses do not pass for the server's delivery time.
    gc.freeze()
    gc.set_threshold(100_000, 2, 10)
    ready.put(Ready(crowd.alive, len(failures), failures[0] if failures else ""))
    await asyncio.Future()  # keep the process until the orchestrator ends it


class Collector:
    """Pumps the client processes' results into the event loop, keyed by event seq."""

    def __init__(self, results: Queue[tuple[int, list[float]]], parts: int) -> None:
        self.parts = parts
        self.loop = asyncio.get_running_loop()
        self.times: dict[int, list[float]] = {}
        self.counts: dict[int, int] = {}
        self.done: dict[int, asyncio.Event] = {}
        self._results = results
        self._stopped = False
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        while not self._stopped:
            try:
                seq, times = self._results.get(timeout=0.2)
            except queue.Empty:
                continue  # look at _stopped again
            self.loop.call_soon_threadsafe(self._arrive, seq, times)

    def _arrive(self, seq: int, times: list[float]) -> None:
        self.times.setdefault(seq, []).extend(times)
        self.counts[seq] = self.counts.get(seq, 0) + 1
        if self.counts[seq] == self.parts:
            self._event(seq).set()

    def _event(self, seq: int) -> asyncio.Event:
        return self.done.setdefault(seq, asyncio.Event())

    async def wait(self, seq: int, within: float = COMPLETION_TIMEOUT) -> list[float]:
        """The arrival times of event `seq`: all of them, or what came within `within` s
        (the caller counts what is missing)."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._event(seq).wait(), within)
        return self.times.get(seq, [])

    def stop(self) -> None:
        self._stopped = True
        self._thread.join()


@dataclass
class Crowd:
    processes: list[SpawnProcess]
    results: Queue[tuple[int, list[float]]]
    connected: int
    failed: int
    seconds: float


def start_crowd(url: str, n: int, clients: int) -> Crowd:
    context = multiprocessing.get_context("spawn")
    ready: Queue[Ready] = context.Queue()
    results: Queue[tuple[int, list[float]]] = context.Queue()
    shares = [n // clients + (1 if i < n % clients else 0) for i in range(clients)]
    started = time.monotonic()
    processes = [
        context.Process(target=load_client, args=(url, share, ready, results))
        for share in shares
        if share
    ]
    for process in processes:
        process.start()
    reports = [ready.get(timeout=600) for _ in processes]
    connected = sum(r.connected for r in reports)
    failed = sum(r.failed for r in reports)
    for report in reports:
        if report.first_error:
            print(f"    connect failures, first: {report.first_error}", flush=True)  # noqa: T201
    return Crowd(processes, results, connected, failed, time.monotonic() - started)


def stop_crowd(crowd: Crowd) -> None:
    for process in crowd.processes:
        process.terminate()
    for process in crowd.processes:
        process.join(timeout=30)


# --- measurements --------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


@dataclass
class PickResult:
    server: str
    n: int
    connected: int
    connect_seconds: float
    picks: int
    deliveries: int
    missing: int
    p50_ms: float
    p99_ms: float
    first_median_ms: float
    completion_median_ms: float
    completion_max_ms: float
    server_cpu_ms_per_pick: float
    load: float
    """The machine's 1-minute load average at the end: above 2, others shared the cores."""


async def measure_picks(server: Server, n: int, rounds: int, crowd: Crowd) -> PickResult:
    collector = Collector(crowd.results, len(crowd.processes))
    latencies: list[float] = []
    completions: list[float] = []
    firsts: list[float] = []
    missing = 0
    cpu = 0.0
    pick = {"type": "moderate", "action": "pick", "question_id": server.question_id}
    unpick = {**pick, "action": "unpick"}
    try:
        async with connect(server.with_token(server.moderator_token), proxy=None) as moderator:
            await moderator.recv()  # the snapshot
            # One untimed round first: the first broadcast after thousands of connections
            # opened also pays for the collector's walk over them (see `festival serve`).
            await collector.wait(int((await _request(moderator, pick))["seq"]))
            await collector.wait(int((await _request(moderator, unpick))["seq"]))
            for _ in range(rounds):
                await asyncio.sleep(0.3)  # let the previous round's traffic settle
                cpu_before = _cpu_seconds(server.process.pid)
                sent = time.monotonic()
                seq = int((await _request(moderator, pick))["seq"])
                times = await collector.wait(seq)
                cpu += _cpu_seconds(server.process.pid) - cpu_before
                missing += crowd.connected - len(times)
                latencies += [(t - sent) * 1000 for t in times]
                if times:
                    firsts.append((min(times) - sent) * 1000)
                    completions.append((max(times) - sent) * 1000)
                await collector.wait(int((await _request(moderator, unpick))["seq"]))
    finally:
        collector.stop()
    return PickResult(
        server=server.name,
        n=n,
        connected=crowd.connected,
        connect_seconds=round(crowd.seconds, 1),
        picks=rounds,
        deliveries=len(latencies),
        missing=missing,
        p50_ms=round(percentile(latencies, 0.50), 1),
        p99_ms=round(percentile(latencies, 0.99), 1),
        first_median_ms=round(percentile(firsts, 0.50), 1),
        completion_median_ms=round(percentile(completions, 0.50), 1),
        completion_max_ms=round(max(completions), 1),
        server_cpu_ms_per_pick=round(cpu * 1000 / rounds, 1),
        load=_load(),
    )


@dataclass
class CeilingStep:
    server: str
    rate: int
    sent: int
    refused: int
    achieved_per_second: float
    deliveries: int
    missing: int
    p50_ms: float
    p99_ms: float
    load: float


async def measure_rate(server: Server, rate: int, seconds: float, crowd: Crowd) -> CeilingStep:
    """Vote updates at `rate` a second for `seconds`, spread over enough voter connections."""
    total = round(rate * seconds)
    senders = max(1, math.ceil(total / ACTIONS_PER_SENDER))
    if senders > len(server.voter_tokens):
        raise RuntimeError(f"{rate}/s needs {senders} voters; start with more (--voters)")
    collector = Collector(crowd.results, len(crowd.processes))
    sent_at: dict[int, float] = {}
    refused = 0
    last_sent = 0.0
    vote = {"type": "vote", "question_id": server.question_id}

    async def voter(index: int, token: str, connection: ClientConnection, start: float) -> None:
        """Open loop: each vote leaves at its planned time, whether or not the answers to
        the earlier ones are back. The server handles one connection's messages in order,
        so alternating vote and withdrawal always fits the state it will meet."""
        nonlocal refused, last_sent
        await connection.recv()  # the snapshot
        planned = range(index, total, senders)
        pending: dict[str, float] = {}

        async def answers() -> None:
            nonlocal refused
            for _ in planned:
                while True:
                    raw = await connection.recv()
                    if isinstance(raw, str) and raw.startswith(ANSWER_PREFIXES):
                        break
                answer = json.loads(raw)
                sent = pending.pop(answer["ref"])
                if answer["type"] == "ack" and answer.get("seq"):
                    sent_at[int(answer["seq"])] = sent
                else:
                    refused += 1
                    server.voted.symmetric_difference_update({token})  # it did not happen

        reader = asyncio.create_task(answers())
        for k in planned:
            await asyncio.sleep(max(0.0, start + k / rate - time.monotonic()))
            ref = f"v{next(_refs)}"
            withdraw = token in server.voted
            server.voted.symmetric_difference_update({token})
            pending[ref] = last_sent = time.monotonic()
            await connection.send(json.dumps({**vote, "withdraw": withdraw, "ref": ref}))
        await reader

    tokens = server.voter_tokens[:senders]
    connections = [await connect(server.with_token(t), proxy=None) for t in tokens]
    try:
        start = last_sent = time.monotonic() + 0.5
        await asyncio.gather(
            *(
                voter(i, t, c, start)
                for i, (t, c) in enumerate(zip(tokens, connections, strict=True))
            )
        )
        elapsed = max(last_sent - start, 1 / rate)
        latencies: list[float] = []
        missing = 0
        for seq, sent in sorted(sent_at.items()):
            times = await collector.wait(seq, within=10)
            missing += crowd.connected - len(times)
            latencies += [(t - sent) * 1000 for t in times]
    finally:
        collector.stop()
        for connection in connections:
            await connection.close()
    return CeilingStep(
        server=server.name,
        rate=rate,
        sent=len(sent_at) + refused,
        refused=refused,
        achieved_per_second=round(len(sent_at) / elapsed, 1),
        deliveries=len(latencies),
        missing=missing,
        p50_ms=round(percentile(latencies, 0.50), 1) if latencies else math.nan,
        p99_ms=round(percentile(latencies, 0.99), 1) if latencies else math.nan,
        load=_load(),
    )


# --- the run -------------------------------------------------------------------------------


def _load() -> float:
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        return float(loadavg.read().split()[0])


def _machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "uvicorn": version("uvicorn"),
        "websockets": version("websockets"),
        "starlette": version("starlette"),
        "open_files": resource.getrlimit(resource.RLIMIT_NOFILE)[1],
        "load_at_start": _load(),
    }


def _say(line: str) -> None:
    print(line, flush=True)  # noqa: T201 - a benchmark reports on stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,5000,10000", help="connection counts")
    parser.add_argument("--rounds", type=int, default=15, help="timed picks per size")
    parser.add_argument("--clients", type=int, default=2, help="load-client processes")
    parser.add_argument("--servers", default="festival,reference")
    parser.add_argument("--ceiling", action="store_true", help="also find the broadcast ceiling")
    parser.add_argument("--rates", default="5,10,15,20,25,35,50,75,100,150")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of a ceiling step")
    parser.add_argument(
        "--compression", action="store_true", help="both servers accept permessage-deflate"
    )
    parser.add_argument(
        "--festival-args", default="", help="extra `festival serve` options, space-separated"
    )
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--storm", action="store_true", help="the reconnect storm instead")
    parser.add_argument("--viewers", type=int, default=10_000, help="viewers in the storm")
    parser.add_argument("--at-once", type=int, default=200, help="storm handshakes in flight")
    parser.add_argument("--repeat", type=int, default=1, help="storms per server, alternated")
    args = parser.parse_args()
    if args.storm:
        from ws_storm import run_storms  # here: ws_storm builds on this module

        names = [s for s in args.servers.split(",") if s]
        run_storms(args.viewers, args.at_once, args.clients, args.repeat, names, args.json)
        return
    _raise_open_files()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    rates = [int(r) for r in args.rates.split(",") if r]
    names = [s for s in args.servers.split(",") if s]
    voters = math.ceil(max(rates) * args.seconds / ACTIONS_PER_SENDER) if args.ceiling else 0
    report: dict[str, Any] = {"machine": _machine(), "args": vars(args) | {"json": None}}
    _say(f"machine: {report['machine']}")
    work = Path(tempfile.mkdtemp(prefix="ws-bench-"))
    try:
        with festival_server(
            work, voters, args.compression, args.festival_args.split()
        ) as festival:
            message = asyncio.run(_capture_pick(festival))
            with reference_server(work, message, args.compression) as reference:
                servers = [s for s in (festival, reference) if s.name in names]
                picks = _run_picks(servers, sizes, args)
                report["picks"] = [asdict(r) for r in picks]
                _say_ratios(picks)
                if args.ceiling:
                    report["ceiling"] = [asdict(s) for s in _run_ceiling(servers, rates, args)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def _run_picks(
    servers: list[Server], sizes: list[int], args: argparse.Namespace
) -> list[PickResult]:
    found: list[PickResult] = []
    for n in sizes:
        for server in servers:
            crowd = start_crowd(server.url, n, args.clients)
            _say(
                f"  {server.name} (pid {server.process.pid}): {crowd.connected} connected, picking"
            )
            try:
                result = asyncio.run(measure_picks(server, n, args.rounds, crowd))
            finally:
                stop_crowd(crowd)
            found.append(result)
            _say(
                f"{result.server:<9} n={n:<6} held {result.connected} "
                f"(connected in {result.connect_seconds} s, {crowd.failed} failed)  "
                f"p50 {result.p50_ms} ms  p99 {result.p99_ms} ms  "
                f"first {result.first_median_ms} ms  "
                f"completion median {result.completion_median_ms} ms, "
                f"worst {result.completion_max_ms} ms  missing {result.missing}  "
                f"server CPU {result.server_cpu_ms_per_pick} ms/pick  load {result.load}"
            )
            time.sleep(3)  # let the server close the crowd's connections
    return found


def _say_ratios(results: list[PickResult]) -> None:
    """Festival's figures over the reference's at each size: the targets are ratios."""
    reference = {r.n: r for r in results if r.server == "reference"}
    for mine in (r for r in results if r.server == "festival" and r.n in reference):
        other = reference[mine.n]
        _say(
            f"festival / reference at n={mine.n}: p99 {mine.p99_ms / other.p99_ms:.2f}, "
            f"completion {mine.completion_median_ms / other.completion_median_ms:.2f}"
        )


def _run_ceiling(
    servers: list[Server], rates: list[int], args: argparse.Namespace
) -> list[CeilingStep]:
    steps: list[CeilingStep] = []
    for server in servers:
        crowd = start_crowd(server.url, 1000, args.clients)
        try:
            asyncio.run(measure_rate(server, rates[0], 2.0, crowd))  # untimed warm-up, as above
            time.sleep(5)
            for rate in rates:
                step = asyncio.run(measure_rate(server, rate, args.seconds, crowd))
                steps.append(step)
                _say(
                    f"{server.name:<9} ceiling {rate:>4}/s: achieved {step.achieved_per_second}/s "
                    f"({step.refused} refused)  p50 {step.p50_ms} ms  p99 {step.p99_ms} ms  "
                    f"missing {step.missing}  load {step.load}"
                )
                if not step.p99_ms <= CEILING_P99_MS or step.missing:
                    break
                time.sleep(5)  # the voters' rate limits refill
        finally:
            stop_crowd(crowd)
        time.sleep(3)
    return steps


if __name__ == "__main__":
    main()
