"""Rate limits over real sockets against a real `festival serve`: registrations per client
address and per mailbox answer 429 with Retry-After, in Dutch or English; live messages are
counted per token over the websocket and the HTTP action endpoints together; a token holds a
limited number of live connections; with Redis, two instances share the counts.

The limits are set low (per hour) in each test, so no test depends on how fast it runs."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from click.testing import CliRunner
from limits import parse

from festival.cli import main
from festival.web.limits import LocalWindows, mailbox
from tests.live.conftest import WAIT, Client, Site, connect, sqlite_env, start

HOUR = 3600


@contextmanager
def site_with(tmp_path: Path, **settings: str) -> Iterator[Site]:
    env = {**sqlite_env(tmp_path), **{f"FESTIVAL_{k.upper()}": v for k, v in settings.items()}}
    with start(env) as base:
        yield Site(base, env)


def register(site: Site, email: str, *, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.post(
        f"{site.base}/api/registrations",
        json={"name": "Deelnemer", "email": email, "consent": True, "choices": {}},
        headers=headers or {},
        trust_env=False,
        timeout=10,
    )


def registered(site: Site) -> list[str]:
    """The addresses the organiser sees registered."""
    token = site.role_token("admin")
    response = httpx2.get(
        f"{site.base}/api/admin/registrations",
        headers={"Authorization": f"Bearer {token}"},
        trust_env=False,
        timeout=10,
    )
    return sorted(r["email"] for r in response.json()["registrations"])


def retry_after(response: httpx2.Response) -> int:
    """The 429's wait, checked to agree between header and body and to be within the hour."""
    assert response.status_code == 429, response.text
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= HOUR
    error = response.json()["error"]
    assert error["retry_after"] == seconds
    return seconds


def test_mailbox_ignores_case_and_plus_tags():
    assert mailbox(" Anna+Festival@Example.org ") == "anna@example.org"
    assert mailbox("anna+a+b@example.org") == "anna@example.org"
    assert mailbox("bob@example.org") == "bob@example.org"


async def test_a_moving_window_lets_hits_through_again_as_its_oldest_hits_leave_it():
    windows, rule = LocalWindows(), parse("2/second")
    assert [await windows.hit(rule, "k") for _ in range(3)] == [True, True, False]
    assert await windows.hit(rule, "other key")
    reset = (await windows.get_window_stats(rule, "k")).reset_time
    assert 0 < reset - time.time() <= 1
    await asyncio.sleep(max(0.0, reset - time.time()) + 0.05)  # the oldest hit has left it
    assert [await windows.hit(rule, "k") for _ in range(3)] == [True, True, False]


def test_registrations_from_one_address_are_limited_with_retry_after(tmp_path: Path):
    with site_with(tmp_path, rate_registrations_per_address="3/hour") as site:
        first = [register(site, f"persoon{n}@example.org").status_code for n in range(3)]
        refused = register(site, "persoon3@example.org")
        # Another address in X-Forwarded-For does not help: no proxy is trusted.
        spoofed = register(site, "persoon4@example.org", headers={"X-Forwarded-For": "203.0.113.9"})
        dutch = register(site, "persoon5@example.org", headers={"Accept-Language": "nl-NL"})
        form = httpx2.post(
            f"{site.base}/register",
            data={"name": "Formulier", "email": "formulier@example.org", "consent": "yes"},
            trust_env=False,
            timeout=10,
        )
        stored = registered(site)

    assert first == [201, 201, 201]
    retry_after(refused)
    assert refused.json()["error"]["code"] == "registration.rate_limited"
    assert refused.json()["error"]["message"].startswith(
        "Too many registrations came from this address or for this e-mail address. "
        "Please try again in "
    )
    retry_after(spoofed)
    retry_after(dutch)
    assert dutch.json()["error"]["message"].startswith(
        "Er kwamen te veel aanmeldingen van dit adres of voor dit e-mailadres. Probeer het over "
    )
    assert form.status_code == 429
    assert 1 <= int(form.headers["Retry-After"]) <= HOUR
    assert "<h1>Even geduld</h1>" in form.text
    assert "Probeer het over " in form.text
    assert stored == [f"persoon{n}@example.org" for n in range(3)]


def test_plus_addresses_count_as_one_mailbox(tmp_path: Path):
    with site_with(tmp_path, rate_registrations_per_email="2/hour") as site:
        codes = [
            register(site, address).status_code
            for address in ("anna@example.org", "Anna+twee@example.org")
        ]
        third = register(site, "anna+drie@EXAMPLE.org")
        again = register(site, "anna@example.org")  # would mail the link once more
        other = register(site, "bob@example.org")
        stored = registered(site)

    assert codes == [201, 201]
    retry_after(third)
    retry_after(again)
    assert other.status_code == 201
    assert sorted(e.casefold() for e in stored) == [
        "anna+twee@example.org",
        "anna@example.org",
        "bob@example.org",
    ]


def test_a_trusted_proxy_names_the_client(tmp_path: Path):
    with site_with(
        tmp_path, rate_registrations_per_address="1/hour", trusted_proxies="127.0.0.1"
    ) as site:

        def behind_proxy(email: str, client: str) -> int:
            return register(site, email, headers={"X-Forwarded-For": client}).status_code

        codes = [
            behind_proxy("een@example.org", "203.0.113.5"),
            behind_proxy("twee@example.org", "203.0.113.5"),
            behind_proxy("drie@example.org", "203.0.113.6"),
        ]

    assert codes == [201, 429, 201]


def post_action(site: Site, path: str, token: str, message: dict[str, Any]) -> httpx2.Response:
    return httpx2.post(
        f"{site.base}{path}",
        json=message,
        headers={"Authorization": f"Bearer {token}"},
        trust_env=False,
        timeout=10,
    )


async def test_http_actions_and_websocket_messages_share_one_limit_per_token(tmp_path: Path):
    with site_with(tmp_path, rate_live_messages="5/hour") as site:
        moderator = site.role_token("moderator", "plenary")
        actions = "/api/channels/plenary/actions"
        opened = post_action(site, actions, moderator, {"type": "moderate", "action": "open"})
        assert opened.status_code == 200, opened.text
        token = site.register("Stemmer")
        asked = post_action(site, actions, token, {"type": "ask", "text": "Een vraag"})
        assert asked.status_code == 201, asked.text
        question = asked.json()["question_id"]
        approve = {"type": "moderate", "action": "approve", "question_id": question}
        assert post_action(site, actions, moderator, approve).status_code == 200
        vote = {"type": "vote", "question_id": question}
        unvote = {**vote, "withdraw": True}
        votes = [post_action(site, actions, token, m).status_code for m in (vote, unvote)]
        socket = await connect(site.url("plenary", token))
        pongs = [(await socket.send({"type": "ping"}))["type"] for _ in range(2)]
        over_http = post_action(site, actions, token, vote)
        over_socket = await socket.send({"type": "ping"})
        await socket.close()
        form = httpx2.post(  # the page's form post, without JavaScript
            f"{site.base}/me/{token}/questions/plenary",
            data={"text": "Nog een vraag"},
            trust_env=False,
            timeout=10,
        )
        host = site.role_token("host")
        show = [
            post_action(site, "/api/show/actions", host, {"type": "host", "action": "pause"})
            for _ in range(6)
        ]
        # The moderator's own token was counted apart: three of its five used.
        still = post_action(site, actions, moderator, {"type": "moderate", "action": "close"})

    assert votes == [200, 200]
    assert pongs == ["pong", "pong"]  # five messages: ask, vote, unvote, two pings
    retry_after(over_http)
    assert over_http.json()["error"]["code"] == "message.rate_limited"
    assert over_socket["type"] == "error"
    assert over_socket["code"] == "message.rate_limited"
    assert 1 <= over_socket["retry_after"] <= HOUR
    assert form.status_code == 429
    assert "Te veel tegelijk; wacht even en probeer het opnieuw." in form.text
    assert [r.status_code == 429 for r in show] == [False] * 5 + [True]
    retry_after(show[-1])
    assert still.status_code == 200


async def connected(site: Site, token: str | None) -> Client:
    """A connection that got its snapshot (it was let in)."""
    client = await connect(site.url("plenary", token))
    await client.wait_for(lambda m: m["type"] == "snapshot")
    return client


async def refused_with(site: Site, token: str) -> tuple[dict[str, Any], int | None]:
    client = await connect(site.url("plenary", token))
    error = await client.wait_for(lambda m: m["type"] == "error")
    code = await client.close_code()
    await client.close()
    return error, code


async def test_a_token_holds_a_limited_number_of_live_connections(tmp_path: Path):
    with site_with(tmp_path, live_connections_per_token="2") as site:
        token = site.register("Veel tabbladen")
        tabs = [await connected(site, token) for _ in range(2)]
        error, code = await refused_with(site, token)
        public = [await connected(site, None) for _ in range(3)]  # no token: not counted
        other = await connected(site, site.register("Iemand anders"))
        await tabs[0].close()
        # Once the server has seen the first tab go, a new one is let in again.
        deadline = time.monotonic() + WAIT
        while True:
            client = await connect(site.url("plenary", token))
            first = await client.wait_for(lambda m: m["type"] in ("snapshot", "error"))
            if first["type"] == "snapshot" or time.monotonic() > deadline:
                break
            await client.close()
        for each in (tabs[1], *public, other, client):
            await each.close()

    assert (error["code"], code) == ("connection.rate_limited", 4429)
    assert "2 live connections" in error["message"]
    assert first["type"] == "snapshot"


@pytest.mark.postgres
@pytest.mark.redis
async def test_two_instances_share_the_limits_through_redis(
    postgres_url: str, redis_url: str, tmp_path: Path
):
    env = {
        "FESTIVAL_DATABASE_URL": postgres_url,
        "FESTIVAL_BROKER_URL": redis_url,
        # Its own namespace: earlier runs on the same Redis counted under other keys.
        "FESTIVAL_BROKER_NAMESPACE": f"test-{uuid.uuid4().hex}:",
        "FESTIVAL_VAR_DIR": str(tmp_path),
        "FESTIVAL_RATE_REGISTRATIONS_PER_ADDRESS": "2/hour",
        "FESTIVAL_RATE_LIVE_MESSAGES": "3/hour",
    }
    with start(env) as base_a, start(env) as base_b:
        a, b = Site(base_a, env), Site(base_b, env)
        codes = [register(site, f"p{n}@example.org").status_code for n, site in enumerate((a, b))]
        third_on_a = register(a, "p2@example.org")
        third_on_b = register(b, "p3@example.org")
        token = a.role_token("moderator", "plenary")
        on_a = await connected(a, token)
        on_b = await connected(b, token)
        replies = [
            (await client.send({"type": "ping"}))["type"] for client in (on_a, on_b, on_a, on_b)
        ]
        for client in (on_a, on_b):
            await client.close()

    assert codes == [201, 201]
    retry_after(third_on_a)
    retry_after(third_on_b)
    assert replies == ["pong", "pong", "pong", "error"]


def test_a_rule_that_cannot_be_read_stops_serve_at_start(tmp_path: Path):
    env = {**sqlite_env(tmp_path), "FESTIVAL_RATE_LIVE_MESSAGES": "many"}

    result = CliRunner(env=env).invoke(main, ["serve", "--port", "1"])

    assert result.exit_code == 2
    assert "FESTIVAL_RATE_LIVE_MESSAGES must be rules like `10/minute;60/hour`, got 'many'" in (
        result.output
    )
