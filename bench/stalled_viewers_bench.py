"""What stalled viewers cost the server: N show viewers that stop reading, then host actions.

    python bench/stalled_viewers_bench.py [--viewers 200] [--actions 150]

Starts `festival serve` (SQLite in a temporary directory) with the reference festival, opens
N websockets to the show channel that read their snapshot and then stop reading (a 4 KiB
receive buffer, and the client library stops at one waiting message), has a host send
`message_rooms` actions (each event carries the whole show, about 3 KiB), and then reads the
kernel's send queues of the server's sockets with `ss -tmn`. Prints the total and the mean.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx2
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from tests.servers import serve, server_environment  # noqa: E402

PROGRAMME = "schedules/agenda-sociaal-werk-2020.toml"


def stalled_socket(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    return sock


def send_queues(port: int) -> tuple[int, int]:
    """(bytes in the send queues of the server's established sockets, how many sockets)."""
    listing = subprocess.run(
        ["ss", "-tnH", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return sum(int(line.split()[1]) for line in listing), len(listing)


def host_token(env: dict[str, str]) -> str:
    made = subprocess.run(
        [sys.executable, "-m", "festival", "token", "create", "--role", "host"],
        cwd=ROOT,
        env=server_environment(env),
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.strip().splitlines()[-1].split("token=")[1]


async def stall(base: str, token: str, viewers: int, actions: int) -> tuple[int, int]:
    port = int(base.rsplit(":", 1)[1])
    stalled: list[ClientConnection] = []
    for _ in range(viewers):
        viewer = await connect(
            f"ws://127.0.0.1:{port}/ws/channels/show",
            sock=stalled_socket(port),
            proxy=None,
            max_queue=1,
            ping_interval=None,
        )
        await viewer.recv()  # the snapshot; then it reads no more
        stalled.append(viewer)
    async with httpx2.AsyncClient(base_url=base, trust_env=False, timeout=30) as http:
        for n in range(actions):
            response = await http.post(
                "/api/show/actions",
                json={"type": "host", "action": "message_rooms", "text": f"{n} " + "x" * 190},
                headers={"Authorization": f"Bearer {token}"},
            )
            response.raise_for_status()
    await asyncio.sleep(1)  # let the last sends reach the kernel
    queued = send_queues(port)
    for viewer in stalled:
        viewer.transport.abort()
    return queued


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=200)
    parser.add_argument("--actions", type=int, default=150)
    options = parser.parse_args()
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory() as folder:
        env = {
            "FESTIVAL_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/festival.db",
            "FESTIVAL_VAR_DIR": folder,
        }
        with serve("--programme", PROGRAMME, "--demo", env=env) as base:
            queued, sockets = asyncio.run(
                stall(base, host_token(env), options.viewers, options.actions)
            )
    each = queued / max(sockets, 1) / 1024
    print(  # noqa: T201 - a benchmark reports on stdout
        f"{sockets} server sockets hold {queued / 2**20:.1f} MiB in their send queues "
        f"({each:.0f} KiB each)"
    )


if __name__ == "__main__":
    main()
