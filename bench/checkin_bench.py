"""Check-ins answered per second at the door: `POST /api/checkin` and the name search, beside
a bare server doing the same look-up in the same database.

    python bench/checkin_bench.py [--people 5000] [--duration 20] [--clients 16]
        [--databases sqlite,postgres] [--json FILE]

Starts, on 127.0.0.1 and each in its own process under uvicorn, `festival serve` with the
on-site Jaarcongres 2023 programme moved to today (--demo) and the bare reference
(`bench/checkin_reference.py`), each on a fresh database. Festival gets PEOPLE registrations
through its own API (coming on site), and each a check-in code, written straight into its
database (a code is drawn when the personal page is first shown, which the benchmark skips);
the reference is given the same codes and names. The welcome mails those registrations queue
are all sent (to festival's maildir) before anything is measured.

Then, per server, two phases of DURATION seconds with CLIENTS clients at once, the load in its
own process (asyncio on uvloop, raw HTTP/1.1 on kept-alive connections), each client sending
its next request as soon as the last is answered:

  checkin  `POST /api/checkin` with the codes in turn (each client its own share of them), so
           the first pass checks people in and later passes are the second scans a door sees
  search   `GET /api/checkin/search?q=…`, a part of a name that finds up to 20 people

Festival is called with a `checkin` token (its per-token rate limit is lifted for the run).
Reported per phase: requests answered per second, p50/p99 latency, errors (any answer but
200), first check-ins, and the server's CPU time per request. After festival's run its
database is checked: exactly the people answered "first" are checked in, each once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import secrets
import shutil
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
from urllib.parse import quote

import uvloop
from figures import Figures  # (bench/, beside this file)
from registration_bench import (
    FESTIVAL,
    _cpu_seconds,
    _database,
    _festival_url,
    _free_port,
    _percentile,
    _process,
    _rows,
    _say,
)

ROOT = Path(__file__).resolve().parent.parent
PROGRAMME = ROOT / "schedules" / "jaarcongres-sociaal-werk-2023.toml"
SLUG = "jaarcongres-sociaal-werk-2023"
REFERENCE = (sys.executable, str(ROOT / "bench" / "checkin_reference.py"))
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # festival.attendance.checkin's
ANSWER_LIMIT = 30.0  # a request unanswered this long is cut off (an error)
UNLIMITED = "100000000/minute"


def _name(i: int) -> str:
    return f"Deelnemer {i:05d} Çelik"


# --- servers -------------------------------------------------------------------------------


def _festival_env(url: str, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FESTIVAL_")}
    return env | {
        "FESTIVAL_VAR_DIR": str(var_dir),
        "FESTIVAL_DATABASE_URL": _festival_url(url),
        # An access log line per request, as the published figures (and the reference) write.
        "FESTIVAL_LOG_LEVEL": "info",
        # Every request comes from 127.0.0.1 and one token, far beyond the default limits.
        "FESTIVAL_RATE_REGISTRATIONS_PER_ADDRESS": UNLIMITED,
        "FESTIVAL_RATE_REGISTRATIONS_PER_EMAIL": UNLIMITED,
        "FESTIVAL_RATE_LIVE_MESSAGES": UNLIMITED,
    }


@contextmanager
def festival_server(url: str, work: Path) -> Iterator[tuple[int, int, dict[str, str]]]:
    var_dir = work / f"var-{uuid.uuid4().hex[:8]}"
    env = _festival_env(url, var_dir)
    port = _free_port()
    command = [*FESTIVAL, "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--programme", str(PROGRAMME), "--demo"]
    with _process(command, env, port, work / "festival.log") as pid:
        yield port, pid, env
    shutil.rmtree(var_dir, ignore_errors=True)  # the maildir: thousands of welcome mails


@contextmanager
def reference_server(url: str, people: Path, work: Path) -> Iterator[tuple[int, int]]:
    port = _free_port()
    command = [*REFERENCE, "--port", str(port), "--database", url, "--people", str(people)]
    with _process(command, dict(os.environ), port, work / "reference.log") as pid:
        yield port, pid


def checkin_token(env: dict[str, str]) -> str:
    """A new `checkin` token of the festival, from the CLI (its last line is the console URL)."""
    done = subprocess.run(
        [*FESTIVAL, "token", "create", "--role", "checkin", "--festival", SLUG],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip().splitlines()[-1].split("token=", 1)[1].split("&", 1)[0]


def settle(url: str) -> None:
    """Wait until festival has sent the welcome mails of the registrations: that work, done in
    the background, is not what is measured."""
    deadline = time.monotonic() + 600
    while _rows(url, "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')")[0][0]:
        if time.monotonic() > deadline:
            raise RuntimeError("the welcome mails were not all sent within 10 minutes")
        time.sleep(1)


def seed_codes(url: str, count: int) -> list[tuple[str, str]]:
    """A check-in code for each of festival's registrations: (code, name) per person."""
    people = [(row[0], row[1]) for row in _rows(url, "SELECT id, name FROM registrations")]
    if len(people) != count:
        raise RuntimeError(f"{len(people)} registrations stored of {count} sent")
    codes = ["".join(secrets.choice(CODE_ALPHABET) for _ in range(12)) for _ in people]
    values = ", ".join(f"({rid}, '{code}')" for (rid, _), code in zip(people, codes, strict=True))
    _rows(url, f"INSERT INTO checkins (registration_id, code) VALUES {values} RETURNING code")
    return [(code, name) for (_, name), code in zip(people, codes, strict=True)]


# --- load ----------------------------------------------------------------------------------


@dataclass
class Load:
    """What one load process measured."""

    seconds: float
    latencies: list[float]  # seconds, one per answered request
    statuses: dict[str, int]  # HTTP status (or the connection failure) -> count
    firsts: list[str]  # codes answered `"first":true`


def _raw(port: int, method: str, path: str, token: str, body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + body


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One response: its status and body (read by Content-Length: both servers send it)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return int(head[9:12]), await reader.readexactly(length)


async def _client(port: int, requests: list[tuple[str, bytes]], until: float, load: Load) -> None:
    """Send `requests` (label, raw request) in turn, again and again, until `until`."""
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    i = 0
    while time.monotonic() < until:
        label, request = requests[i % len(requests)]
        i += 1
        started = time.perf_counter()
        try:
            if writer is None or reader is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            status, body = await asyncio.wait_for(_answer(reader), ANSWER_LIMIT)
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as error:
            outcome = type(error).__name__
            load.statuses[outcome] = load.statuses.get(outcome, 0) + 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        load.latencies.append(time.perf_counter() - started)
        load.statuses[str(status)] = load.statuses.get(str(status), 0) + 1
        if b'"first":true' in body:
            load.firsts.append(label)
    if writer is not None:
        writer.close()


async def _load(port: int, shares: list[list[tuple[str, bytes]]], seconds: float) -> Load:
    load = Load(0.0, [], {}, [])
    started = time.monotonic()
    async with asyncio.TaskGroup() as group:
        for share in shares:
            group.create_task(_client(port, share, started + seconds, load))
    load.seconds = time.monotonic() - started
    return load


def _load_process(
    port: int, shares: list[list[tuple[str, bytes]]], seconds: float, out: Queue[Load]
) -> None:
    out.put(uvloop.run(_load(port, shares, seconds)))


def run_load(port: int, shares: list[list[tuple[str, bytes]]], seconds: float) -> Load:
    context = multiprocessing.get_context("spawn")
    out: Queue[Load] = context.Queue()
    process = context.Process(target=_load_process, args=(port, shares, seconds, out))
    process.start()
    load = out.get(timeout=seconds + 4 * ANSWER_LIMIT)
    process.join()
    return load


def register(port: int, count: int) -> None:
    """`count` on-site registrations through festival's API, 16 at a time."""
    requests = []
    for i in range(count):
        body = json.dumps({
            "name": _name(i), "email": f"p{i}@example.org", "mode": "onsite", "consent": True,
        }).encode()  # fmt: skip
        requests.append((str(i), _raw(port, "POST", "/api/registrations", "", body)))
    shares = [requests[k::16] for k in range(16)]
    loop_load = Load(0.0, [], {}, [])

    async def once() -> None:
        async def send(share: list[tuple[str, bytes]]) -> None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            for _, request in share:
                writer.write(request)
                status, body = await _answer(reader)
                loop_load.statuses[str(status)] = loop_load.statuses.get(str(status), 0) + 1
                if status != 201:
                    raise RuntimeError(f"registration answered {status}: {body[:300]!r}")
            writer.close()

        async with asyncio.TaskGroup() as group:
            for share in shares:
                group.create_task(send(share))

    uvloop.run(once())


# --- runs ----------------------------------------------------------------------------------


@dataclass
class Run:
    server: str  # festival | reference
    database: str  # sqlite | postgres
    phase: str  # checkin | search
    clients: int
    people: int
    rate: float  # requests answered per second
    p50_ms: float
    p99_ms: float
    errors: int  # answers other than 200, and connection failures
    firsts: int  # check-ins answered as the first
    cpu_ms: float  # the server's CPU time (all threads) per request answered
    requests: int
    seconds: float
    checked: str  # festival's checkin phase: "ok" or what the database check found


def phase_requests(
    port: int, phase: str, people: list[tuple[str, str]], token: str, clients: int
) -> list[list[tuple[str, bytes]]]:
    """Each client's share of the phase's requests."""
    path = "/api/checkin" if phase == "checkin" else "/api/checkin/search"
    if phase == "checkin":
        requests = [
            (code, _raw(port, "POST", path, token, json.dumps({"code": code}).encode()))
            for code, _ in people
        ]
    else:
        # "deelnemer 0012" finds the ten people 00120-00129 (folded, accents aside).
        parts = [f"deelnemer {k:04d}" for k in range(len(people) // 10)]
        requests = [(q, _raw(port, "GET", f"{path}?q={quote(q)}", token)) for q in parts]
    return [requests[k::clients] for k in range(clients)]


def measure(
    server: str,
    database: str,
    process: tuple[int, int],
    phase: str,
    people: list[tuple[str, str]],
    token: str,
    args: argparse.Namespace,
) -> tuple[Run, Load]:
    port, pid = process
    shares = phase_requests(port, phase, people, token, args.clients)
    cpu = _cpu_seconds(pid)
    load = run_load(port, shares, args.duration)
    cpu = _cpu_seconds(pid) - cpu
    answered = sum(load.statuses.values())
    run = Run(
        server=server,
        database=database,
        phase=phase,
        clients=args.clients,
        people=len(people),
        rate=round(answered / load.seconds, 1),
        p50_ms=round(_percentile(load.latencies, 0.50) * 1000, 1),
        p99_ms=round(_percentile(load.latencies, 0.99) * 1000, 1),
        errors=answered - load.statuses.get("200", 0),
        firsts=len(load.firsts),
        cpu_ms=round(1000 * cpu / max(answered, 1), 2),
        requests=answered,
        seconds=round(load.seconds, 1),
        checked="",
    )
    others = {k: v for k, v in load.statuses.items() if k != "200"}
    _say(
        f"{server:9} {database:8} {phase:7} {run.rate:8.1f}/s  p50 {run.p50_ms:6.1f} ms  "
        f"p99 {run.p99_ms:6.1f} ms  errors {run.errors} {others or ''}  firsts {run.firsts}  "
        f"server CPU {run.cpu_ms:.2f} ms/request"
    )
    return run, load


def check_festival(url: str, load: Load) -> str:
    """ "ok" when exactly the codes answered as first check-ins are stored as checked in."""
    stored = {
        code for (code,) in _rows(url, "SELECT code FROM checkins WHERE checked_in_at IS NOT NULL")
    }
    answered = set(load.firsts)
    if len(answered) != len(load.firsts):
        return f"{len(load.firsts) - len(answered)} people answered as first more than once"
    if stored != answered:
        return (
            f"{len(stored - answered)} checked in but not answered first, "
            f"{len(answered - stored)} answered first but not stored"
        )
    return "ok"


def report(figures: Figures, runs: list[Run]) -> dict[str, Any]:
    """The JSON written by --json, in bench/figures.py's shape, a flat run per server, database
    and phase, with `ratio` festival's rate / the reference's in the same database and phase."""
    rates = {(r.database, r.phase): r.rate for r in runs if r.server == "reference"}
    return figures.document(
        [
            {
                **asdict(r),
                "ratio": round(r.rate / rates[(r.database, r.phase)], 3)
                if r.server == "festival" and (r.database, r.phase) in rates
                else None,
            }
            for r in runs
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    figures = Figures("checkin")
    _say(f"load average before: {figures.load_before}")
    runs: list[Run] = []
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="checkin-bench-") as tmp:
        work = Path(tmp)
        for database in args.databases.split(","):
            with (
                _database(database, work, "festival") as url,
                festival_server(url, work) as (port, pid, env),
            ):
                register(port, args.people)
                token = checkin_token(env)
                people = seed_codes(url, args.people)
                settle(url)
                for phase in ("checkin", "search"):
                    run, load = measure(
                        "festival", database, (port, pid), phase, people, token, args
                    )
                    if phase == "checkin":
                        run.checked = check_festival(url, load)
                        _say(f"  database check: {run.checked}")
                        if run.checked != "ok":
                            problems.append(f"{database}: {run.checked}")
                    runs.append(run)
            listing = work / "people.tsv"
            listing.write_text("".join(f"{code}\t{name}\n" for code, name in people))
            with (
                _database(database, work, "reference") as url,
                reference_server(url, listing, work) as server,
            ):
                for phase in ("checkin", "search"):
                    runs.append(measure("reference", database, server, phase, people, "", args)[0])
    document = report(figures, runs)
    _say(f"load average after: {document['load'][1]}")
    if args.json:
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    if problems:
        sys.exit("the festival database does not hold what was answered: " + "; ".join(problems))


if __name__ == "__main__":
    main()
