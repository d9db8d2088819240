"""Reconnect storms: connecting asks the store nothing it need not, loses no one, and still
hears of every revocation and programme reload at once (docs/live-protocol.md, "Reconnect
storms")."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx2
import pytest
import websockets
from sqlalchemy import event
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.web.app import create_app
from tests.conftest import REFERENCE
from tests.live.conftest import WAIT, Site, cluster_env, connect, sqlite_env, start
from tests.web.conftest import NOW, load_into

BURST = 200


CONNECTION_TASKS = ("anyio.from_thread", "hub ", "snapshot ")
"""Names of the tasks that do a connection's work: the test client runs each connection in
a task of its portal; the hub's room and its shared snapshot have their own. The app's
background work (the scheduler's jobs, the mail sender) runs in tasks of other names."""


@contextmanager
def connection_queries(client: TestClient) -> Iterator[list[str]]:
    """Every statement the app's engines run meanwhile for connections, as sent."""
    database = client.app_state["festival"].db
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        task = asyncio.current_task()
        if task is not None and task.get_name().startswith(CONNECTION_TASKS):
            statements.append(statement)

    engines = {database.engine.sync_engine, database.write_engine.sync_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", note)


def test_public_viewers_connecting_ask_the_store_nothing(sqlite_url: str, tmp_path: Path):
    load_into(sqlite_url, REFERENCE)
    settings = Settings(database_url=sqlite_url, var_dir=str(tmp_path))
    app = create_app(settings, clock=FixedClock(NOW))
    # The first viewers of each channel: the festival and the channels are read once.
    with (
        TestClient(app) as client,
        connection_queries(client) as warming,
        client.websocket_connect("/ws/channels/plenary") as first,
        client.websocket_connect("/ws/channels/show") as watching,
    ):
        warm = first.receive_json()
        show_first = watching.receive_json()
        with connection_queries(client) as statements:
            snapshots = []
            for _ in range(5):
                with client.websocket_connect("/ws/channels/plenary") as socket:
                    snapshots.append(socket.receive_json())
            with client.websocket_connect("/ws/channels/show") as show:
                show_again = show.receive_json()

    assert warming != []
    assert statements == []
    assert snapshots == [warm] * 5
    assert (warm["type"], warm["role"], warm["server_time"]) == (
        "snapshot",
        "audience",
        NOW.isoformat(),
    )
    assert warm["you"] == {"role": "audience", "name": "", "may_ask": False}
    assert show_again == show_first
    assert (show_first["type"], show_first["role"]) == ("snapshot", "public")


async def _snapshot_with_retries(url: str) -> tuple[dict[str, Any], list[int]]:
    """What a browser does (templates/static/live.js): connect; on 1013 try again after a
    pause. Returns the snapshot and the close codes met before it."""
    closes: list[int] = []
    for attempt in range(6):
        async with websockets.connect(url, proxy=None, open_timeout=60) as connection:
            first = json.loads(await asyncio.wait_for(connection.recv(), 60))
            if first["type"] == "snapshot":
                return first, closes
            assert first["code"] == "live.busy", first
            await connection.wait_closed()
            assert connection.close_code is not None
            closes.append(connection.close_code)
        assert closes[-1] == 1013
        await asyncio.sleep(0.2 * 2**attempt)
    raise AssertionError(f"no snapshot after {closes}")


async def test_a_burst_of_viewers_opening_at_once_loses_no_one(site: Site):
    token = site.register("Vrager")  # and attendees with their link among the crowd
    urls = [site.url("plenary")] * (BURST - 20) + [site.url("plenary", token)] * 20

    outcomes = await asyncio.gather(*(_snapshot_with_retries(url) for url in urls))

    assert [s["type"] for s, _ in outcomes] == ["snapshot"] * BURST
    assert {c for _, closes in outcomes for c in closes} <= {1013}
    assert {s["you"]["name"] for s, _ in outcomes} == {"", "Vrager"}


@pytest.mark.postgres
async def test_a_store_too_slow_to_answer_refuses_with_1013_then_lets_in(
    postgres_url: str, tmp_path: Path
):
    env = {
        "FESTIVAL_DATABASE_URL": postgres_url,
        "FESTIVAL_VAR_DIR": str(tmp_path),
        "FESTIVAL_LIVE_CONNECT_SECONDS": "0.5",
    }
    with start(env) as base:
        site = Site(base, env)
        token = site.register("Geduldig")
        # Another transaction holds the token table: a look-up of the token waits behind it.
        blocker = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg", "postgresql"))
        try:
            lock = blocker.transaction()
            await lock.start()
            await blocker.execute("LOCK TABLE tokens IN ACCESS EXCLUSIVE MODE")
            refused = await connect(site.url("plenary", token))
            error = await refused.wait_for(lambda m: m["type"] == "error")
            code = await refused.close_code()
            await refused.close()
            await lock.rollback()
        finally:
            await blocker.close()
        snapshot, closes = await _snapshot_with_retries(site.url("plenary", token))

    assert (error["code"], error["retry_after"], code) == ("live.busy", 1, 1013)
    assert (snapshot["you"]["name"], closes) == ("Geduldig", [])


async def test_a_link_replaced_is_refused_at_once_on_new_and_open_connections(site: Site):
    token = site.register("Wisselaar")
    opened = await connect(site.url("plenary", token))
    await opened.wait_for(lambda m: m["type"] == "snapshot")  # its grant is remembered now

    replaced = httpx2.post(
        f"{site.base}/api/me/link",
        headers={"Authorization": f"Bearer {token}"},
        trust_env=False,
        timeout=WAIT,
    )
    again = await connect(site.url("plenary", token))
    refused = await again.wait_for(lambda m: m["type"] == "error")
    asked = await opened.send({"type": "ask", "text": "Mag dit nog?"})
    new = await connect(site.url("plenary", replaced.json()["token"]))
    snapshot = await new.wait_for(lambda m: m["type"] == "snapshot")

    assert (refused["code"], await again.close_code()) == ("auth.invalid", 4401)
    assert (asked["type"], asked["code"]) == ("error", "auth.invalid")
    assert snapshot["you"]["name"] == "Wisselaar"
    for client in (opened, again, new):
        await client.close()


@pytest.mark.postgres
async def test_a_link_replaced_on_one_instance_stops_votes_on_another_without_a_broker(
    postgres_url: str, tmp_path: Path
):
    # No bus tells instance B of the new link: its votes are refused all the same, since each
    # is checked in the transaction that would store it.
    env = {"FESTIVAL_DATABASE_URL": postgres_url, "FESTIVAL_VAR_DIR": str(tmp_path)}
    with start(env) as base_a, start(env) as base_b:
        a, b = Site(base_a, env), Site(base_b, env)
        token = a.register("Tweemaal")
        opened = await connect(b.url("plenary", token))
        await opened.wait_for(lambda m: m["type"] == "snapshot")
        replaced = httpx2.post(
            f"{a.base}/api/me/link",
            headers={"Authorization": f"Bearer {token}"},
            trust_env=False,
            timeout=WAIT,
        )
        voted = await opened.send({"type": "vote", "question_id": "q1"})
        asked = await opened.send({"type": "ask", "text": "Nog steeds hier?"})
        await opened.close()

    assert replaced.status_code == 200
    assert (voted["type"], voted["code"]) == ("error", "auth.invalid")
    assert (asked["type"], asked["code"]) == ("error", "auth.invalid")


@pytest.mark.postgres
@pytest.mark.redis
async def test_a_revocation_reaches_every_instance_at_once(
    postgres_url: str, redis_url: str, tmp_path: Path
):
    env = cluster_env(postgres_url, redis_url, tmp_path)
    with start(env) as base_a, start(env) as base_b:
        a, b = Site(base_a, env), Site(base_b, env)
        token = a.role_token("moderator", "plenary")
        for site in (a, b):  # each instance remembers the token's grant
            welcome = await connect(site.url("plenary", token))
            await welcome.wait_for(lambda m: m["type"] == "snapshot")
            await welcome.close()
        token_id = a.cli("token", "list").strip().splitlines()[-1].split("\t")[0]
        a.cli("token", "revoke", token_id)
        refusals = []
        for site in (a, b):
            client = await connect(site.url("plenary", token))
            error = await client.wait_for(lambda m: m["type"] == "error")
            refusals.append((error["code"], await client.close_code()))
            await client.close()

    assert refusals == [("auth.invalid", 4401)] * 2


@pytest.mark.redis
async def test_a_reloaded_programme_reaches_new_connections_at_once(redis_url: str, tmp_path: Path):
    env = {
        **sqlite_env(tmp_path),
        "FESTIVAL_BROKER_URL": redis_url,
        "FESTIVAL_BROKER_NAMESPACE": f"test-{tmp_path.name}:",
    }
    renamed = tmp_path / "renamed.toml"
    text = REFERENCE.read_text(encoding="utf-8")
    renamed.write_text(text.replace('title = "Middagprogramma"', 'title = "Middag"'), "utf-8")
    with start(env) as base:
        site = Site(base, env)
        before = await connect(site.url("plenary"))
        first = await before.wait_for(lambda m: m["type"] == "snapshot")
        site.cli("load", str(renamed), "--demo")
        after = await connect(site.url("plenary"))
        second = await after.wait_for(lambda m: m["type"] == "snapshot")
        for client in (before, after):
            await client.close()

    assert (first["title"], second["title"]) == ("Middagprogramma", "Middag")
