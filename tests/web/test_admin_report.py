"""The organiser's report on the web: the admin page's section, `/admin/report` (printable),
`/admin/report.csv` and `/api/admin/report`, on SQLite and PostgreSQL.

A day is done through the real API (register, wait, give back, move, erase; ask, approve,
answer; host the plenary), with two festivals in one database: the report counts what was
done, and only in its own festival."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from tests.factories import REFERENCE_SLUG, admin_token, bearer, local, role_token
from tests.report.day import (
    BUS,
    OTHER,
    ROUND,
    ask,
    check_csv,
    join,
    moderate,
    ok,
    opened,
    person,
    the_day,
)
from tests.web.conftest import NOW


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url, var_dir=str(tmp_path), base_url="http://festival.test"
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def client(settings: Settings, clock: FixedClock, tmp_path: Path) -> Iterator[TestClient]:
    with opened(settings, clock, tmp_path) as client:
        yield client


def test_the_report_counts_what_was_done(client: TestClient, clock: FixedClock, settings: Settings):
    admin = the_day(client, clock, settings.database_url)

    response = client.get("/admin/report.csv", headers=bearer(admin))

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{REFERENCE_SLUG}-report.csv"'
    )
    check_csv(response.text)


def test_the_report_for_excel_has_semicolons_and_a_bom(
    client: TestClient, clock: FixedClock, settings: Settings
):
    admin = the_day(client, clock, settings.database_url)

    response = client.get("/admin/report.csv?format=excel", headers=bearer(admin))

    assert response.content.startswith(b"\xef\xbb\xbfronde;sessie;")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{REFERENCE_SLUG}-report-excel.csv"'
    )
    check_csv(response.content.decode("utf-8-sig"), ";")


def test_the_api_gives_the_same_figures(client: TestClient, clock: FixedClock, settings: Settings):
    admin = the_day(client, clock, settings.database_url)

    body = ok(client.get("/api/admin/report", headers=bearer(admin))).json()

    assert body["festival"] == REFERENCE_SLUG
    assert body["sessions"][0] == {
        "round": "ronde-1",
        "session": "huiskamer-1",
        "title": BUS,
        "capacity": 2,
        "seats": 2,
        "registered": 3,
        "waitlisted": 1,
        "given_back": 2,
        "checked_in": 1,
        "joined_online": 1,
        "attended": 2,
        "ended": True,
        "no_shows": 1,
    }
    assert body["plenary"] == {"registered": 7, "checked_in": 1, "joined_online": 1, "attended": 2}
    assert body["ended_sessions"] == {
        "sessions": 11,
        "registered": 4,
        "checked_in": 1,
        "joined_online": 1,
        "attended": 2,
        "no_shows": 2,
        "no_show_rate": 0.5,
    }
    assert body["channels"][0] == {
        "channel": "plenary",
        "title": "Middagprogramma",
        "asked": 4,
        "approved": 2,
        "answered": 1,
    }
    assert body["blocks"][0] == {
        "block": "start-plenair",
        "title": "Start plenair programma",
        "status": "ended",
        "planned_start": "2020-11-19T13:30:00+01:00",
        "planned_end": "2020-11-19T13:35:00+01:00",
        "actual_start": "2020-11-19T13:32:00+01:00",
        "actual_end": "2020-11-19T13:38:00+01:00",
        "start_difference_minutes": 2,
        "end_difference_minutes": 3,
    }


def test_the_other_festival_counts_only_its_own(
    client: TestClient, clock: FixedClock, settings: Settings
):
    the_day(client, clock, settings.database_url)
    other_admin = admin_token(settings.database_url, OTHER)[1]

    body = ok(client.get("/api/admin/report", headers=bearer(other_admin))).json()
    # An admin token of the reference asking for the other festival is refused.
    admin = admin_token(settings.database_url, REFERENCE_SLUG)[1]
    refused = client.get(f"/api/admin/report?festival={OTHER}", headers=bearer(admin))

    assert body["festival"] == OTHER
    assert {(s["registered"], s["waitlisted"], s["given_back"]) for s in body["sessions"]} == {
        (0, 0, 0)
    }
    # The congress is in 2023: none of its sessions has ended, no no-shows are counted yet.
    assert {(s["attended"], s["ended"], s["no_shows"]) for s in body["sessions"]} == {
        (0, False, None)
    }
    assert body["plenary"] == {"registered": 1, "checked_in": 0, "joined_online": 0, "attended": 0}
    assert (body["ended_sessions"]["sessions"], body["ended_sessions"]["no_show_rate"]) == (0, None)
    assert [(c["channel"], c["asked"]) for c in body["channels"] if c["asked"]] == [("plenary", 1)]
    assert {b["status"] for b in body["blocks"]} == {"upcoming"}
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "auth.forbidden")


def test_the_admin_page_has_the_report_section(
    client: TestClient, clock: FixedClock, settings: Settings
):
    admin = the_day(client, clock, settings.database_url)

    nl = client.get("/admin", headers=bearer(admin)).text
    en = client.get("/admin?lang=en", headers=bearer(admin)).text

    assert '<a href="#report">Verslag</a>' in nl
    assert '<section id="report" class="report">\n<h2>Verslag</h2>' in nl
    row = nl.split('<tr id="report-huiskamer-1">')[1].split("</tr>")[0]
    assert row == (
        f'<td>{ROUND}</td><th scope="row">Huiskamer 1: De Buurvrouw &amp; Buurvrouw Bus</th>'
        "<td>2</td><td>2</td><td>3</td><td>1</td><td>2</td>"
        "<td>1</td><td>1</td><td>2</td><td>1</td>"
    )
    assert '<p id="report-plenary">Plenair (Middagprogramma): 7 ingeschreven, 1 ingecheckt, ' in nl
    assert (
        '<p id="report-no-show-rate">Percentage niet verschenen: 50,0%, dat is niet verschenen '
        "gedeeld door ingeschreven over de 11 afgelopen sessies (2 van 4).</p>"
    ) in nl
    qa = nl.split('<tr id="report-qa-plenary">')[1].split("</tr>")[0]
    assert qa == '<th scope="row">Middagprogramma</th><td>4</td><td>2</td><td>1</td>'
    block = nl.split('<tr id="report-block-start-plenair">')[1].split("</tr>")[0]
    assert block == (
        '<th scope="row">Start plenair programma</th><td>afgelopen</td>'
        "<td>13:30</td><td>13:35</td><td>13:32</td><td>13:38</td><td>+2</td><td>+3</td>"
    )
    assert f'<a href="/admin/report?festival={REFERENCE_SLUG}">Afdrukbare versie</a>' in nl
    assert f'<a href="/admin/report.csv?festival={REFERENCE_SLUG}">Exporteer als CSV</a>' in nl
    assert "<h2>Report</h2>" in en
    assert '<th scope="col">Given back</th>' in en
    assert '<th scope="col">No-shows</th>' in en
    assert "No-show rate: 50.0%, that is no-shows divided by registered" in en
    assert "<td>ended</td>" in en


def test_the_printable_page_is_the_report_with_print_css(
    client: TestClient, clock: FixedClock, settings: Settings
):
    admin = the_day(client, clock, settings.database_url)
    client.get(f"/admin?token={admin}", follow_redirects=False)  # the cookie, as a browser

    page = client.get("/admin/report")
    english = client.get("/admin/report?lang=en")
    css = client.get("/static/print.css")

    assert page.status_code == 200
    assert page.template.name == "admin/report.html"  # type: ignore[attr-defined]
    assert '<link rel="stylesheet" href="/static/print.css">' in page.text
    assert "<h1>De agenda van het sociaal werk 2020</h1>" in page.text
    assert "<h2>Verslag</h2>" in page.text
    assert '<p class="screen-only">' in page.text
    assert "Ann" not in page.text  # figures only, nobody's name
    assert "<td>2</td><td>2</td><td>3</td><td>1</td><td>2</td><td>1</td><td>1</td>" in page.text
    assert "Percentage niet verschenen: 50,0%" in page.text
    assert "<h2>Report</h2>" in english.text
    assert "Printable version" in english.text
    assert "@media print {" in css.text
    assert "header.site, .skip, .screen-only { display: none; }" in css.text


# -- who may see it ---------------------------------------------------------------------------

REPORT_PATHS = ["/admin/report", "/admin/report.csv", "/api/admin/report"]


@pytest.mark.parametrize("path", REPORT_PATHS)
def test_the_report_without_a_token_is_401(client: TestClient, path: str):
    response = client.get(path)

    assert response.status_code == 401
    if path.startswith("/api/"):
        assert response.json()["error"]["code"] == "auth.required"
    else:
        assert "<h1>Geen toegang</h1>" in response.text


@pytest.mark.parametrize("path", REPORT_PATHS)
def test_the_report_with_a_garbage_token_is_401(client: TestClient, path: str):
    response = client.get(path, headers=bearer("garbage"))

    assert response.status_code == 401


@pytest.mark.parametrize("path", REPORT_PATHS)
def test_the_report_with_an_attendee_token_is_403(client: TestClient, path: str):
    ann = person(client, "Ann", "huiskamer-1")

    response = client.get(path, headers=bearer(ann))

    assert response.status_code == 403
    assert "Huiskamer" not in response.text


# -- who came -----------------------------------------------------------------------------------


def test_no_shows_are_counted_once_the_session_has_ended(
    client: TestClient, clock: FixedClock, settings: Settings
):
    admin = admin_token(settings.database_url, REFERENCE_SLUG)[1]
    ann = person(client, "Ann", "huiskamer-1")
    person(client, "Bob", "huiskamer-1")
    person(client, "Cor", "huiskamer-3")
    # Ronde-1 runs 10:30-11:30. Ann joins online; Bob registered online but turns up at the
    # door, where he is found by name and checked in; Cor does not come.
    clock.set(local(10, 45))
    join(client, ann, "huiskamer-1")
    door = bearer(role_token(settings.database_url, "checkin", REFERENCE_SLUG)[1])
    found = ok(client.get("/api/checkin/search?q=bob", headers=door)).json()["results"]
    ok(client.post("/api/checkin", json={"code": found[0]["code"]}, headers=door))

    during = ok(client.get("/api/admin/report", headers=bearer(admin))).json()
    page = client.get("/admin", headers=bearer(admin)).text
    clock.set(local(11, 30))
    after = ok(client.get("/api/admin/report", headers=bearer(admin))).json()
    csv_after = client.get("/admin/report.csv", headers=bearer(admin)).text

    def figures(body: dict[str, Any], session: str) -> tuple[Any, ...]:
        s = next(s for s in body["sessions"] if s["session"] == session)
        keys = ("registered", "checked_in", "joined_online", "attended", "ended", "no_shows")
        return tuple(s[k] for k in keys)

    assert figures(during, "huiskamer-1") == (2, 1, 1, 2, False, None)
    assert figures(during, "huiskamer-3") == (1, 0, 0, 0, False, None)
    assert (during["ended_sessions"]["sessions"], during["ended_sessions"]["no_show_rate"]) == (
        0,
        None,
    )
    row = page.split('<tr id="report-huiskamer-3">')[1].split("</tr>")[0]
    assert row.endswith("<td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>—</td>")
    assert '<p id="report-no-show-rate">Percentage niet verschenen: — (nog geen' in page
    assert figures(after, "huiskamer-1") == (2, 1, 1, 2, True, 0)
    assert figures(after, "huiskamer-3") == (1, 0, 0, 0, True, 1)
    assert after["ended_sessions"] == {
        "sessions": 6,
        "registered": 3,
        "checked_in": 1,
        "joined_online": 1,
        "attended": 2,
        "no_shows": 1,
        "no_show_rate": 1 / 3,
    }
    assert after["plenary"] == {"registered": 3, "checked_in": 1, "joined_online": 0, "attended": 1}
    assert csv_after.rstrip("\r\n").endswith('afgelopen sessies (6),3,1,1,2,1,"33,3%"')


def test_the_report_follows_the_live_log_from_one_load_to_the_next(
    client: TestClient, settings: Settings
):
    admin = admin_token(settings.database_url, REFERENCE_SLUG)[1]
    ann = person(client, "Ann", None)
    moderate(client, admin, "plenary", "open")
    ask(client, "plenary", ann, "Eerste vraag")

    def asked() -> str:
        page = client.get("/admin", headers=bearer(admin)).text
        return page.split('<tr id="report-qa-plenary">')[1].split("</tr>")[0]

    first, again = asked(), asked()
    question = ask(client, "plenary", ann, "Tweede vraag")
    moderate(client, admin, "plenary", "approve", question_id=question)
    later = asked()

    assert first == again == '<th scope="row">Middagprogramma</th><td>1</td><td>0</td><td>0</td>'
    assert later == '<th scope="row">Middagprogramma</th><td>2</td><td>1</td><td>0</td>'


def test_one_who_joined_and_then_gave_the_place_back_counts_as_given_back_not_as_come(
    client: TestClient, clock: FixedClock, settings: Settings
):
    admin = admin_token(settings.database_url, REFERENCE_SLUG)[1]
    ann = person(client, "Ann", "huiskamer-1")
    person(client, "Bob", "huiskamer-1")
    # The join link opens 15 minutes before ronde-1's 10:30 start; places can be given back
    # until then.
    clock.set(local(10, 20))
    join(client, ann, "huiskamer-1")
    ok(client.put("/api/me/choices/ronde-1", json={"session": None}, headers=bearer(ann)))
    clock.set(local(11, 30))

    body = ok(client.get("/api/admin/report", headers=bearer(admin))).json()

    session = body["sessions"][0]
    assert session["session"] == "huiskamer-1"
    keys = ("registered", "given_back", "joined_online", "attended", "no_shows")
    assert tuple(session[k] for k in keys) == (1, 1, 0, 0, 1)
    assert body["plenary"] == {"registered": 2, "checked_in": 0, "joined_online": 0, "attended": 0}
