"""The server around the app: an error answers and keeps the connection, logged once; a
request head that never completes is cut off at the documented time.

The error test runs uvicorn in this process on a socket the test opened (so a request can be
sent before the server is up: it waits in the socket's backlog) with the service's own app,
plus one route that raises, standing in for any bug."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import uvicorn
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from festival.config import Settings
from festival.web.app import create_app
from festival.web.server import REQUEST_BODY_SECONDS, REQUEST_HEAD_SECONDS, uvicorn_options
from tests.servers import serve

PROGRAMME = "schedules/agenda-sociaal-werk-2020.toml"


async def fail(request: Request) -> Response:
    raise RuntimeError("a bug somewhere below")


@asynccontextmanager
async def uvicorn_on(settings: Settings) -> AsyncIterator[tuple[str, int]]:
    app = create_app(settings)
    app.router.routes.append(Route("/api/fails", fail))
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    config = uvicorn.Config(app, log_config=None, **uvicorn_options(settings))
    server = uvicorn.Server(config)
    running = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        yield listening.getsockname()
    finally:
        server.should_exit = True
        await running
        listening.close()


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str
) -> tuple[int, bytes]:
    """One GET on an open connection; its status and body."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: festival.test\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if line)
    body = await reader.readexactly(int(headers["content-length"]))
    return int(lines[0].split()[1]), body


async def test_an_error_answers_500_keeps_the_connection_and_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'f.db'}", var_dir=str(tmp_path)
    )
    caplog.set_level(logging.INFO)
    async with uvicorn_on(settings) as (host, port):
        reader, writer = await asyncio.open_connection(host, port)
        failed = await asyncio.wait_for(exchange(reader, writer, "/api/fails"), 30)
        after = await asyncio.wait_for(exchange(reader, writer, "/healthz"), 30)
        writer.close()
        await writer.wait_closed()

    assert failed == (500, b'{"error":{"code":"internal","message":"internal error"}}')
    assert after == (200, b'{"status":"ok"}')
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == ["unhandled error on GET /api/fails"]
    assert errors[0].exc_info is not None  # with its traceback


def read_until_closed(conn: socket.socket, within: float) -> bytes:
    conn.settimeout(within)
    received = b""
    while chunk := conn.recv(4096):
        received += chunk
    return received


def test_a_request_that_never_completes_is_closed(tmp_path: Path):
    env = {"FESTIVAL_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'f.db'}"}
    with serve("--programme", PROGRAMME, env=env) as base:
        host, port = base.removeprefix("http://").split(":")
        with (
            socket.create_connection((host, int(port))) as silent,
            socket.create_connection((host, int(port))) as halfway,
            socket.create_connection((host, int(port))) as no_body,
        ):
            halfway.sendall(b"GET /api/programme HTTP/1.1\r\nHost: festival.test\r\nX-Wait")
            no_body.sendall(
                b"POST /api/registrations HTTP/1.1\r\nHost: festival.test\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                b'{"name": "'
            )
            # Each is closed by the server; a read that waits longer than documented fails
            # with a timeout instead.
            answered = read_until_closed(halfway, REQUEST_HEAD_SECONDS + 5)
            silence = read_until_closed(silent, 5)
            cut = read_until_closed(no_body, REQUEST_BODY_SECONDS + 5)

    assert answered.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert silence.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert cut == b""  # the app was reading the body: no answer, the connection ends
