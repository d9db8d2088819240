"""The public programme over HTTP: page, JSON API, calendar, errors."""

from __future__ import annotations

import itertools
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import vobject
from starlette.testclient import TestClient

from festival.config import Settings
from festival.web.app import create_app
from tests.conftest import SCHEDULES
from tests.web.conftest import load_into


def test_healthz_ok(client: TestClient):
    response = client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_api_programme_follows_the_contract(client: TestClient):
    body = client.get("/api/programme").json()

    assert body["festival"]["slug"] == "agenda-sociaal-werk-2020"
    assert body["festival"]["timezone"] == "Europe/Amsterdam"
    assert body["delay_minutes"] == 0
    assert [r["id"] for r in body["rounds"]] == ["ronde-1", "ronde-2"]
    assert sum(len(r["sessions"]) for r in body["rounds"]) == 11
    first = body["rounds"][0]["sessions"][0]
    assert first["id"] == "huiskamer-1"
    assert first["start"] == "2020-11-19T10:30:00+01:00"
    assert (first["capacity"], first["places_left"]) == (25, 25)
    assert "join_url" not in first  # join links go to registered attendees only
    plenary = body["plenary"]
    assert (plenary["planned_start"], plenary["planned_end"]) == (
        "2020-11-19T13:30:00+01:00",
        "2020-11-19T15:15:00+01:00",
    )
    blocks = plenary["blocks"]
    assert blocks[0]["planned_start"] == blocks[0]["projected_start"] == plenary["planned_start"]
    assert blocks[-1]["planned_end"] == plenary["planned_end"]
    assert all(a["planned_end"] == b["planned_start"] for a, b in itertools.pairwise(blocks))


def test_programme_page_in_dutch_by_default(client: TestClient):
    response = client.get("/")

    assert response.status_code == 200
    assert response.template.name == "programme/page.html"  # type: ignore[attr-defined]
    assert response.context["lang"] == "nl"  # type: ignore[attr-defined]
    html = response.text
    assert '<html lang="nl">' in html
    assert "donderdag 19 november 2020" in html
    assert "Huiskamer 1: De Buurvrouw &amp; Buurvrouw Bus" in html
    assert "Tijden in Europe/Amsterdam" in html
    assert ">13:30</time>–<time" in html


def test_programme_page_in_english_when_asked_and_remembered(client: TestClient):
    first = client.get("/?lang=en")
    second = client.get("/")

    assert "Thursday 19 November 2020" in first.text
    assert first.cookies.get("lang") == "en"
    assert '<html lang="en">' in second.text


def test_unknown_language_falls_back_to_festival_language(client: TestClient):
    response = client.get("/?lang=fr")

    assert '<html lang="nl">' in response.text


def test_programme_ics_reads_the_same_in_two_parsers(client: TestClient):
    response = client.get("/programme.ics")

    assert response.headers["content-type"].startswith("text/calendar")
    events = [c for c in icalendar.Calendar.from_ical(response.text).walk("VEVENT")]
    by_uid = {str(e["uid"]): e for e in events}
    uid = "huiskamer-1.agenda-sociaal-werk-2020@festival"
    assert by_uid[uid].decoded("dtstart") == datetime(2020, 11, 19, 9, 30, tzinfo=UTC)
    other = {str(e.uid.value): e for e in vobject.readOne(response.text).vevent_list}
    assert other[uid].dtstart.value == datetime(2020, 11, 19, 9, 30, tzinfo=UTC)
    assert len(events) == 12  # 11 sessions and the plenary


def test_unknown_page_is_a_404_page_in_style(client: TestClient):
    response = client.get("/no/such/page?lang=en")

    assert response.status_code == 404
    assert response.template.name == "error.html"  # type: ignore[attr-defined]
    assert "Not found" in response.text


def test_unknown_api_path_is_json_404(client: TestClient):
    response = client.get("/api/nothing")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_unknown_festival_is_404(client: TestClient):
    response = client.get("/api/programme?festival=nope")

    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "festival.not_found",
        "message": "no festival 'nope'",
    }


def test_empty_store_says_no_programme_yet(settings: Settings):
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/programme")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "festival.none"


def test_festival_chosen_by_query_and_by_setting(settings: Settings):
    load_into(settings.database_url, *sorted(SCHEDULES.glob("*.toml")))
    pinned = Settings(**{**settings.__dict__, "festival": "kus-themabijeenkomst-2016"})

    with TestClient(create_app(settings)) as client:
        by_query = client.get("/api/programme?festival=jaarcongres-sociaal-werk-2023").json()
    with TestClient(create_app(pinned)) as client:
        by_setting = client.get("/api/programme").json()

    assert by_query["festival"]["slug"] == "jaarcongres-sociaal-werk-2023"
    assert by_setting["festival"]["slug"] == "kus-themabijeenkomst-2016"


def test_html_in_programme_text_is_escaped(settings: Settings, tmp_path: Path):
    evil = tmp_path / "evil.toml"
    evil.write_text(
        (SCHEDULES / "agenda-sociaal-werk-2020.toml")
        .read_text()
        .replace(
            'title = "Huiskamer 1: De Buurvrouw & Buurvrouw Bus"',
            'title = "<script>alert(1)</script>"',
        )
    )
    load_into(settings.database_url, evil)

    with TestClient(create_app(settings)) as client:
        html = client.get("/").text

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_server_error_is_generic_and_logged(settings: Settings, caplog):
    load_into(settings.database_url, SCHEDULES / "agenda-sociaal-werk-2020.toml")
    database_file = settings.database_url.removeprefix("sqlite+aiosqlite:///")

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        with sqlite3.connect(database_file) as conn:
            conn.execute("DROP TABLE entries")  # the store breaks under the running service
        api = client.get("/api/programme")
        page = client.get("/?lang=en")

    assert (api.status_code, api.json()) == (
        500,
        {"error": {"code": "internal", "message": "internal error"}},
    )
    assert page.status_code == 500
    assert "Something went wrong" in page.text
    assert "entries" not in page.text  # no internals leak to the visitor
    assert "unhandled error on GET /api/programme" in caplog.text
