"""Delays carried to the programme API and pages, with a controlled clock: an overrun, an
extension, a pause and a skip across several blocks, in minutes exactly."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from tests.conftest import REFERENCE, SCHEDULES
from tests.factories import admin_token, bearer, started

T0 = datetime(2020, 11, 19, 12, 30, tzinfo=UTC)  # 13:30 in Amsterdam: the planned start


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at(-5))


@pytest.fixture
def settings(sqlite_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=sqlite_url, var_dir=str(tmp_path), base_url="http://festival.test")


@pytest.fixture
def client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    with started(settings, REFERENCE, clock=clock) as client:
        yield client


@pytest.fixture
def host(client: TestClient, settings: Settings) -> dict[str, str]:
    return bearer(admin_token(settings.database_url)[1])  # admins may host


def act(client: TestClient, host: dict[str, str], action: str, **fields: Any) -> None:
    response = client.post(
        "/api/show/actions", json={"type": "host", "action": action, **fields}, headers=host
    )
    assert response.json()["type"] == "ack", response.text


def starts(client: TestClient, lang: str = "en") -> tuple[int, str, dict[str, str | None]]:
    body = client.get(f"/api/programme?lang={lang}").json()
    blocks = {b["id"]: b["projected_start"] for b in body["plenary"]["blocks"]}
    return body["delay_minutes"], body["delay_text"], blocks


def shifts(client: TestClient, *block_ids: str) -> set[timedelta]:
    """How far each of these blocks moved from its planned start."""
    body = client.get("/api/programme").json()
    return {
        datetime.fromisoformat(b["projected_start"]) - datetime.fromisoformat(b["planned_start"])
        for b in body["plenary"]["blocks"]
        if b["id"] in block_ids
    }


LATER = ("lezing-kremer", "lezing-hermans", "gesprek-solidariteit", "afsluiting")


def amsterdam(hh_mm: str) -> str:
    return f"2020-11-19T{hh_mm}:00+01:00"


def test_before_the_show_goes_live_the_plan_stands(client: TestClient, clock: FixedClock):
    clock.set(at(45))  # the host is late: still no delay is made up from the clock alone

    delay, text, blocks = starts(client)

    assert (delay, text) == (0, "")
    assert blocks["welkomstwoord"] == amsterdam("13:35")


def test_delay_follows_overrun_extension_pause_and_skip(
    client: TestClient, host: dict[str, str], clock: FixedClock
):
    clock.set(at(0))
    act(client, host, "live")
    act(client, host, "start", block_id="start-plenair")  # 5 minutes
    on_time = starts(client)

    clock.set(at(8))  # 3 minutes over
    overrun = starts(client)
    overrun_shifts = shifts(client, *LATER)
    act(client, host, "next", block_id="start-plenair")  # welkomstwoord from 13:38
    act(client, host, "extend", block_id="welkomstwoord", minutes=2)  # 7 minutes: to 13:45
    extended = starts(client)

    clock.set(at(10))
    act(client, host, "pause", block_id="welkomstwoord")
    clock.set(at(13))  # 3 minutes paused
    paused = starts(client, "nl")
    act(client, host, "skip", block_id="intermezzo-spoken-word")  # 5 minutes less
    skipped = starts(client)

    assert on_time[:2] == (0, "on time")
    assert overrun[:2] == (3, "running 3 minutes late")
    assert overrun[2]["welkomstwoord"] == amsterdam("13:38")
    assert overrun_shifts == {timedelta(minutes=3)}  # every later block, by the same
    assert extended[:2] == (5, "running 5 minutes late")
    assert extended[2]["toelichting-marie-kamphuis"] == amsterdam("13:45")
    assert paused[:2] == (8, "loopt 8 minuten uit")
    assert paused[2]["toelichting-marie-kamphuis"] == amsterdam("13:48")
    assert skipped[:2] == (3, "running 3 minutes late")
    assert skipped[2]["intermezzo-spoken-word"] is None
    assert skipped[2]["lezing-hermans"] == amsterdam("14:18")  # planned 14:15
    assert shifts(client, "gesprek-solidariteit", "afsluiting") == {timedelta(minutes=3)}


def test_pages_render_the_delay_and_projected_times(
    client: TestClient, host: dict[str, str], clock: FixedClock
):
    clock.set(at(0))
    act(client, host, "live")
    act(client, host, "start", block_id="start-plenair")
    clock.set(at(9))

    page = client.get("/")
    console = client.get("/host", headers=host)

    assert page.template.name == "programme/page.html"  # type: ignore[attr-defined]
    assert page.context["page"].show_now.delay_minutes == 4  # type: ignore[attr-defined]
    # The banner names the block that runs late: the one on air.
    banner = '<p class="delay" role="status" data-show-delay>'
    assert f"{banner}Start plenair programma loopt 4 minuten uit</p>" in page.text
    assert "Verwacht: 13:39–13:44" in page.text  # welkomstwoord, planned from 13:35
    assert console.template.name == "show/host.html"  # type: ignore[attr-defined]
    assert '<li data-code="show.not_running">Dat blok loopt niet (meer);' in console.text
    assert console.context["page"].show.current.id == "start-plenair"  # type: ignore[attr-defined]


def marked_live(html: str) -> list[str]:
    """The "Live now" markers a programme page shows (not hidden), by what they mark."""
    found = re.findall(r'<span class="badge live-badge live-marker" ([^>]*)>', html)
    return [attributes for attributes in found if not attributes.endswith(" hidden")]


def test_programme_marks_the_round_and_block_live_now(
    client: TestClient, host: dict[str, str], clock: FixedClock
):
    clock.set(datetime(2020, 11, 19, 9, 45, tzinfo=UTC))  # 10:45: the first round's rooms
    morning = client.get("/?lang=en").text
    clock.set(at(0))
    act(client, host, "live")
    act(client, host, "start", block_id="start-plenair")
    clock.set(at(9))
    afternoon = client.get("/?lang=en").text

    assert marked_live(morning) == [
        'data-live-from="2020-11-19T09:30:00+00:00" data-live-until="2020-11-19T10:30:00+00:00"'
    ]
    assert marked_live(afternoon) == ["data-live-plenary", 'data-live-block="start-plenair"']
    assert "Live now</span>" in afternoon


def test_socket_snapshot_and_pong_carry_the_server_time(
    client: TestClient, host: dict[str, str], clock: FixedClock
):
    token = host["Authorization"].split()[1]
    with client.websocket_connect(f"/ws/channels/show?token={token}") as socket:
        snapshot = socket.receive_json()
        clock.set(at(1))
        socket.send_json({"type": "ping", "ref": 1})
        pong = socket.receive_json()

    assert (snapshot["role"], snapshot["server_time"]) == ("host", at(-5).isoformat())
    assert pong == {"type": "pong", "server_time": at(1).isoformat(), "ref": 1}


def test_console_link_opens_its_own_festivals_show(settings: Settings, clock: FixedClock):
    # Two festivals with a plenary: the admin token is the 2020 festival's.
    with started(settings, REFERENCE, SCHEDULES / "jaarcongres-sociaal-werk-2023.toml") as client:
        token = admin_token(settings.database_url)[1]  # for the 2020 festival
        page = client.get(f"/host?token={token}")
        other = client.get("/api/show?festival=jaarcongres-sociaal-werk-2023").json()

    assert page.context["page"].festival.slug == "agenda-sociaal-werk-2020"  # type: ignore[attr-defined]
    blocks = [b.id for b in page.context["page"].show.blocks]  # type: ignore[attr-defined]
    assert blocks[0] == "start-plenair"
    assert other["show"]["blocks"][0]["id"] != blocks[0]
