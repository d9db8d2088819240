"""Giving a place back from a mail link: `GET /me/TOKEN/release/ITEM` only shows the button,
its `POST` frees the place and promotes the next in line at once, with their mail. On SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.storage.tables import OutboxRow
from festival.web.app import create_app
from festival.web.state import AppState
from tests.conftest import REFERENCE
from tests.factories import bearer, festival_file, local, register, registration
from tests.web.conftest import NOW, load_into

BUTTON = '<button type="submit" class="button-danger">Mijn plaats teruggeven</button>'
TITLE = "Huiskamer 1: De Buurvrouw &amp; Buurvrouw Bus"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """As tests/web/conftest.py's, once on SQLite and once on PostgreSQL."""
    return Settings(
        database_url=database_url, var_dir=str(tmp_path), base_url="http://festival.test"
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)  # 09:00 in Amsterdam; round 1 runs 10:30 to 11:30


@pytest.fixture
def client(settings: Settings, clock: FixedClock, tmp_path: Path) -> Iterator[TestClient]:
    """The reference day with one place in huiskamer-1."""
    path = festival_file(tmp_path, REFERENCE, capacity={"huiskamer-1": 1})
    load_into(settings.database_url, path)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


@pytest.fixture
def ann(client: TestClient) -> dict[str, Any]:
    """Ann holds the one place in huiskamer-1."""
    body = registration("Ann", "ann@example.org", choices={"ronde-1": "huiskamer-1"})
    return register(client, body)


@pytest.fixture
def bob(client: TestClient, ann: dict[str, Any]) -> dict[str, Any]:
    """Bob is first in line for it."""
    body = registration("Bob", "bob@example.org", choices={"ronde-1": "huiskamer-1"})
    return register(client, body)


def status(client: TestClient, token: str) -> str | None:
    """The attendee's place in round 1 as `/api/me` tells it: confirmed, waitlisted or None."""
    body = client.get("/api/me", headers=bearer(token)).json()
    entry = body["choices"].get("ronde-1")
    return None if entry is None or entry["session"] is None else str(entry["status"])


def promotions(client: TestClient) -> list[str]:
    """The recipients of the promotion mails in the outbox."""
    state: AppState = client.app_state["festival"]

    async def read() -> list[str]:
        async with state.db.session() as db:
            found = await db.scalars(
                select(OutboxRow.recipient).where(OutboxRow.kind == "promoted")
            )
            return list(found)

    return client.portal.call(read)


def test_opening_the_link_shows_the_button_and_changes_nothing(
    client: TestClient, ann: dict[str, Any], bob: dict[str, Any]
):
    response = client.get(f"/me/{ann['token']}/release/huiskamer-1")

    assert response.status_code == 200
    assert BUTTON in response.text
    assert f"<strong>{TITLE}</strong>" in response.text
    assert f'action="/me/{ann["token"]}/release/huiskamer-1?lang=nl"' in response.text
    assert response.headers["cache-control"] == "no-store"
    assert status(client, ann["token"]) == "confirmed"
    assert status(client, bob["token"]) == "waitlisted"
    assert promotions(client) == []


def test_the_button_frees_the_place_and_promotes_the_next_at_once(
    client: TestClient, ann: dict[str, Any], bob: dict[str, Any]
):
    response = client.post(f"/me/{ann['token']}/release/huiskamer-1")

    assert response.status_code == 200
    assert f"Je plaats in {TITLE} is teruggegeven. Dank je wel!" in response.text
    assert BUTTON not in response.text
    assert status(client, ann["token"]) is None
    assert status(client, bob["token"]) == "confirmed"
    assert promotions(client) == ["bob@example.org"]


def test_a_second_post_says_there_is_no_place_and_changes_nothing(
    client: TestClient, ann: dict[str, Any], bob: dict[str, Any]
):
    client.post(f"/me/{ann['token']}/release/huiskamer-1")
    carol = register(
        client, registration("Carol", "carol@example.org", choices={"ronde-1": "huiskamer-1"})
    )

    response = client.post(f"/me/{ann['token']}/release/huiskamer-1")

    assert response.status_code == 200
    assert f"Je hebt geen plaats in {TITLE} (meer). Er is niets veranderd." in response.text
    assert status(client, bob["token"]) == "confirmed"
    assert status(client, carol["token"]) == "waitlisted"
    assert promotions(client) == ["bob@example.org"]


def test_a_session_never_chosen_says_so(client: TestClient, ann: dict[str, Any]):
    response = client.post(f"/me/{ann['token']}/release/huiskamer-2")

    assert response.status_code == 200
    assert "Er is niets veranderd." in response.text
    assert status(client, ann["token"]) == "confirmed"


def test_a_waitlisted_attendee_leaves_the_waitlist(
    client: TestClient, ann: dict[str, Any], bob: dict[str, Any]
):
    page = client.get(f"/me/{bob['token']}/release/huiskamer-1?lang=en").text
    assert "You are on the waitlist of" in page
    assert '<button type="submit" class="button-danger">Leave the waitlist</button>' in page

    response = client.post(f"/me/{bob['token']}/release/huiskamer-1?lang=en")

    assert "You are no longer on the waitlist of" in response.text
    assert status(client, bob["token"]) is None
    assert status(client, ann["token"]) == "confirmed"


def test_an_english_registration_gets_the_page_in_english(client: TestClient):
    body = registration("Eve", "eve@example.org", language="en", choices={"ronde-1": "huiskamer-3"})
    eve = register(client, body)

    page = client.get(f"/me/{eve['token']}/release/huiskamer-3").text

    assert '<html lang="en">' in page
    assert '<button type="submit" class="button-danger">Give my place back</button>' in page


def test_after_the_round_has_started_nothing_changes(
    client: TestClient, clock: FixedClock, ann: dict[str, Any], bob: dict[str, Any]
):
    clock.set(local(10, 30))

    response = client.post(f"/me/{ann['token']}/release/huiskamer-1")

    assert response.status_code == 422
    assert "Er is niets veranderd." in response.text
    assert status(client, ann["token"]) == "confirmed"
    assert status(client, bob["token"]) == "waitlisted"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_unknown_token_is_not_found(client: TestClient, method: str):
    response = client.request(method, "/me/made-up-token/release/huiskamer-1")

    assert response.status_code == 404


@pytest.mark.parametrize("item", ["plenary", "no-such-session"])
def test_the_plenary_or_an_unknown_item_is_not_found(
    client: TestClient, ann: dict[str, Any], item: str
):
    response = client.post(f"/me/{ann['token']}/release/{item}")

    assert response.status_code == 404
    assert status(client, ann["token"]) == "confirmed"


def test_an_erased_registration_link_is_not_found(client: TestClient, ann: dict[str, Any]):
    client.delete("/api/me", headers=bearer(ann["token"]))

    response = client.get(f"/me/{ann['token']}/release/huiskamer-1")

    assert response.status_code == 404
