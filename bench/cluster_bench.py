"""Live fan-out beyond one process: a pick on one of two `festival serve` instances behind
nginx reaching every viewer of both, against one instance holding them all.

    python bench/cluster_bench.py [--viewers 10000] [--rounds 10] [--json FILE]

Two instances share a throwaway PostgreSQL database and Redis (FESTIVAL_BROKER_URL), as
docs/deployment.md runs them, with the reference programme's plenary Q&A open and one
approved question. nginx runs deploy/nginx.conf (tests/proxy.py starts it) in front of them.
The viewers are held by load-client processes (bench/ws_bench.py's, public viewers of
`/ws/channels/plenary`); the moderator connects to instance A directly and picks the
question ROUNDS times (each followed by an untimed unpick). In turn, each case in its own
crowd:

  two-proxy    VIEWERS through nginx in front of A and B (about half on each): a pick on A
               reaches B's viewers over Redis
  one-proxy    VIEWERS through nginx in front of A alone
  one-direct   VIEWERS on A directly, no proxy
  reference    VIEWERS on bench/ws_reference.py (websockets only, one process), directly

Printed per case: the viewers each instance held, the time to connect them, pick → viewer
p50 and p99, the completion time of a pick (its last delivery), and the CPU per pick of the
festival instances (or the reference) and, apart, of nginx.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.proxy: the nginx the proxy test runs

from figures import Figures, load_average  # noqa: E402  (bench/, beside this file)
from pg import ADMIN_URL, database  # noqa: E402
from ws_bench import (  # noqa: E402
    CHANNEL,
    FESTIVAL,
    PROGRAMME,
    Collector,
    Crowd,
    Server,
    _capture_pick,
    _cpu_seconds,
    _festival_env,
    _free_port,
    _prepare_festival,
    _raise_open_files,
    _register,
    _request,
    _stop,
    _wait_for_health,
    percentile,
    reference_server,
    start_crowd,
    stop_crowd,
)

from tests.proxy import Proxy, nginx  # noqa: E402

CASES = ("two-proxy", "one-proxy", "one-direct", "reference")
NGINX_WORKERS = 2  # `worker_processes auto` on this machine's two cores


# --- the services --------------------------------------------------------------------------


@contextmanager
def instance(work: Path, name: str, env: dict[str, str], *args: str) -> Iterator[Server]:
    """One `festival serve` on a free port (its moderator token and question are set later)."""
    port = _free_port()
    command = [*FESTIVAL, "serve", "--host", "127.0.0.1", "--port", str(port), *args]
    log_path = work / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        try:
            _wait_for_health(process, port)
        except RuntimeError as error:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{error}; {name} said:\n{tail}") from None
        yield Server("festival", port, process, "", "")
    finally:
        _stop(process)


def prepare(a: Server, env: dict[str, str]) -> None:
    """A moderator token for the plenary, its Q&A open, one approved question to pick."""
    created = subprocess.run(
        [*FESTIVAL, "token", "create", "--role", "moderator", "--channel", CHANNEL],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    a.moderator_token = created.stdout.strip().rsplit("token=", 1)[1]
    a.question_id = asyncio.run(_prepare_festival(a, _register(a.port, 0)))


def sockets(pid: int) -> int:
    """The sockets a process has open: its viewers, give or take a few of its own."""
    folder = Path(f"/proc/{pid}/fd")
    count = 0
    for entry in os.listdir(folder):
        try:
            count += os.readlink(folder / entry).startswith("socket:")
        except OSError:
            continue  # closed meanwhile
    return count


# --- one case ------------------------------------------------------------------------------


@dataclass
class CaseResult:
    server: str
    case: str
    instances: int
    n: int
    connected: int
    held: str
    """Viewers per instance, from their open sockets: `5012+4988`."""
    connect_seconds: float
    picks: int
    missing: int
    p50_ms: float
    p99_ms: float
    completion_median_ms: float
    completion_max_ms: float
    server_cpu_ms_per_pick: float
    proxy_cpu_ms_per_pick: float
    load: float


async def measure(
    moderator_url: str,
    question: str,
    crowd: Crowd,
    servers: list[int],
    proxy: list[int],
    rounds: int,
) -> dict[str, Any]:
    """Picks from the moderator's connection, each timed to every viewer of the crowd."""
    collector = Collector(crowd.results, len(crowd.processes))
    latencies: list[float] = []
    completions: list[float] = []
    missing = 0
    server_cpu = proxy_cpu = 0.0
    pick = {"type": "moderate", "action": "pick", "question_id": question}
    unpick = {**pick, "action": "unpick"}

    def cpu(pids: list[int]) -> float:
        return sum(_cpu_seconds(pid) for pid in pids)

    try:
        async with connect(moderator_url, proxy=None) as moderator:
            await moderator.recv()  # the snapshot
            # One untimed round first, as in ws_bench: the first broadcast after thousands of
            # connections opened pays for a collector's walk over them.
            await collector.wait(int((await _request(moderator, pick))["seq"]))
            await collector.wait(int((await _request(moderator, unpick))["seq"]))
            for _ in range(rounds):
                await asyncio.sleep(0.3)  # let the previous round's traffic settle
                server_before, proxy_before = cpu(servers), cpu(proxy)
                sent = time.monotonic()
                seq = int((await _request(moderator, pick))["seq"])
                times = await collector.wait(seq)
                server_cpu += cpu(servers) - server_before
                proxy_cpu += cpu(proxy) - proxy_before
                missing += crowd.connected - len(times)
                latencies += [(t - sent) * 1000 for t in times]
                if times:
                    completions.append((max(times) - sent) * 1000)
                await collector.wait(int((await _request(moderator, unpick))["seq"]))
    finally:
        collector.stop()
    return {
        "picks": rounds,
        "missing": missing,
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "completion_median_ms": round(percentile(completions, 0.50), 1),
        "completion_max_ms": round(max(completions), 1),
        "server_cpu_ms_per_pick": round(server_cpu * 1000 / rounds, 1),
        "proxy_cpu_ms_per_pick": round(proxy_cpu * 1000 / rounds, 1),
    }


def run_case(
    case: str,
    viewers_url: str,
    moderator: Server,
    servers: list[Server],
    proxy: Proxy | None,
    args: argparse.Namespace,
) -> CaseResult:
    pids = [s.process.pid for s in servers]
    idle = [sockets(pid) for pid in pids]
    crowd = start_crowd(viewers_url, args.viewers, args.clients)
    try:
        held = "+".join(str(sockets(pid) - before) for pid, before in zip(pids, idle, strict=True))
        figures = asyncio.run(
            measure(
                moderator.with_token(moderator.moderator_token),
                moderator.question_id,
                crowd,
                pids,
                proxy.pids() if proxy else [],
                args.rounds,
            )
        )
    finally:
        stop_crowd(crowd)
    result = CaseResult(
        server=moderator.name,
        case=case,
        instances=len(servers),
        n=args.viewers,
        connected=crowd.connected,
        held=held,
        connect_seconds=round(crowd.seconds, 1),
        load=load_average(),
        **figures,
    )
    say(
        f"{case:<10} {result.connected} viewers ({crowd.failed} failed, held {held}) in "
        f"{result.connect_seconds} s  p50 {result.p50_ms} ms  p99 {result.p99_ms} ms  "
        f"completion median {result.completion_median_ms} ms, worst "
        f"{result.completion_max_ms} ms  missing {result.missing}  CPU/pick "
        f"{result.server_cpu_ms_per_pick} ms (nginx {result.proxy_cpu_ms_per_pick} ms)  "
        f"load {result.load}"
    )
    time.sleep(3)  # let the servers close the crowd's connections
    return result


# --- the run -------------------------------------------------------------------------------


def say(line: str) -> None:
    print(line, flush=True)  # noqa: T201 - a benchmark reports on stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=10_000, help="viewers in every case")
    parser.add_argument("--rounds", type=int, default=10, help="timed picks per case")
    parser.add_argument("--clients", type=int, default=2, help="load-client processes")
    parser.add_argument("--cases", default=",".join(CASES), help=f"of {', '.join(CASES)}")
    parser.add_argument(
        "--postgres",
        default=ADMIN_URL,
        help="a PostgreSQL database to create the throwaway one from",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--json", type=Path, help="write the figures here (bench/figures.py)")
    args = parser.parse_args()
    cases = [c for c in args.cases.split(",") if c]
    if unknown := set(cases) - set(CASES):
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    _raise_open_files()
    figures = Figures("cluster")
    say(f"cluster benchmark: {args.viewers} viewers, {args.rounds} picks; load {load_average()}")
    results: list[CaseResult] = []
    with tempfile.TemporaryDirectory(prefix="cluster-bench-") as scratch, ExitStack() as stack:
        work = Path(scratch)
        (work / "festival").mkdir()
        env = {
            **_festival_env(work / "festival"),
            "FESTIVAL_DATABASE_URL": stack.enter_context(database(args.postgres)),
            "FESTIVAL_BROKER_URL": args.redis,
            "FESTIVAL_BROKER_NAMESPACE": f"bench-{uuid.uuid4().hex[:8]}:",
            "FESTIVAL_TRUSTED_PROXIES": "127.0.0.1",
        }
        a = stack.enter_context(instance(work, "a", env, "--programme", str(PROGRAMME), "--demo"))
        b = stack.enter_context(instance(work, "b", env))
        prepare(a, env)
        upstream = f"127.0.0.1:{a.port}"
        connections = 2 * args.viewers + 1024  # a viewer holds one each side of nginx
        for case in cases:
            if case == "reference":
                message = asyncio.run(_capture_pick(a))
                with reference_server(work, message, compression=False) as reference:
                    results.append(
                        run_case(case, reference.url, reference, [reference], None, args)
                    )
                continue
            if case == "one-direct":
                results.append(run_case(case, a.url, a, [a], None, args))
                continue
            upstreams = [upstream, f"127.0.0.1:{b.port}"] if case == "two-proxy" else [upstream]
            with nginx(upstreams, workers=NGINX_WORKERS, connections=connections) as proxy:
                url = proxy.base.replace("http://", "ws://") + f"/ws/channels/{CHANNEL}"
                servers = [a, b] if case == "two-proxy" else [a]
                results.append(run_case(case, url, a, servers, proxy, args))
    if args.json:
        figures.write(args.json, [asdict(r) for r in results])


if __name__ == "__main__":
    main()
