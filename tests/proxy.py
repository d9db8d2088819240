"""A real nginx running deploy/nginx.conf in front of `festival serve` instances.

Not a test module: the proxy test and bench/cluster_bench.py import `nginx`. The repository's
file is used as it is, with only its listening port and its instances' addresses replaced, so
what the test passes through is what docs/deployment.md tells an organiser to install.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.servers import ROOT, free_port

NGINX = os.environ.get("FESTIVAL_TEST_NGINX", "/usr/sbin/nginx")
SITE = ROOT / "deploy" / "nginx.conf"
STARTUP_SECONDS = 10.0
DEPLOYED_LISTEN = "listen 80;"
DEPLOYED_UPSTREAMS = ("server 127.0.0.1:8001;", "server 127.0.0.1:8002;")


class ProxyFailed(RuntimeError):
    """nginx refused the configuration or did not start listening."""


def site_config(port: int, upstreams: list[str]) -> str:
    """deploy/nginx.conf listening on 127.0.0.1:`port` in front of `upstreams` (host:port)."""
    text = SITE.read_text(encoding="utf-8")
    replaced = [DEPLOYED_LISTEN, *DEPLOYED_UPSTREAMS]
    missing = [line for line in replaced if text.count(line) != 1]
    if missing:
        raise ProxyFailed(f"{SITE.name} no longer has exactly one of {missing}")
    text = text.replace(DEPLOYED_LISTEN, f"listen 127.0.0.1:{port};")
    servers = "\n    ".join(f"server {address};" for address in upstreams)
    text = text.replace(f"{DEPLOYED_UPSTREAMS[0]}\n    {DEPLOYED_UPSTREAMS[1]}", servers)
    return text


def main_config(prefix: Path, site: Path, *, workers: int, connections: int) -> str:
    """What nginx.conf around the site holds on a server, with every path in `prefix`."""
    # As root, nginx runs its workers as another user; without root there is no choice.
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}daemon off;
master_process on;
worker_processes {workers};
worker_rlimit_nofile {2 * connections + 1024};
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{
    worker_connections {connections};
}}
http {{
    access_log {prefix / "access.log"};
{temp}
    include {site};
}}
"""


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 1):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class Proxy:
    base: str  # http://127.0.0.1:PORT
    pid: int  # nginx's master process; its workers are its children

    def pids(self) -> list[int]:
        """The master and its workers, for measuring the CPU they use."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        return [self.pid, *map(int, children)]


@contextmanager
def nginx(upstreams: list[str], *, workers: int = 1, connections: int = 1024) -> Iterator[Proxy]:
    """Run nginx with deploy/nginx.conf in front of `upstreams` (host:port each).

    Its files live in a directory of their own under the system's temporary folder, which
    its workers (another user when started as root) can reach."""
    prefix = Path(tempfile.mkdtemp(prefix="festival-nginx-"))
    prefix.chmod(0o755)
    try:
        port = free_port()
        site = prefix / "festival.conf"
        site.write_text(site_config(port, upstreams), encoding="utf-8")
        config = prefix / "nginx.conf"
        config.write_text(
            main_config(prefix, site, workers=workers, connections=connections),
            encoding="utf-8",
        )
        command = [NGINX, "-p", str(prefix), "-c", str(config)]
        tested = subprocess.run([*command, "-t"], capture_output=True, text=True)
        if tested.returncode != 0:
            raise ProxyFailed(f"nginx refused the configuration:\n{tested.stderr}")
        with open(prefix / "stderr.log", "wb") as err:
            process = subprocess.Popen(command, stdout=err, stderr=err)
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not _listening(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    said = (prefix / "error.log").read_text(errors="replace")
                    raise ProxyFailed(f"nginx did not start listening:\n{said}")
                time.sleep(0.05)  # still starting
            yield Proxy(f"http://127.0.0.1:{port}", process.pid)
        finally:
            process.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
