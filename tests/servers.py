"""A real `festival serve` process for tests that go through the network, as a user would.

Not a test module: tests import `serve` (the running server), `running` (the same, with its
process) and `get` (a plain GET to it).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx2

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 20.0
POLL_SECONDS = 0.1
STOP_SECONDS = 10.0


MANY_REGISTRATIONS = {"FESTIVAL_RATE_REGISTRATIONS_PER_ADDRESS": "100000/minute"}
"""For a server whose tests register many people from this one address: the default allows
10 a minute (docs/api.md, "Rate limits"). Tests of the limit itself set their own."""


class ServerFailed(RuntimeError):
    """`festival serve` exited, or never answered /healthz, before the test could use it."""


def get(url: str) -> httpx2.Response:
    # trust_env=False: a proxy set in the environment must not carry loopback traffic.
    return httpx2.get(url, timeout=5.0, trust_env=False)


def free_port() -> int:
    """A port nobody listens on now; the server binds it a moment later."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_environment(env: dict[str, str]) -> dict[str, str]:
    # A developer's own FESTIVAL_* settings (a demo flag, a pinned festival, …) would change
    # what the server shows, so only the caller's settings reach it.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("FESTIVAL_")}
    return {**inherited, **env}


def _healthy(base: str) -> bool:
    try:
        return get(f"{base}/healthz").status_code == 200
    except httpx2.TransportError:
        return False  # not listening yet


def _wait_until_healthy(process: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(f"festival serve exited with {process.returncode}")
        if _healthy(base):
            return
        time.sleep(POLL_SECONDS)  # the process is still starting; ask again shortly
    raise ServerFailed(f"festival serve did not answer {base}/healthz in {STARTUP_SECONDS:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets uvicorn run the lifespan's shutdown; kill only if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_SECONDS)


def _text(stream: IO[bytes]) -> str:
    stream.flush()
    stream.seek(0)
    return stream.read().decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Server:
    base: str  # http://127.0.0.1:PORT
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL: no lifespan shutdown, no cleanup, as when the machine loses power."""
        self.process.kill()
        self.process.wait(timeout=STOP_SECONDS)


@contextmanager
def serve(
    *args: str, env: dict[str, str], stdout: Path | None = None, stderr: Path | None = None
) -> Iterator[str]:
    """Run `festival serve --host 127.0.0.1 --port PORT *args`; yield its base URL.

    The server runs in the repository root, so `--programme schedules/…` works as in the
    README. Its output goes to files, not pipes: a pipe nobody reads would fill up with
    access logs and stall the server. Pass `stdout` (and `stderr`) to keep what it printed;
    the same file for both keeps the lines in the order they came.
    """
    with running(*args, env=env, stdout=stdout, stderr=stderr) as server:
        yield server.base


@contextmanager
def running(
    *args: str, env: dict[str, str], stdout: Path | None = None, stderr: Path | None = None
) -> Iterator[Server]:
    """`serve`, yielding the process too, for tests that kill it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "festival", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), *args]
    merged = stderr is not None and stderr == stdout  # one file, lines in the order written
    with (
        open(stdout, "w+b") if stdout else tempfile.TemporaryFile() as out,
        open(stderr, "w+b") if stderr and not merged else tempfile.TemporaryFile() as err,
    ):
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=server_environment(env),
            stdout=out,
            stderr=subprocess.STDOUT if merged else err,
        )
        try:
            try:
                _wait_until_healthy(process, base)
            except ServerFailed as exc:
                _stop(process)
                raise ServerFailed(
                    f"{exc}\n--- stdout ---\n{_text(out)}\n--- stderr ---\n{_text(err)}"
                ) from None
            yield Server(base, process)
        finally:
            _stop(process)
