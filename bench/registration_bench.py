"""Registration rush benchmark: `POST /api/registrations` from many clients at once.

    python bench/registration_bench.py [--duration 60] [--clients 64,256]
        [--databases sqlite,postgres] [--choices both|no|yes] [--json FILE]

Starts, on 127.0.0.1 and each in its own process under uvicorn, `festival serve` (the 2020
programme moved into the future with --demo, mail to a maildir as by default) and the bare
reference (`bench/registration_reference.py`: Starlette committing one row per request), each
on a fresh database. For every database and number of clients, the reference is measured
first, then festival without session choices, then festival with them: every registration
then chooses a session in each of the two rounds, in turn over all of them, so the sessions
(25 places each) are full within the first few hundred registrations and everyone after that
joins a waitlist. Every address is unique.

The load runs in its own process (asyncio on uvloop, raw HTTP/1.1 on kept-alive connections:
a client far lighter than the servers). Each client sends its next registration as soon as
the previous one is answered, for DURATION seconds; then the answers still on their way are
awaited, so every registration sent is answered (a request not answered within 30 s is cut off
and counted as an error). Reported per run: requests answered per second (over the whole run
including that last wait), p50 and p99 latency, errors (any answer but 201, or a connection
failure) and timeouts (answers that took more than TIMEOUT, 2 s by default, as wrk counts them;
they are also in the latency figures). After each festival run the server is stopped and its
database checked: it must hold exactly the registrations answered 201, and no session may hold
more confirmed places than it has, nor have a waitlist while a place is free.

--json FILE writes the figures in bench/figures.py's shape (the runs are described in `report`).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

import asyncpg
import uvloop
from figures import Figures  # (bench/, beside this file)

ROOT = Path(__file__).resolve().parent.parent
PROGRAMME = ROOT / "schedules" / "agenda-sociaal-werk-2020.toml"
FESTIVAL = (sys.executable, "-m", "festival")
REFERENCE = (sys.executable, str(ROOT / "bench" / "registration_reference.py"))
POSTGRES = os.environ.get(
    "FESTIVAL_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
"""Any database of the server: each run creates its own database beside it and drops it."""
STARTUP_SECONDS = 60.0
ANSWER_LIMIT = 30.0  # a request unanswered this long is cut off (an error, not a timeout)


# --- servers -------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _get(port: int, path: str) -> Any:
    # http.client talks to 127.0.0.1 directly: a proxy from the environment is never used.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {data[:300]!r}")
        return json.loads(data)
    finally:
        connection.close()


@contextmanager
def _process(command: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[int]:
    """Run a server until it answers /healthz; stop it (SIGTERM) afterwards. Yields its pid."""
    with open(log, "ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{command[:4]} exited: {log.read_text()[-3000:]}")
                try:
                    _get(port, "/healthz")
                    break
                except (OSError, RuntimeError):
                    if time.monotonic() > deadline:
                        tail = log.read_text()[-3000:]
                        raise RuntimeError(f"no answer on /healthz: {tail}") from None
                    time.sleep(0.2)  # still starting
            yield process.pid
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


async def _postgres_admin(sql: str) -> None:
    conn = await asyncpg.connect(POSTGRES)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def _database(kind: str, work: Path, name: str) -> Iterator[str]:
    """A fresh database; yields its URL without a driver (`sqlite:///…`, `postgresql://…`)."""
    if kind == "sqlite":
        yield f"sqlite:///{work / name}.db"
        return
    database = f"bench_registration_{name}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_postgres_admin(f'CREATE DATABASE "{database}"'))
    try:
        yield f"{POSTGRES.rsplit('/', 1)[0]}/{database}"
    finally:
        asyncio.run(_postgres_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


def _festival_url(url: str) -> str:
    scheme, rest = url.split(":", 1)
    return f"{scheme}+{'aiosqlite' if scheme == 'sqlite' else 'asyncpg'}:{rest}"


@contextmanager
def festival_server(url: str, work: Path, log: Path) -> Iterator[tuple[int, int]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FESTIVAL_")}
    var_dir = work / f"var-{uuid.uuid4().hex[:8]}"
    env |= {
        "FESTIVAL_VAR_DIR": str(var_dir),
        "FESTIVAL_DATABASE_URL": _festival_url(url),
        # An access log line per request, as the published figures (and the reference) write.
        "FESTIVAL_LOG_LEVEL": "info",
        # Every client registers from 127.0.0.1, far beyond the default 10 a minute.
        "FESTIVAL_RATE_REGISTRATIONS_PER_ADDRESS": "100000000/minute",
    }
    port = _free_port()
    command = [*FESTIVAL, "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--programme", str(PROGRAMME), "--demo"]
    with _process(command, env, port, log) as pid:
        yield port, pid
    shutil.rmtree(var_dir, ignore_errors=True)  # the maildir: thousands of welcome mails


@contextmanager
def reference_server(url: str, log: Path) -> Iterator[tuple[int, int]]:
    port = _free_port()
    command = [*REFERENCE, "--port", str(port), "--database", url]
    with _process(command, dict(os.environ), port, log) as pid:
        yield port, pid


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (all its threads), from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- load ----------------------------------------------------------------------------------


@dataclass
class Load:
    """What one load process measured."""

    sent: int
    seconds: float
    latencies: list[float]  # seconds, one per answered request
    statuses: dict[str, int]  # HTTP status (or the connection failure) -> count
    registered: list[str]  # addresses answered 201


def _request(port: int, body: bytes) -> bytes:
    head = (
        f"POST /api/registrations HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _answer(reader: asyncio.StreamReader) -> int:
    """Read one response; its status. Bodies are read by Content-Length (both servers send it)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def _client(
    port: int, number: int, run: str, choices: list[dict[str, str]], until: float, load: Load
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    i = 0
    while time.monotonic() < until:
        email = f"p{number}.{i}.{run}@example.org"
        data: dict[str, Any] = {"name": f"Deelnemer {number}.{i}", "email": email, "consent": True}
        if choices:
            data["choices"] = choices[(number * 7919 + i) % len(choices)]
        i += 1
        load.sent += 1
        started = time.perf_counter()
        try:
            if writer is None or reader is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(_request(port, json.dumps(data).encode()))
            status = await asyncio.wait_for(_answer(reader), ANSWER_LIMIT)
            outcome = str(status)
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as error:
            outcome = type(error).__name__
            if writer is not None:
                writer.close()
            reader = writer = None
            load.statuses[outcome] = load.statuses.get(outcome, 0) + 1
            continue
        load.latencies.append(time.perf_counter() - started)
        load.statuses[outcome] = load.statuses.get(outcome, 0) + 1
        if status == 201:
            load.registered.append(email)
    if writer is not None:
        writer.close()


async def _load(port: int, clients: int, seconds: float, choices: list[dict[str, str]]) -> Load:
    load = Load(0, 0.0, [], {}, [])
    run = uuid.uuid4().hex[:6]
    started = time.monotonic()
    async with asyncio.TaskGroup() as group:
        for number in range(clients):
            group.create_task(_client(port, number, run, choices, started + seconds, load))
    load.seconds = time.monotonic() - started
    return load


def _load_process(
    port: int, clients: int, seconds: float, choices: list[dict[str, str]], out: Queue[Load]
) -> None:
    out.put(uvloop.run(_load(port, clients, seconds, choices)))


def run_load(port: int, clients: int, seconds: float, choices: list[dict[str, str]]) -> Load:
    context = multiprocessing.get_context("spawn")
    out: Queue[Load] = context.Queue()
    process = context.Process(target=_load_process, args=(port, clients, seconds, choices, out))
    process.start()
    load = out.get(timeout=seconds + 4 * ANSWER_LIMIT)
    process.join()
    return load


def session_choices(port: int) -> list[dict[str, str]]:
    """One choice per round, in turn over every session of each (so every session fills)."""
    programme = _get(port, "/api/programme")
    rounds = [[s["id"] for s in r["sessions"]] for r in programme["rounds"]]
    width = max(len(r) for r in rounds)
    return [
        {r["id"]: ids[k % len(ids)] for r, ids in zip(programme["rounds"], rounds, strict=True)}
        for k in range(width)
    ]


# --- checks --------------------------------------------------------------------------------

_CHECK_REGISTRATIONS = "SELECT email FROM registrations"
_CHECK_PLACES = """
SELECT e.key, p.mode, CASE WHEN p.mode = 'onsite' THEN e.seats ELSE e.capacity END,
       SUM(CASE WHEN p.status = 'confirmed' THEN 1 ELSE 0 END),
       SUM(CASE WHEN p.status = 'waitlisted' THEN 1 ELSE 0 END)
FROM places p JOIN entries e ON e.id = p.entry_id
GROUP BY e.key, p.mode, e.seats, e.capacity"""


async def _postgres_rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(url)
    try:
        return [tuple(row) for row in await conn.fetch(sql)]
    finally:
        await conn.close()


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return db.execute(sql).fetchall()
    return asyncio.run(_postgres_rows(url, sql))


def check_festival(url: str, load: Load) -> list[str]:
    """What is wrong with the stored registrations after a run (nothing: an empty list)."""
    problems = []
    stored = {email for (email,) in _rows(url, _CHECK_REGISTRATIONS)}
    acknowledged = set(load.registered)
    if stored != acknowledged:
        problems.append(
            f"{len(stored - acknowledged)} stored but not acknowledged, "
            f"{len(acknowledged - stored)} acknowledged but not stored"
        )
    for key, mode, limit, confirmed, waitlisted in _rows(url, _CHECK_PLACES):
        if limit is not None and confirmed > limit:
            problems.append(f"{key} ({mode}): {confirmed} confirmed of {limit} places")
        if waitlisted and (limit is None or confirmed < limit):
            problems.append(f"{key} ({mode}): {waitlisted} waiting with places free")
    return problems


# --- runs ----------------------------------------------------------------------------------


@dataclass
class Run:
    server: str  # festival | reference
    database: str  # sqlite | postgres
    clients: int
    choices: bool
    rate: float  # requests answered per second
    p50_ms: float
    p99_ms: float
    errors: int  # answers other than 201, and connection failures
    timeouts: int  # answered after more than --timeout
    cpu_ms: float  # the server's CPU time (all threads) per request answered, during the run
    requests: int  # answered (or failed)
    registered: int  # answered 201
    seconds: float
    checked: str  # festival: "ok" or what the database check found; reference: ""


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(
    server: str,
    database: str,
    process: tuple[int, int],
    clients: int,
    choices: bool,
    args: argparse.Namespace,
) -> tuple[Run, Load]:
    port, pid = process
    wanted = session_choices(port) if choices else []
    cpu = _cpu_seconds(pid)
    load = run_load(port, clients, args.duration, wanted)
    cpu = _cpu_seconds(pid) - cpu
    answered = sum(load.statuses.values())
    run = Run(
        server=server,
        database=database,
        clients=clients,
        choices=choices,
        rate=round(answered / load.seconds, 1),
        p50_ms=round(_percentile(load.latencies, 0.50) * 1000, 1),
        p99_ms=round(_percentile(load.latencies, 0.99) * 1000, 1),
        errors=answered - load.statuses.get("201", 0),
        timeouts=sum(1 for latency in load.latencies if latency > args.timeout),
        cpu_ms=round(1000 * cpu / max(answered, 1), 2),
        requests=answered,
        registered=len(load.registered),
        seconds=round(load.seconds, 1),
        checked="",
    )
    others = {k: v for k, v in load.statuses.items() if k != "201"}
    _say(
        f"{server:9} {database:8} {clients:4} clients  choices={'yes' if choices else 'no ':3}  "
        f"{run.rate:8.1f}/s  p50 {run.p50_ms:7.1f} ms  p99 {run.p99_ms:7.1f} ms  "
        f"errors {run.errors} {others or ''}  timeouts {run.timeouts}  "
        f"server CPU {run.cpu_ms:.2f} ms/request"
    )
    return run, load


def _say(line: str) -> None:
    print(line, flush=True)  # noqa: T201 - a benchmark reports on stdout


def report(figures: Figures, runs: list[Run]) -> dict[str, Any]:
    """The JSON written by --json, in bench/figures.py's shape; the runs are flat:

    {"server": "festival"|"reference", "database": "sqlite"|"postgres", "clients",
     "choices": bool, "rate": answered/s, "p50_ms", "p99_ms", "errors", "timeouts",
     "cpu_ms": the server's CPU time per request, "requests", "registered", "seconds",
     "checked": festival's database check ("ok" or the problems), "" for the reference,
     "ratio": festival's rate / the reference's in the same database and clients (None for
     the reference)}
    """
    rates = {(r.database, r.clients): r.rate for r in runs if r.server == "reference"}
    return figures.document(
        [
            {
                **asdict(r),
                "ratio": round(r.rate / rates[(r.database, r.clients)], 3)
                if r.server == "festival" and rates.get((r.database, r.clients))
                else None,
            }
            for r in runs
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load per run")
    parser.add_argument("--clients", default="64,256", help="concurrent clients, comma-separated")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--choices", choices=("both", "no", "yes"), default="both")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds: slower is a timeout")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    clients = [int(n) for n in args.clients.split(",")]
    with_choices = {"both": [False, True], "no": [False], "yes": [True]}[args.choices]
    figures = Figures("registration")
    _say(f"load average before: {figures.load_before}")
    runs: list[Run] = []
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="registration-bench-") as tmp:
        work = Path(tmp)
        for database in args.databases.split(","):
            for n in clients:
                with (
                    _database(database, work, f"reference{n}") as url,
                    reference_server(url, work / "reference.log") as server,
                ):
                    runs.append(measure("reference", database, server, n, False, args)[0])
                for choices in with_choices:
                    with _database(database, work, f"festival{n}{int(choices)}") as url:
                        with festival_server(url, work, work / "festival.log") as server:
                            run, load = measure("festival", database, server, n, choices, args)
                        found = check_festival(url, load)  # the server has stopped: all settled
                        run.checked = "; ".join(found) or "ok"
                        _say(f"  database check: {run.checked}")
                        problems += found
                        runs.append(run)
    document = report(figures, runs)
    _say(f"load average after: {document['load'][1]}")
    for r in document["runs"]:
        if r["ratio"] is not None:
            _say(f"festival/reference {r['database']} {r['clients']} clients "
                 f"choices={r['choices']}: {r['ratio']:.3f}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    if problems:
        sys.exit(
            "the festival database does not hold what was acknowledged: " + "; ".join(problems)
        )


if __name__ == "__main__":
    main()
