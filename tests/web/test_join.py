"""Personal join links, `/join/TOKEN/ITEM`, on SQLite and PostgreSQL with a controlled clock:
the page before the window, the redirect inside it (recorded as attendance), the page after
it, and refusals."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from festival.attendance import Joined
from festival.clock import FixedClock
from festival.config import Settings
from festival.storage.attendance_repo import AttendanceSql
from festival.storage.db import Database
from festival.web.app import create_app
from tests.conftest import REFERENCE
from tests.factories import (
    admin_token,
    bearer,
    festival_file,
    local,
    register,
    registration,
    without_session,
)
from tests.web.conftest import NOW, load_into

ZOOM_1 = "https://zoom.example.org/huiskamer-1"
STREAM = "https://stream.example.org/agenda-sociaal-werk-2020"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url, var_dir=str(tmp_path), base_url="http://festival.test"
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)  # 09:00 in Amsterdam; huiskamer-1 runs 10:30 to 11:30


@pytest.fixture
def client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    load_into(settings.database_url, REFERENCE)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


@pytest.fixture
def ann(client: TestClient) -> dict[str, Any]:
    """Ann, registered for huiskamer-1 (round 1)."""
    return register(client, registration(choices={"ronde-1": "huiskamer-1"}))


def joins(database_url: str, registration_id: int) -> list[Joined]:
    async def go() -> list[Joined]:
        db = Database(database_url)
        try:
            async with db.session() as session:
                return await AttendanceSql(session).joins(registration_id)
        finally:
            await db.dispose()

    return asyncio.run(go())


def use(client: TestClient, token: str, item: str, **params: str) -> Any:
    return client.get(f"/join/{token}/{item}", params=params, follow_redirects=False)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("nl", "De link opent op donderdag 19 november 2020 om 10:15."),
        ("en", "The link opens on Thursday 19 November 2020 at 10:15."),
    ],
)
def test_before_the_window_a_page_says_when_the_link_opens(
    client: TestClient, clock: FixedClock, language: str, text: str
):
    ann = register(client, registration(language=language, choices={"ronde-1": "huiskamer-1"}))
    clock.set(local(10, 14, 59))

    response = use(client, ann["token"], "huiskamer-1")

    assert response.status_code == 200
    assert response.template.name == "attendance/join.html"
    assert response.context["page"].decision.outcome == "not_yet"
    assert f'<html lang="{language}">' in response.text
    assert text in response.text
    assert "<h1>Huiskamer 1: De Buurvrouw &amp; Buurvrouw Bus</h1>" in response.text
    assert ZOOM_1 not in response.text
    assert response.headers["cache-control"] == "no-store"


def test_inside_the_window_it_leads_to_the_session_and_records_the_first_and_last_join(
    client: TestClient, clock: FixedClock, settings: Settings, ann: dict[str, Any]
):
    clock.set(local(10, 15))
    first = use(client, ann["token"], "huiskamer-1")
    clock.set(local(10, 50))
    again = use(client, ann["token"], "huiskamer-1")

    assert (first.status_code, first.headers["location"]) == (302, ZOOM_1)
    assert (again.status_code, again.headers["location"]) == (302, ZOOM_1)
    assert first.headers["referrer-policy"] == "no-referrer"
    assert joins(settings.database_url, ann["id"]) == [
        Joined("huiskamer-1", local(10, 15), local(10, 50))
    ]


def test_a_look_without_joining_records_nothing(
    client: TestClient, clock: FixedClock, settings: Settings, ann: dict[str, Any]
):
    clock.set(local(10, 20))

    looked = client.head(f"/join/{ann['token']}/huiskamer-1", follow_redirects=False)

    assert (looked.status_code, looked.headers["location"]) == (302, ZOOM_1)
    assert joins(settings.database_url, ann["id"]) == []


def test_after_the_end_a_page_says_it_has_ended(
    client: TestClient, clock: FixedClock, settings: Settings, ann: dict[str, Any]
):
    clock.set(local(11, 30))

    response = use(client, ann["token"], "huiskamer-1", lang="en")

    assert response.status_code == 200
    assert response.context["page"].decision.outcome == "ended"
    assert "Huiskamer 1: De Buurvrouw &amp; Buurvrouw Bus has ended." in response.text
    assert ZOOM_1 not in response.text
    assert joins(settings.database_url, ann["id"]) == []


def test_a_session_without_a_place_is_forbidden(
    client: TestClient, clock: FixedClock, settings: Settings, ann: dict[str, Any]
):
    clock.set(local(10, 20))

    response = use(client, ann["token"], "huiskamer-2")

    assert response.status_code == 403
    assert "zoom.example.org" not in response.text
    assert joins(settings.database_url, ann["id"]) == []


def test_a_place_on_the_waitlist_is_forbidden(database_url: str, tmp_path: Path):
    settings = Settings(database_url=database_url, var_dir=str(tmp_path), base_url="http://f.test")
    load_into(database_url, festival_file(tmp_path, REFERENCE, capacity={"huiskamer-1": 1}))
    clock = FixedClock(NOW)
    with TestClient(create_app(settings, clock=clock)) as client:
        register(client, registration("Ann", "ann@example.org", choices={"ronde-1": "huiskamer-1"}))
        bob = register(
            client, registration("Bob", "bob@example.org", choices={"ronde-1": "huiskamer-1"})
        )
        clock.set(local(10, 20))
        response = use(client, bob["token"], "huiskamer-1")

    assert response.status_code == 403


def test_an_unknown_token_a_role_token_or_an_unknown_item_is_not_found(
    client: TestClient, clock: FixedClock, settings: Settings, ann: dict[str, Any]
):
    _, admin = admin_token(settings.database_url)
    clock.set(local(10, 20))

    assert use(client, "not-a-token", "huiskamer-1").status_code == 404
    assert use(client, admin, "plenary").status_code == 404
    assert use(client, ann["token"], "huiskamer-99").status_code == 404


def test_a_renewed_link_leaves_the_old_token_dead(
    client: TestClient, clock: FixedClock, ann: dict[str, Any]
):
    renewed = client.post("/api/me/link", headers=bearer(ann["token"])).json()["token"]
    clock.set(local(10, 20))

    assert use(client, ann["token"], "huiskamer-1").status_code == 404
    assert use(client, renewed, "huiskamer-1").headers["location"] == ZOOM_1


def test_an_erased_registration_has_no_join_link(
    client: TestClient, clock: FixedClock, ann: dict[str, Any]
):
    assert client.delete("/api/me", headers=bearer(ann["token"])).status_code == 204
    clock.set(local(10, 20))

    assert use(client, ann["token"], "huiskamer-1").status_code == 404


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("nl", "Huiskamer 1: De Buurvrouw &amp; Buurvrouw Bus gaat niet door."),
        ("en", "Huiskamer 1: De Buurvrouw &amp; Buurvrouw Bus has been cancelled."),
    ],
)
def test_a_cancelled_session_says_so(database_url: str, tmp_path: Path, language: str, text: str):
    settings = Settings(database_url=database_url, var_dir=str(tmp_path), base_url="http://f.test")
    load_into(database_url, REFERENCE)
    clock = FixedClock(NOW)
    with TestClient(create_app(settings, clock=clock)) as client:
        body = registration(language=language, choices={"ronde-1": "huiskamer-1"})
        ann = register(client, body)
        load_into(database_url, without_session(tmp_path, REFERENCE, "huiskamer-1"))
        clock.set(local(10, 20))  # inside huiskamer-1's window, had it stayed
        response = use(client, ann["token"], "huiskamer-1")

    assert response.status_code == 200
    assert text in response.text
    assert ZOOM_1 not in response.text
    assert joins(database_url, ann["id"]) == []


def act(client: TestClient, host: dict[str, str], action: str, **fields: Any) -> None:
    response = client.post(
        "/api/show/actions", json={"type": "host", "action": action, **fields}, headers=host
    )
    assert response.json()["type"] == "ack", response.text


def test_the_plenary_follows_the_run_of_show_when_it_runs_late(
    client: TestClient, clock: FixedClock, settings: Settings, ann: dict[str, Any]
):
    host = bearer(admin_token(settings.database_url)[1])
    clock.set(local(13, 14))
    before = use(client, ann["token"], "plenary")
    clock.set(local(13, 30))
    act(client, host, "live")
    act(client, host, "start", block_id="start-plenair")
    act(client, host, "extend", block_id="start-plenair", minutes=10)  # ends 15:25, not 15:15
    clock.set(local(15, 20))
    late = use(client, ann["token"], "plenary")
    act(client, host, "end_show")
    clock.set(local(15, 21))
    over = use(client, ann["token"], "plenary")

    assert before.context["page"].decision.outcome == "not_yet"
    assert "De link opent op donderdag 19 november 2020 om 13:15." in before.text
    assert (late.status_code, late.headers["location"]) == (302, STREAM)
    assert over.context["page"].decision.outcome == "ended"
    assert "is afgelopen." in over.text
    assert joins(settings.database_url, ann["id"]) == [
        Joined("plenary", local(15, 20), local(15, 20))
    ]
