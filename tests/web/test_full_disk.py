"""A database whose disk is full answers 503 with Retry-After and a readable message, in the
form's language too; nothing half-stored, and the same request works once there is room.

The disk fills as a festival's would: attendees register until the database has no room left
(tests/disk.py says how each engine is made full)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.web.app import create_app
from tests.conftest import REFERENCE
from tests.disk import full_disk
from tests.factories import admin_token, registration
from tests.web.conftest import NOW, load_into

MOST_ATTENDEES = 2000  # the database is full long before: its pages fill up in dozens


def running(settings: Settings) -> TestClient:
    load_into(settings.database_url, REFERENCE)
    return TestClient(create_app(settings, clock=FixedClock(NOW)))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=str(tmp_path),
        base_url="http://festival.test",
        # Registering from one client until the disk is full goes past the default 10 a minute.
        rate_registrations_per_address="100000/minute",
    )


def register_until_refused(client: TestClient, language: str) -> tuple[dict[str, Any], Any]:
    """Attendees register until the full disk refuses one: its body and the answer."""
    for n in range(MOST_ATTENDEES):
        body = registration(f"Deelnemer {n}", f"deelnemer{n}@example.org", language=language)
        answer = client.post("/api/registrations", json=body)
        if answer.status_code != 201:
            break
    return body, answer


def test_a_registration_on_a_full_disk_answers_503_then_works_once_there_is_room(
    settings: Settings, caplog: pytest.LogCaptureFixture
):
    with (
        full_disk(settings.database_url, "registrations") as disk,
        running(settings) as client,
    ):
        disk.fill()
        body, refused = register_until_refused(client, "en")
        # The mail sender writes beside the requests; a page it adds just before the cap is
        # read may still take one more registration, so the form, too, goes on until refused.
        for n in range(MOST_ATTENDEES):
            form = client.post(
                "/register?lang=en",
                data={
                    "name": "Bo",
                    "email": f"bo{n}@example.org",
                    "consent": "yes",
                    "language": "nl",
                },
                follow_redirects=False,
            )
            if form.status_code != 303:
                break
        disk.free()
        accepted = client.post("/api/registrations", json=body)

    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "60"
    error = refused.json()["error"]
    assert error["code"] == "storage.unavailable"
    assert error["message"].startswith("We cannot store anything right now, so nothing was saved.")
    assert "disk is full" in error["message"]
    assert (form.status_code, form.headers["retry-after"]) == (503, "60")
    assert "Temporarily unavailable" in form.text
    # Nothing of the refused attempt stayed behind: the same address registers afresh.
    assert accepted.status_code == 201
    assert accepted.json()["name"] == body["name"]
    # One log line each, without a traceback: it is not a bug.
    lines = [r for r in caplog.records if r.name == "festival.web" and r.levelno >= logging.ERROR]
    assert [r.getMessage().split(":")[0] for r in lines] == [
        "storage unavailable on POST /api/registrations",
        "storage unavailable on POST /register",
    ]
    assert all(r.exc_info is None for r in lines)


def test_dutch_is_the_default_language_of_the_full_disk_page(settings: Settings):
    with (
        full_disk(settings.database_url, "registrations") as disk,
        running(settings) as client,
    ):
        disk.fill()
        for n in range(MOST_ATTENDEES):
            form = client.post(
                "/register",
                data={
                    "name": f"Bo {n}",
                    "email": f"bo{n}@example.org",
                    "consent": "yes",
                    "language": "nl",
                },
                follow_redirects=False,
            )
            if form.status_code != 303:
                break

    assert form.status_code == 503
    assert "Even niet beschikbaar" in form.text
    assert "We kunnen op dit moment niets opslaan" in form.text


def test_a_live_action_on_a_full_disk_gets_an_error_and_the_socket_stays(settings: Settings):
    with (
        full_disk(settings.database_url, "live_events") as disk,
        running(settings) as client,
    ):
        _, token = admin_token(settings.database_url)
        with client.websocket_connect(f"/ws/channels/show?token={token}") as socket:
            assert socket.receive_json()["type"] == "snapshot"
            disk.fill()
            for n in range(12):  # each event stores the whole show (KiBs): a page or more each
                text = f"{n} " + "x" * 190
                socket.send_json(
                    {"type": "host", "action": "message_rooms", "text": text, "ref": n}
                )
                while (answer := socket.receive_json()).get("ref") != n:
                    pass  # the event of the previous action
                if answer["type"] == "error":
                    break
            socket.send_json({"type": "ping", "ref": "still there?"})
            while (pong := socket.receive_json()).get("ref") != "still there?":
                pass
            disk.free()
            socket.send_json({"type": "host", "action": "message_rooms", "text": "weer ruimte"})
            while (after := socket.receive_json())["type"] == "event":
                pass

    assert answer["type"] == "error"
    assert (answer["code"], answer["retry_after"], answer["ref"]) == ("storage.unavailable", 60, n)
    assert (pong["type"], pong["ref"]) == ("pong", "still there?")
    assert after["type"] == "ack"


def test_a_registration_refused_on_a_full_disk_answers_in_its_own_language(settings: Settings):
    with (
        full_disk(settings.database_url, "registrations") as disk,
        running(settings) as client,
    ):
        disk.fill()
        _, refused = register_until_refused(client, "nl")

    assert refused.status_code == 503
    message = refused.json()["error"]["message"]
    assert message.startswith("We kunnen op dit moment niets opslaan, dus er is niets bewaard.")
