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

--ceiling then holds 1,000 connections while moderators send picks and approvals (pick and
unpick of one question, hide and approve of three others: one broadcast each, never
coalesced) at rising rates, a few seconds per step, until the p99 delivery passes 100 ms.

--votes holds --votes-viewers connections (10,000) while --voters attendees (200) vote and
withdraw at --votes-rate (1,000 a second) for --votes-seconds: every acknowledged vote must
be counted (festival's stored count, and the count a watching client ends with), and the
counts must reach every screen within 500 ms at p99 (from a vote's sending to the first
`counts` message that covers it, over a sample of the votes and every viewer).

The clients offer permessage-deflate, as browsers do; both servers decline it, as festival
does by default (FESTIVAL_WS_COMPRESSION=off). --compression makes both accept it.
--storm runs the reconnect storm instead (bench/ws_storm.py: `--viewers` connecting with
`--at-once` handshakes in flight, the time until every snapshot, viewers lost, memory per
held connection).

--json FILE writes every figure in the shape of bench/figures.py, one flat run each:

    {"benchmark": "live", "machine": {...}, "commit": ..., "date": ..., "command": ...,
     "load": [before, after],
     "runs": [{"scenario": "picks" | "ceiling" | "votes", "server": "festival" | "reference",
               "viewers": N, "p50_ms": ..., "p99_ms": ..., "cpu_ms_per_pick": ...,
               "cpu_us_per_delivery": ..., ...the scenario's other figures}]}

`cpu_us_per_delivery` is the server's CPU time over the messages it wrote to viewers (one per
viewer per pick, per ceiling action or per `counts` message).
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
from figures import Figures  # (bench/, beside this file)
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
CEILING_VIEWERS = 1000
EVENT_PREFIX = b'{"type":"event"'
BATCH_PREFIX = b'{"type":"events"'
COUNTS_PREFIX = b'{"type":"counts"'
COUNTS_P99_MS = 500.0
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
    others: list[str] = field(default_factory=list)
    """Three more approved questions, for the ceiling's hide and approve."""
    turns: dict[int, int] = field(default_factory=dict)
    """Per ceiling moderator, the actions it has sent, so each step goes on where the last
    one stopped (pick after unpick, approve after hide)."""
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
    # The log the published figures were measured with: every request and handshake.
    env["FESTIVAL_LOG_LEVEL"] = "info"
    # Every voter registers from this one address, beyond the default 10 a minute.
    env["FESTIVAL_RATE_REGISTRATIONS_PER_ADDRESS"] = "100000/minute"
    # The moderator picks faster than a person would (the voters keep under their limit).
    env["FESTIVAL_RATE_LIVE_MESSAGES"] = "100000/minute"
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
            asker, other_asker, *voter_tokens = [_register(port, i) for i in range(2 + voters)]
            server = Server("festival", port, process, moderator, "", voter_tokens)
            server.question_id = asyncio.run(_prepare_festival(server, asker))
            server.others = asyncio.run(_approved_questions(server, other_asker, 3))
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


async def _approved_questions(server: Server, asker_token: str, count: int) -> list[str]:
    """`count` more approved questions (at most 3: one attendee's questions a minute)."""
    ids: list[str] = []
    async with (
        connect(server.with_token(server.moderator_token), proxy=None) as moderator,
        connect(server.with_token(asker_token), proxy=None) as asker,
    ):
        for n in range(count):
            text = f"En wat betekent het voor de stad? ({n + 1})"
            ids.append(str((await _request(asker, {"type": "ask", "text": text}))["question_id"]))
            approve = {"type": "moderate", "action": "approve", "question_id": ids[-1]}
            await _request(moderator, approve)
    return ids


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
            voters = [f"v{i}" for i in range(1000)]
            question = json.loads(message)["event"]["question"]["id"]  # as its counts name it
            yield Server("reference", port, process, "m", question, voters, ["q1", "q2", "q3"])
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
        if payload.startswith(BATCH_PREFIX):  # events stored together: each arrived now
            for part in json.loads(payload)["events"]:
                self._arrived(int(part["seq"]), now)
        elif payload.startswith((EVENT_PREFIX, COUNTS_PREFIX)):
            self._arrived(_seq_of(payload), now)

    def _arrived(self, seq: int, now: float) -> None:
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
    server_cpu_us_per_delivery: float
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
        server_cpu_us_per_delivery=round(cpu * 1e6 / max(1, len(latencies)), 1),
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
    server_cpu_us_per_delivery: float
    load: float
    refusals: str = ""
    """The codes of the refused actions (or "no change": acknowledged with no event)."""


def _ceiling_actions(server: Server) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Per moderator connection, the two actions it alternates, each one audience event:
    pick and unpick one question, hide and approve each of three others."""
    pick = {"type": "moderate", "action": "pick", "question_id": server.question_id}
    pairs = [(pick, {**pick, "action": "unpick"})]
    for other in server.others:
        hide = {"type": "moderate", "action": "hide", "question_id": other}
        pairs.append((hide, {**hide, "action": "approve"}))
    return pairs


async def measure_rate(server: Server, rate: int, seconds: float, crowd: Crowd) -> CeilingStep:
    """Picks and approvals at `rate` a second for `seconds`, from four moderator
    connections (one per question, so that each action meets the state it expects)."""
    total = round(rate * seconds)
    pairs = _ceiling_actions(server)
    collector = Collector(crowd.results, len(crowd.processes))
    sent_at: dict[int, float] = {}
    refused = 0
    refusals: set[str] = set()
    last_sent = 0.0

    async def moderator(index: int, connection: ClientConnection, start: float) -> None:
        """Open loop: each action leaves at its planned time, answered or not; the server
        handles one connection's messages in order."""
        nonlocal refused, last_sent
        planned = range(index, total, len(pairs))
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
                    refusals.add(str(answer.get("code", "no change")))

        reader = asyncio.create_task(answers())
        for k in planned:
            await asyncio.sleep(max(0.0, start + k / rate - time.monotonic()))
            ref = f"c{next(_refs)}"
            pending[ref] = last_sent = time.monotonic()
            turn = server.turns[index] = server.turns.get(index, -1) + 1
            await connection.send(json.dumps({**pairs[index][turn % 2], "ref": ref}))
        await reader

    url = server.with_token(server.moderator_token)
    # No keep-alive pings: a server behind on its work must show as latency, not as a close.
    connections = [await connect(url, proxy=None, ping_interval=None) for _ in pairs]
    try:
        for connection in connections:
            await connection.recv()  # the snapshot
        cpu_before = _cpu_seconds(server.process.pid)
        start = last_sent = time.monotonic() + 0.5
        await asyncio.gather(*(moderator(i, c, start) for i, c in enumerate(connections)))
        elapsed = max(last_sent - start, 1 / rate)
        latencies: list[float] = []
        missing = 0
        for seq, sent in sorted(sent_at.items()):
            times = await collector.wait(seq, within=10)
            missing += crowd.connected - len(times)
            latencies += [(t - sent) * 1000 for t in times]
        cpu = _cpu_seconds(server.process.pid) - cpu_before
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
        server_cpu_us_per_delivery=round(cpu * 1e6 / max(1, len(latencies)), 1),
        load=_load(),
        refusals=",".join(sorted(refusals)),
    )


@dataclass
class VotesResult:
    server: str
    viewers: int
    voters: int
    rate: int
    sent: int
    acknowledged: int
    refused: int
    achieved_per_second: float
    """Votes acknowledged a second, from the first sending to the last answer."""
    expected_votes: int
    """The count the acknowledged votes and withdrawals make."""
    stored_votes: int
    """What the server says the count is afterwards (festival: its snapshot)."""
    watcher_votes: int
    """What a client that followed the `counts` messages ends with."""
    counts_frames: int
    """`counts` messages (alone or in a batch) each viewer received."""
    p50_ms: float
    p99_ms: float
    missing: int
    server_cpu_ms_per_vote: float
    server_cpu_us_per_delivery: float
    load: float


class Watcher:
    """A client that follows the channel as a page does: the question's count from the
    snapshot, then from every `counts` message (alone or in a batch)."""

    def __init__(self, connection: ClientConnection, question_id: str) -> None:
        self.connection = connection
        self.question_id = question_id
        self.votes = 0
        self.seq = 0
        self.seqs_in_order = True
        self.opened = asyncio.Event()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.connection:
            message = json.loads(raw)
            if message["type"] == "snapshot":
                questions = message.get("qa", {}).get("questions", [])  # the reference: none
                found = [q for q in questions if q["id"] == self.question_id]
                self.votes = found[0]["votes"] if found else 0
                self.seq = message["seq"]
                self.opened.set()
                continue
            parts = message["events"] if message["type"] == "events" else [message]
            for part in parts:
                if part["type"] not in ("event", "counts"):
                    continue
                self.seqs_in_order &= part["seq"] > self.seq
                self.seq = part["seq"]
                for entry in part.get("questions", []):
                    if entry["id"] == self.question_id:
                        self.votes = entry["votes"]


async def measure_votes(
    server: Server, rate: int, seconds: float, voters: int, crowd: Crowd
) -> VotesResult:
    """Votes and withdrawals at `rate` a second for `seconds` from `voters` attendees, each
    alternating on the one question (open loop, as in the ceiling); an odd number each, so
    that the count ends far from where it started."""
    total = (max(1, round(rate * seconds / voters)) | 1) * voters
    if voters > len(server.voter_tokens):
        raise RuntimeError(f"{voters} voters asked for; the server has {len(server.voter_tokens)}")
    tokens = server.voter_tokens[:voters]
    collector = Collector(crowd.results, len(crowd.processes))
    sent_at: dict[int, float] = {}
    refused = 0
    change = 0
    last_answer = 0.0
    vote = {"type": "vote", "question_id": server.question_id}

    async def voter(index: int, token: str, connection: ClientConnection, start: float) -> None:
        await connection.recv()  # the snapshot
        planned = range(index, total, voters)
        pending: dict[str, tuple[float, int]] = {}

        async def answers() -> None:
            nonlocal refused, change, last_answer
            for _ in planned:
                while True:
                    raw = await connection.recv()
                    if isinstance(raw, str) and raw.startswith(ANSWER_PREFIXES):
                        break
                answer = json.loads(raw)
                sent, step = pending.pop(answer["ref"])
                last_answer = time.monotonic()
                if answer["type"] == "ack" and answer.get("seq"):
                    sent_at[int(answer["seq"])] = sent
                    change += step
                else:
                    refused += 1
                    server.voted.symmetric_difference_update({token})  # it did not happen

        reader = asyncio.create_task(answers())
        for k in planned:
            await asyncio.sleep(max(0.0, start + k / rate - time.monotonic()))
            ref = f"v{next(_refs)}"
            withdraw = token in server.voted
            server.voted.symmetric_difference_update({token})
            pending[ref] = (time.monotonic(), -1 if withdraw else 1)
            await connection.send(json.dumps({**vote, "withdraw": withdraw, "ref": ref}))
        await reader

    watching = await connect(server.url, proxy=None, ping_interval=None)  # as in the ceiling
    watcher = Watcher(watching, server.question_id)
    connections = [
        await connect(server.with_token(t), proxy=None, ping_interval=None) for t in tokens
    ]
    try:
        await asyncio.wait_for(watcher.opened.wait(), 30)  # its snapshot
        before = watcher.votes
        cpu_before = _cpu_seconds(server.process.pid)
        start = last_answer = time.monotonic() + 0.5
        await asyncio.gather(
            *(
                voter(i, t, c, start)
                for i, (t, c) in enumerate(zip(tokens, connections, strict=True))
            )
        )
        # Acknowledged a second: over the time until the last answer, not the last sending.
        elapsed = max(last_answer - start, 1 / rate)
        await asyncio.sleep(1.0)  # the last counts go out
        cpu = _cpu_seconds(server.process.pid) - cpu_before
        # Each vote's delay on every screen: to the first counts (or batch) that covers it.
        # (Every viewer has had the last of them for a second.)
        frames = sorted(s for s, arrived in collector.done.items() if arrived.is_set())
        sample = sorted(sent_at)[:: max(1, len(sent_at) // 200)]
        latencies: list[float] = []
        missing = 0
        for seq in sample:
            covering = next((f for f in frames if f >= seq), None)
            if covering is None:
                missing += crowd.connected
                continue
            times = collector.times[covering]
            missing += crowd.connected - len(times)
            latencies += [(t - sent_at[seq]) * 1000 for t in times]
        stored = await _stored_votes(server, watcher)
    finally:
        collector.stop()
        for connection in connections:
            await connection.close()
        await watching.close()
    deliveries = len(frames) * crowd.connected
    return VotesResult(
        server=server.name,
        viewers=crowd.connected,
        voters=voters,
        rate=rate,
        sent=len(sent_at) + refused,
        acknowledged=len(sent_at),
        refused=refused,
        achieved_per_second=round(len(sent_at) / elapsed, 1),
        expected_votes=before + change,
        stored_votes=stored,
        watcher_votes=watcher.votes if watcher.seqs_in_order else -1,
        counts_frames=len(frames),
        p50_ms=round(percentile(latencies, 0.50), 1) if latencies else math.nan,
        p99_ms=round(percentile(latencies, 0.99), 1) if latencies else math.nan,
        missing=missing,
        server_cpu_ms_per_vote=round(cpu * 1000 / max(1, len(sent_at)), 2),
        server_cpu_us_per_delivery=round(cpu * 1e6 / max(1, deliveries), 1),
        load=_load(),
    )


async def _stored_votes(server: Server, watcher: Watcher) -> int:
    """The count as the server stored it: festival's snapshot over HTTP; the reference keeps
    no store, so its last counts message is all there is."""
    if server.name != "festival":
        return watcher.votes
    state = await asyncio.to_thread(_http, server.port, "GET", f"/api/channels/{CHANNEL}")
    found = [q for q in state["qa"]["questions"] if q["id"] == server.question_id]
    return int(found[0]["votes"])


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
    parser.add_argument("--sizes", default="1000,5000,10000", help="connection counts ('': none)")
    parser.add_argument("--rounds", type=int, default=15, help="timed picks per size")
    parser.add_argument("--clients", type=int, default=2, help="load-client processes")
    parser.add_argument("--servers", default="festival,reference")
    parser.add_argument("--ceiling", action="store_true", help="also find the broadcast ceiling")
    parser.add_argument("--rates", default="5,10,15,20,25,35,50,75,100,150")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of a ceiling step")
    parser.add_argument("--votes", action="store_true", help="also run the votes scenario")
    parser.add_argument("--votes-viewers", type=int, default=10000)
    parser.add_argument("--voters", type=int, default=200, help="attendees voting")
    parser.add_argument("--votes-rate", type=int, default=1000, help="votes a second")
    parser.add_argument("--votes-seconds", type=float, default=10.0)
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
    voters = args.voters if args.votes else 0
    figures = Figures("live")
    runs: list[dict[str, Any]] = []
    _say(f"machine: {_machine()}")
    work = Path(tempfile.mkdtemp(prefix="ws-bench-"))
    try:
        with festival_server(
            work, voters, args.compression, args.festival_args.split()
        ) as festival:
            message = asyncio.run(_capture_pick(festival))
            with reference_server(work, message, args.compression) as reference:
                servers = [s for s in (festival, reference) if s.name in names]
                picks = _run_picks(servers, sizes, args)
                runs += [_flat("picks", asdict(r)) for r in picks]
                _say_ratios(picks)
                if args.ceiling:
                    steps = _run_ceiling(servers, rates, args)
                    runs += [_flat("ceiling", asdict(s)) for s in steps]
                if args.votes:
                    found = _run_votes(servers, args)
                    runs += [_flat("votes", asdict(v)) for v in found]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        figures.write(args.json, runs)


_FLAT_NAMES = {
    "n": "viewers",
    "server_cpu_ms_per_pick": "cpu_ms_per_pick",
    "server_cpu_us_per_delivery": "cpu_us_per_delivery",
    "server_cpu_ms_per_vote": "cpu_ms_per_vote",
}


def _flat(scenario: str, figures: dict[str, Any]) -> dict[str, Any]:
    """One run as the JSON file has it (see the module's docstring)."""
    flat: dict[str, Any] = {"scenario": scenario}
    flat.update({_FLAT_NAMES.get(k, k): v for k, v in figures.items()})
    if scenario == "ceiling":
        flat["viewers"] = CEILING_VIEWERS
    return flat


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
        crowd = start_crowd(server.url, CEILING_VIEWERS, args.clients)
        try:
            asyncio.run(measure_rate(server, rates[0], 2.0, crowd))  # untimed warm-up, as above
            time.sleep(5)
            for rate in rates:
                step = asyncio.run(measure_rate(server, rate, args.seconds, crowd))
                steps.append(step)
                _say(
                    f"{server.name:<9} ceiling {rate:>4}/s: achieved {step.achieved_per_second}/s "
                    f"({step.refused} refused {step.refusals})  p50 {step.p50_ms} ms  "
                    f"p99 {step.p99_ms} ms  missing {step.missing}  "
                    f"server CPU {step.server_cpu_us_per_delivery} µs/delivery  load {step.load}"
                )
                if not step.p99_ms <= CEILING_P99_MS or step.missing:
                    break
                time.sleep(2)
        finally:
            stop_crowd(crowd)
        time.sleep(3)
    return steps


def _run_votes(servers: list[Server], args: argparse.Namespace) -> list[VotesResult]:
    found: list[VotesResult] = []
    for server in servers:
        crowd = start_crowd(server.url, args.votes_viewers, args.clients)
        _say(f"  {server.name}: {crowd.connected} watching, voting")
        try:
            result = asyncio.run(
                measure_votes(server, args.votes_rate, args.votes_seconds, args.voters, crowd)
            )
        finally:
            stop_crowd(crowd)
        found.append(result)
        _say(
            f"{server.name:<9} votes {result.rate}/s to {result.viewers}: achieved "
            f"{result.achieved_per_second}/s ({result.acknowledged} acknowledged, "
            f"{result.refused} refused)  count expected {result.expected_votes}, stored "
            f"{result.stored_votes}, on screen {result.watcher_votes}  "
            f"{result.counts_frames} counts messages  p50 {result.p50_ms} ms  "
            f"p99 {result.p99_ms} ms  missing {result.missing}  "
            f"server CPU {result.server_cpu_ms_per_vote} ms/vote, "
            f"{result.server_cpu_us_per_delivery} µs/delivery  load {result.load}"
        )
        time.sleep(3)
    return found


if __name__ == "__main__":
    main()
