"""Sockets of several festivals on one real server (all four schedules in one database): a
public socket names its festival with `?festival=SLUG` (without it: the one `/` shows), and a
socket opened with a token follows the token's festival. A real websockets client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.web.app import create_app
from tests.factories import register, registration, role_token
from tests.live.conftest import Message, connect
from tests.servers import serve
from tests.web.conftest import NOW, load_into
from tests.web.test_editions import ORDER, REFERENCE_SLUG

# On the real clock every schedule is past, so `/` shows the latest: the 2023 congress.
REFERENCE_PLENARY = "Middagprogramma"
CONGRESS_PLENARY = "Plenair programma"


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The server's websocket base, and tokens of the reference day (not the one `/` shows):
    a moderator's, a host's and an attendee's."""
    load_into(database_url, *ORDER)
    settings = Settings(database_url=database_url, var_dir=str(tmp_path))
    with TestClient(create_app(settings, clock=FixedClock(NOW))) as client:
        attendee = register(client, registration(), f"?festival={REFERENCE_SLUG}")["token"]
    tokens = {
        "moderator": role_token(database_url, "moderator", REFERENCE_SLUG)[1],
        "host": role_token(database_url, "host", REFERENCE_SLUG)[1],
        "attendee": attendee,
    }
    env = {"FESTIVAL_DATABASE_URL": database_url, "FESTIVAL_VAR_DIR": str(tmp_path / "var")}
    with serve(env=env) as base:
        yield base.replace("http://", "ws://"), tokens


async def snapshot(url: str) -> Message:
    client = await connect(url)
    try:
        return await client.wait_for(lambda m: m.get("type") in ("snapshot", "error"))
    finally:
        await client.close()


def title(message: Message) -> str:
    assert message["type"] == "snapshot", message
    return str(message["show"]["title"] if message["channel"] == "show" else message["title"])


@pytest.mark.parametrize("channel", ["plenary", "show"])
async def test_a_public_socket_gets_the_festival_it_names_else_the_one_the_front_page_shows(
    site, channel: str
):
    ws, _ = site

    named = await snapshot(f"{ws}/ws/channels/{channel}?festival={REFERENCE_SLUG}")
    unnamed = await snapshot(f"{ws}/ws/channels/{channel}")

    assert title(named) == REFERENCE_PLENARY
    assert title(unnamed) == CONGRESS_PLENARY


@pytest.mark.parametrize(
    ("holder", "channel", "role"),
    [("moderator", "plenary", "moderator"), ("host", "show", "host"),
     ("attendee", "plenary", "audience")],
)  # fmt: skip
async def test_a_socket_opened_with_a_token_follows_the_token_s_festival(
    site, holder: str, channel: str, role: str
):
    ws, tokens = site

    found = await snapshot(f"{ws}/ws/channels/{channel}?token={tokens[holder]}")

    assert (found["role"], title(found)) == (role, REFERENCE_PLENARY)


async def test_a_token_socket_naming_another_festival_is_refused(site):
    ws, tokens = site

    refused = await snapshot(
        f"{ws}/ws/channels/plenary?token={tokens['moderator']}&festival=jaarcongres-sociaal-werk-2023"
    )

    assert (refused["type"], refused["code"]) == ("error", "auth.forbidden")
