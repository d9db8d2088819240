"""Two `festival serve` instances on PostgreSQL and Redis behind a real nginx running
deploy/nginx.conf, as docs/deployment.md sets them up: a pick made on one instance reaches
viewers held by the other, and registrations are counted per client address nginx forwards,
shared by both instances."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from tests.conftest import REDIS_URL, REFERENCE, fresh_postgres, need_nginx, need_redis
from tests.live.conftest import Site, connect
from tests.proxy import nginx
from tests.servers import serve

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
LIMIT = 2
"""Registrations one client address may make an hour, in this module's cluster."""


@dataclass(frozen=True)
class Cluster:
    proxy: Site  # the site as visitors reach it: through nginx
    instances: list[Site]
    logs: list[Path]  # each instance's standard error (where uvicorn logs handshakes)


@pytest.fixture(scope="module")
def festival(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two instances and nginx, shared by this module's tests (starting them takes seconds)."""
    need_nginx()
    need_redis()
    folder = tmp_path_factory.mktemp("cluster")
    with fresh_postgres() as postgres_url, ExitStack() as stack:
        env = {
            "FESTIVAL_DATABASE_URL": postgres_url,
            "FESTIVAL_BROKER_URL": REDIS_URL,
            # Its own namespace: other runs on the same Redis use the same festival slug.
            "FESTIVAL_BROKER_NAMESPACE": f"test-{folder.name}-{uuid.uuid4().hex[:8]}:",
            "FESTIVAL_VAR_DIR": str(folder),
            # nginx reaches the instances from this address (docs/deployment.md).
            "FESTIVAL_TRUSTED_PROXIES": "127.0.0.1",
            "FESTIVAL_RATE_REGISTRATIONS_PER_ADDRESS": f"{LIMIT}/hour",
            # The websocket handshakes are logged, so a test can see which instance took one.
            "FESTIVAL_LOG_LEVEL": "info",
        }
        logs = [folder / "a.err", folder / "b.err"]
        bases = [
            stack.enter_context(serve("--programme", str(REFERENCE), "--demo", env=env, stderr=log))
            for log in logs
        ]
        proxy = stack.enter_context(nginx([base.removeprefix("http://") for base in bases]))
        yield Cluster(Site(proxy.base, env), [Site(base, env) for base in bases], logs)


def register_from(site: Site, client: str, email: str, **headers: str) -> int:
    """POST a registration with the connection coming from `client` (an address of the
    loopback network, 127.0.0.0/8), as a visitor's would from theirs."""
    transport = httpx2.HTTPTransport(local_address=client)
    with httpx2.Client(transport=transport, trust_env=False, timeout=10) as http:
        response = http.post(
            f"{site.base}/api/registrations",
            json={"name": "Deelnemer", "email": email, "consent": True, "choices": {}},
            headers=headers,
        )
    return response.status_code


async def test_a_pick_on_one_instance_reaches_viewers_on_the_other(festival: Cluster):
    # The question is asked and approved on instance A directly.
    a = festival.instances[0]
    token = a.role_token("moderator", "plenary")
    moderator = await connect(a.url("plenary", token))
    asker = await connect(a.url("plenary", a.register("Vrager")))
    assert (await moderator.send({"type": "moderate", "action": "open"}))["type"] == "ack"
    question = (await asker.send({"type": "ask", "text": "Hoe houden we dit vol?"}))["question_id"]
    await moderator.send({"type": "moderate", "action": "approve", "question_id": question})
    # Viewers through nginx: it spreads them over both instances (least_conn).
    viewers = [await connect(festival.proxy.url("plenary")) for _ in range(4)]
    for viewer in viewers:
        await viewer.wait_for(lambda m: m["type"] == "snapshot")
    picker = await connect(festival.proxy.url("plenary", token))
    picked = await picker.send({"type": "moderate", "action": "pick", "question_id": question})
    assert picked["type"] == "ack", picked

    seen = await asyncio.gather(*(v.event("question.picked", id=question) for v in viewers))
    assert [m["seq"] for m in seen] == [picked["seq"]] * len(viewers)
    for client in (*viewers, picker, asker, moderator):
        await client.close()
    # The picker's handshake (a token, redacted) is in the log of the instance that took it;
    # viewers on the other instance saw the pick only because it crossed over Redis.
    said = [log.read_text() for log in festival.logs]
    tokens = [text.count('"WebSocket /ws/channels/plenary?token=[redacted]"') for text in said]
    watched = [text.count('"WebSocket /ws/channels/plenary" [accepted]') for text in said]
    # A holds the first moderator and the asker too: B shows a token only if it took the pick.
    assert sum(tokens) == 3, tokens
    assert tokens[1] in (0, 1), tokens
    other = 0 if tokens[1] == 1 else 1
    assert sum(watched) == len(viewers), watched
    assert watched[other] >= 1, watched


def test_registrations_are_counted_per_address_nginx_forwards(festival: Cluster):
    # One visitor's registrations: nginx hands them to either instance, and the instances
    # count them together in Redis.
    allowed = [
        register_from(festival.proxy, "127.0.0.2", f"bezoeker{n}@example.org") for n in range(LIMIT)
    ]
    over = register_from(festival.proxy, "127.0.0.2", "nog-een@example.org")
    # Naming another address does not help: nginx replaces X-Forwarded-For.
    spoofed = register_from(
        festival.proxy, "127.0.0.2", "vermomd@example.org", **{"X-Forwarded-For": "203.0.113.9"}
    )
    # Another visitor behind the same proxy still gets in.
    other = register_from(festival.proxy, "127.0.0.3", "ander@example.org")

    assert allowed == [201] * LIMIT
    assert (over, spoofed, other) == (429, 429, 201)
