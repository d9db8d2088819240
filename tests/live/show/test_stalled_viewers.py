"""A viewer that stops reading holds a bounded amount on the server and is closed with 4008,
then resumes with `since`; a client that does not answer pings is closed with 1011 at the
keep-alive the server was started with. Real server, real websockets clients."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from festival.live.hub import QUEUE_BYTES
from festival.web.server import SEND_BUFFER_BYTES, WRITE_BUFFER_BYTES
from tests.live.conftest import Site, connect, sqlite_env, start
from tests.live.show.test_channel import show_url, snapshot

HELD_AT_MOST = 2 * SEND_BUFFER_BYTES + WRITE_BUFFER_BYTES + QUEUE_BYTES
"""What the server may hold for one viewer: the kernel's send buffer (Linux doubles what is
set), the transport's buffer and the queue of messages."""
CLIENT_SIDE = 64 * 1024
"""What the stalled client itself takes in before it stops reading (its receive buffer,
which the test makes small, and what its library read before pausing)."""
LARGEST_MESSAGE = 16 * 1024  # a show event carries the whole show: a few KiB


def small_receive_buffer(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: the window
    sock.connect((host, int(port)))
    return sock


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    # The burst of host actions is the test's tool, not its subject: a rate limit on live
    # messages, where one is configured, must not stretch it out.
    env = {**sqlite_env(tmp_path), "FESTIVAL_RATE_LIVE_MESSAGES": "100000/second"}
    with start(env) as base:
        yield Site(base, env)


async def test_a_viewer_that_stops_reading_is_closed_with_4008_and_resumes(site: Site):
    tokens = [site.role_token("host") for _ in range(4)]
    observer = await connect(show_url(site))
    stalled = await ws_connect(
        show_url(site),
        sock=small_receive_buffer(site.base),
        proxy=None,
        max_queue=1,  # the client library stops reading the socket as soon as one waits
        ping_interval=None,
    )
    first = json.loads(await stalled.recv())
    await snapshot(observer)
    sent = 0
    async with httpx2.AsyncClient(base_url=site.base, trust_env=False, timeout=10) as http:
        for n in range(2000):
            response = await http.post(
                "/api/show/actions",
                json={"type": "host", "action": "message_rooms", "text": f"{n} " + "x" * 190},
                headers={"Authorization": f"Bearer {tokens[n % len(tokens)]}"},
            )
            assert response.status_code == 200, response.text
            seen = await observer.numbered(response.json()["seq"])
            sent += len(json.dumps(seen, ensure_ascii=False, separators=(",", ":")).encode())
            if sent > HELD_AT_MOST + CLIENT_SIDE + 2 * LARGEST_MESSAGE:
                break
    # The viewer reads again: what the server still held, then the close.
    received: list[bytes] = []
    with contextlib.suppress(ConnectionClosed):  # ends with the close
        while True:
            raw = await stalled.recv()
            received.append(raw.encode() if isinstance(raw, str) else raw)
    last_seq = json.loads(received[-1])["seq"]
    resumed = await connect(show_url(site, since=last_seq))
    caught_up = await resumed.numbered(observer.events()[-1]["seq"])
    await resumed.close()
    await observer.close()

    assert first["type"] == "snapshot"
    assert (stalled.close_code, stalled.close_reason) == (4008, "resume with since")
    assert sum(len(r) for r in received) <= HELD_AT_MOST + CLIENT_SIDE + LARGEST_MESSAGE
    assert len(received) < len(observer.events())  # it lost some, and was told so
    # Resuming with the last seq it had brings exactly the rest.
    assert [e["seq"] for e in resumed.events()] == [
        e["seq"] for e in observer.events() if e["seq"] > last_seq
    ]
    assert caught_up["show"] == observer.events()[-1]["show"]


def read_frame(sock: socket.socket) -> tuple[int, bytes]:
    """One unmasked frame from the server: (opcode, payload)."""

    def exactly(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            assert chunk, "the server closed the connection without a close frame"
            data += chunk
        return data

    head = exactly(2)
    length = head[1] & 0x7F
    if length == 126:
        length = int.from_bytes(exactly(2), "big")
    elif length == 127:
        length = int.from_bytes(exactly(8), "big")
    return head[0] & 0x0F, exactly(length)


def test_a_client_that_does_not_answer_pings_is_closed_with_1011(tmp_path: Path):
    env = sqlite_env(tmp_path)
    with start(env, "--ws-ping-interval", "0.5", "--ws-ping-timeout", "1") as base:
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as sock:
            key = base64.b64encode(os.urandom(16)).decode()
            sock.sendall(
                f"GET /ws/channels/show HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n".encode()
            )
            sock.settimeout(10)  # far beyond the 1.5 s the flags give
            response = b""
            while b"\r\n\r\n" not in response:
                response += sock.recv(1)
            opcodes = []
            while not opcodes or opcodes[-1] != 0x8:  # read (and never answer) until the close
                opcode, payload = read_frame(sock)
                opcodes.append(opcode)

    assert response.startswith(b"HTTP/1.1 101")
    assert opcodes[0] == 0x1  # the snapshot
    assert 0x9 in opcodes  # a ping, not answered
    assert int.from_bytes(payload[:2], "big") == 1011
    assert payload[2:] == b"keepalive ping timeout"
