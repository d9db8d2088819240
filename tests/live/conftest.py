"""A real `festival serve` with the reference festival, real tokens, and a websockets client."""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx2
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from festival.access.tokens import Role
from festival.cli.common import pick_programme
from festival.storage.db import Database
from festival.storage.token_repo import create_token
from tests.conftest import REFERENCE
from tests.servers import MANY_REGISTRATIONS, ROOT, serve, server_environment

Message = dict[str, Any]
WAIT = 10.0  # seconds a test waits for a message before it fails


@dataclass
class Site:
    """A running festival: its base URL and the settings its CLI commands need."""

    base: str
    env: dict[str, str]
    emails: Iterator[int] = field(default_factory=itertools.count)

    @property
    def ws(self) -> str:
        return self.base.replace("http://", "ws://")

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "festival", *args],
            cwd=ROOT,
            env=server_environment(self.env),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout

    def role_token(self, role: str, *channels: str) -> str:
        """A new role token for the festival the CLI would pick, straight in the server's
        store as `festival token create` makes it (its own tests run the command): a
        process per token cost a second each, a hundred times a run. In a thread of its own,
        as the calling test may be running an event loop."""
        channel = ",".join(dict.fromkeys(channels)) or None

        async def create() -> str:
            db = Database(self.env["FESTIVAL_DATABASE_URL"])
            try:
                async with db.session() as session, session.begin():
                    festival = await pick_programme(session, None)
                    _, secret = await create_token(
                        session, festival.slug, cast(Role, role), channel=channel,
                        label="test", now=datetime.now(UTC),
                    )  # fmt: skip
                    return secret
            finally:
                await db.dispose()

        with ThreadPoolExecutor(max_workers=1) as thread:
            return thread.submit(asyncio.run, create()).result()

    def register(self, name: str = "Deelnemer", choices: dict[str, str] | None = None) -> str:
        number = f"{next(self.emails)}-{uuid.uuid4().hex[:8]}"
        response = httpx2.post(
            f"{self.base}/api/registrations",
            json={
                "name": name,
                "email": f"deelnemer{number}@example.org",
                "consent": True,
                "choices": choices or {},
            },
            trust_env=False,
            timeout=10,
        )
        assert response.status_code == 201, response.text
        token: str = response.json()["token"]
        return token

    def url(self, channel: str, token: str | None = None, since: int | None = None) -> str:
        query = []
        if token:
            query.append(f"token={token}")
        if since is not None:
            query.append(f"since={since}")
        return f"{self.ws}/ws/channels/{channel}" + ("?" + "&".join(query) if query else "")


class Client:
    """One websocket connection; collects every message (a batch's one by one, as pages
    take them; `frames` keeps them as they came), answers `ref`s."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.frames: list[Message] = []
        self.messages: list[Message] = []
        self._refs = itertools.count(1)
        self._arrived = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.connection:
            message = json.loads(raw)
            async with self._arrived:
                self.frames.append(message)
                batch = message["events"] if message.get("type") == "events" else [message]
                self.messages += batch
                self._arrived.notify_all()

    async def wait_for(self, match: Callable[[Message], bool], within: float = WAIT) -> Message:
        async def found() -> Message:
            async with self._arrived:
                while True:
                    for message in self.messages:
                        if match(message):
                            return message
                    if self._reader.done():
                        raise AssertionError(f"connection ended; got {self.messages}")
                    await self._arrived.wait()

        return await asyncio.wait_for(found(), within)

    async def send(self, message: Message) -> Message:
        """Send with a fresh `ref`; return the ack or error that answers it."""
        ref = f"r{next(self._refs)}"
        await self.connection.send(json.dumps({**message, "ref": ref}))
        return await self.wait_for(lambda m: m.get("ref") == ref)

    async def event(self, kind: str, **question: Any) -> Message:
        """The first event of `kind` whose question has the given fields."""

        def match(m: Message) -> bool:
            if m.get("type") != "event" or m["event"]["type"] != kind:
                return False
            q = m["event"].get("question") or {}
            return all(q.get(k) == v for k, v in question.items())

        return await self.wait_for(match)

    async def numbered(self, seq: int) -> Message:
        """The event numbered `seq` (not the ack of our own action: it carries the number too)."""
        return await self.wait_for(lambda m: m.get("type") == "event" and m.get("seq") == seq)

    def events(self) -> list[Message]:
        return [m for m in self.messages if m.get("type") == "event"]

    async def close_code(self) -> int | None:
        """Wait for the server to close the connection; the code it gave."""
        await asyncio.wait_for(self.connection.wait_closed(), WAIT)
        return self.connection.close_code

    async def close(self) -> None:
        await self.connection.close()
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)


async def connect(url: str) -> Client:
    # proxy=None: a proxy in the environment must not carry loopback traffic.
    connection = await websockets.connect(url, proxy=None, open_timeout=WAIT)
    return Client(connection)


def sqlite_env(folder: Path) -> dict[str, str]:
    return {
        "FESTIVAL_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'festival.db'}",
        "FESTIVAL_VAR_DIR": str(folder),
        **MANY_REGISTRATIONS,  # a module's tests share one server and register dozens
    }


def cluster_env(postgres_url: str, redis_url: str, folder: Path) -> dict[str, str]:
    """Settings for several instances sharing one PostgreSQL database and Redis, in a
    namespace of their own: other runs on the same Redis use the same festival slug."""
    return {
        "FESTIVAL_DATABASE_URL": postgres_url,
        "FESTIVAL_BROKER_URL": redis_url,
        "FESTIVAL_BROKER_NAMESPACE": f"test-{folder.name}:",
        "FESTIVAL_VAR_DIR": str(folder),
    }


def start(env: dict[str, str], *extra: str) -> Any:
    """`festival serve` with the reference festival moved to today (its Q&A still closed)."""
    return serve("--programme", str(REFERENCE), "--demo", *extra, env=env)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    env = sqlite_env(tmp_path)
    with start(env) as base:
        yield Site(base, env)


@pytest.fixture(scope="module")
def shared_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One server for a module's tests that each make their own attendees and questions."""
    env = sqlite_env(tmp_path_factory.mktemp("site"))
    with start(env) as base:
        yield Site(base, env)
