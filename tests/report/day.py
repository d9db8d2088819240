"""A festival day done through the real API, for the report's tests (web and CLI): places
registered, waited for, given up, moved and erased; who came, by their join link and at the
door; questions asked, approved, answered and hidden; the plenary hosted, late and with a
skip. Two festivals share the database; the reference is made hybrid for the day, so it has
a door, and huiskamer-1 has 2 seats beside its 2 places online."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.web.app import create_app
from tests.conftest import REFERENCE, SCHEDULES
from tests.factories import (
    REFERENCE_SLUG,
    admin_token,
    bearer,
    festival_file,
    local,
    register,
    registration,
    role_token,
)
from tests.web.conftest import load_into

OTHER = "jaarcongres-sociaal-werk-2023"
T0 = datetime(2020, 11, 19, 12, 30, tzinfo=UTC)  # 13:30 in Amsterdam: the plenary's planned start


def ok(response: Any) -> Any:
    assert response.status_code in (200, 201, 204), response.text
    return response


def _act(client: TestClient, path: str, token: str, message: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = ok(client.post(path, json=message, headers=bearer(token))).json()
    assert body["type"] == "ack", body
    return body


def ask(client: TestClient, channel: str, token: str, text: str, query: str = "") -> str:
    path = f"/api/channels/{channel}/actions{query}"
    ack = _act(client, path, token, {"type": "ask", "text": text})
    question: str = ack["question_id"]
    return question


def moderate(
    client: TestClient, admin: str, channel: str, action: str, query: str = "", **fields: Any
) -> None:
    message = {"type": "moderate", "action": action, **fields}
    _act(client, f"/api/channels/{channel}/actions{query}", admin, message)


def _host(client: TestClient, admin: str, action: str, **fields: Any) -> None:
    _act(client, "/api/show/actions", admin, {"type": "host", "action": action, **fields})


def person(
    client: TestClient, name: str, session: str | None, query: str = "", **fields: str
) -> str:
    choices = {"ronde-1": session} if session else None
    body = registration(name, f"{name.lower()}@example.org", choices=choices, **fields)
    token: str = register(client, body, query)["token"]
    return token


def join(client: TestClient, token: str, item: str) -> None:
    """Use the personal join link, as the attendee's browser does: off to the item's link."""
    response = client.get(f"/join/{token}/{item}", follow_redirects=False)
    assert response.status_code in (302, 303, 307), response.text


def check_in(client: TestClient, database_url: str, token: str) -> None:
    """Check the attendee in at the door with the code their personal page shows."""
    code = ok(client.get("/api/me", headers=bearer(token))).json()["checkin_code"]
    door = role_token(database_url, "checkin", REFERENCE_SLUG)[1]
    ok(client.post("/api/checkin", json={"code": code}, headers=bearer(door)))


def the_day(client: TestClient, clock: FixedClock, database_url: str) -> str:
    """What happens on the reference festival (and a little on the other), through the API;
    the reference's admin token. huiskamer-1 has 2 places online and 2 seats."""
    admin = admin_token(database_url, REFERENCE_SLUG)[1]
    other_admin = admin_token(database_url, OTHER)[1]
    # At 09:00 the rounds have not started: places can still be changed.
    ann = person(client, "Ann", "huiskamer-1")
    bob = person(client, "Bob", "huiskamer-1")
    cor = person(client, "Cor", "huiskamer-1")  # waits
    dan = person(client, "Dan", "huiskamer-2")
    me = "/api/me/choices/ronde-1"
    ok(client.put(me, json={"session": None}, headers=bearer(ann)))  # given back: Cor moves up
    ok(client.put(me, json={"session": "huiskamer-3"}, headers=bearer(bob)))  # given back
    eve = person(client, "Eve", "huiskamer-1")  # the second place
    fay = person(client, "Fay", "huiskamer-1")  # waits ...
    ok(client.put(me, json={"session": None}, headers=bearer(fay)))  # ... and leaves the line
    person(client, "Gus", "huiskamer-1")  # waits
    ida = person(client, "Ida", "huiskamer-1", mode="onsite")  # a seat
    ok(client.delete("/api/me", headers=bearer(dan)))  # erased: huiskamer-2's place back
    # The other festival's day, which the reference's report must not count.
    hal = person(client, "Hal", None, f"?festival={OTHER}")
    elsewhere = f"?festival={OTHER}"
    moderate(client, other_admin, "plenary", "open", elsewhere)
    ask(client, "plenary", hal, "Een vraag op het congres", elsewhere)

    # Questions: four in the plenary, one in huiskamer-1.
    moderate(client, admin, "plenary", "open")
    first = ask(client, "plenary", cor, "Hoe houden we het vol?")
    second = ask(client, "plenary", eve, "Wat vraagt de wijk?")
    third = ask(client, "plenary", bob, "Off topic")
    ask(client, "plenary", cor, "Nog niet bekeken")
    for question in (first, second, third):
        moderate(client, admin, "plenary", "approve", question_id=question)
    moderate(client, admin, "plenary", "answered", question_id=first)
    moderate(client, admin, "plenary", "hide", question_id=third)  # approved, then taken down
    moderate(client, admin, "huiskamer-1", "open")
    ask(client, "huiskamer-1", eve, "Over de bus")

    # Ronde-1 (10:30-11:30): Ida is checked in at the door, Eve joins online (twice, counted
    # once); Cor in huiskamer-1 and Bob in huiskamer-3 do not come.
    clock.set(local(10, 20))
    check_in(client, database_url, ida)
    clock.set(local(10, 31))
    join(client, eve, "huiskamer-1")
    join(client, eve, "huiskamer-1")

    # The plenary: live on time, the first block starts 2 minutes late and runs 3 minutes
    # over, the spoken word is skipped, the welcome is still running.
    clock.set(T0)
    _host(client, admin, "live")
    clock.set(T0 + timedelta(minutes=2))
    _host(client, admin, "start", block_id="start-plenair")
    join(client, eve, "plenary")
    clock.set(T0 + timedelta(minutes=8))
    _host(client, admin, "next", block_id="start-plenair")
    _host(client, admin, "skip", block_id="intermezzo-spoken-word")
    return admin


def _tables(text: str, delimiter: str = ",") -> list[list[list[str]]]:
    """The report's CSV as its tables (split on the empty row between them)."""
    tables: list[list[list[str]]] = [[]]
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        if row:
            tables[-1].append(row)
        else:
            tables.append([])
    return tables


SESSIONS_HEADER = [
    "ronde",
    "sessie",
    "plaatsen online",
    "stoelen op locatie",
    "ingeschreven",
    "wachtlijst",
    "teruggegeven",
    "ingecheckt",
    "online deelgenomen",
    "aanwezig",
    "niet verschenen",
]
ROUND = "Huiskamersessies ronde 1"
BUS = "Huiskamer 1: De Buurvrouw & Buurvrouw Bus"
BLOCKS_HEADER = [
    "blok",
    "status",
    "gepland begin (Europe/Amsterdam)",
    "gepland einde (Europe/Amsterdam)",
    "werkelijk begin (Europe/Amsterdam)",
    "werkelijk einde (Europe/Amsterdam)",
    "verschil begin (min)",
    "verschil einde (min)",
]


def check_csv(text: str, delimiter: str = ",") -> None:
    """The report of `the_day`, as CSV."""
    sessions, channels, blocks, attendance = _tables(text, delimiter)
    assert sessions[0] == SESSIONS_HEADER
    by_title = {row[1]: row for row in sessions[1:]}
    # Cor, Eve online and Ida on site; Ida checked in, Eve joined, Cor did not come.
    assert by_title[BUS] == [ROUND, BUS, "2", "2", "3", "1", "2", "1", "1", "2", "1"]
    # huiskamer-2: Dan erased; huiskamer-3: Bob, who did not come.
    assert by_title[sessions[2][1]][2:] == ["25", "", "0", "0", "1", "0", "0", "0", "0"]
    assert by_title[sessions[3][1]][2:] == ["25", "", "1", "0", "0", "0", "0", "0", "1"]
    assert len(sessions) == 1 + 11  # every session of both rounds
    assert channels[0] == ["vragenkanaal", "gesteld", "goedgekeurd", "beantwoord"]
    assert channels[1] == ["Middagprogramma", "4", "2", "1"]
    assert channels[2] == [BUS, "1", "0", "0"]
    assert {tuple(row[1:]) for row in channels[3:]} == {("0", "0", "0")}
    assert blocks[0] == BLOCKS_HEADER
    assert blocks[1] == [
        "Start plenair programma",
        "afgelopen",
        "2020-11-19 13:30",
        "2020-11-19 13:35",
        "2020-11-19 13:32",
        "2020-11-19 13:38",
        "2",
        "3",
    ]
    assert blocks[2] == [
        "Welkomstwoord",
        "loopt",
        "2020-11-19 13:35",
        "2020-11-19 13:40",
        "2020-11-19 13:38",
        "",
        "3",
        "",
    ]
    assert [row[:2] for row in blocks[3:6]] == [
        ["Toelichting Marie Kamphuislezingen en stichting", "komt nog"],
        ["Marie Kamphuis-lezing door Monique Kremer", "komt nog"],
        ["Spoken word intermezzo", "overgeslagen"],
    ]
    assert blocks[5][4:] == ["", "", "", ""]
    assert len(blocks) == 1 + 8
    # Everyone but Dan (erased) holds a place at the plenary: Ida checked in, Eve joined it.
    # Every session has ended: 2 of the 4 registered did not come.
    assert attendance == [
        [
            "aanwezigheid van",
            "ingeschreven",
            "ingecheckt",
            "online deelgenomen",
            "aanwezig",
            "niet verschenen",
            "percentage niet verschenen",
        ],
        ["Middagprogramma", "7", "1", "1", "2", "", ""],
        ["afgelopen sessies (11)", "4", "1", "1", "2", "2", "50,0%"],
    ]


def opened(settings: Settings, clock: FixedClock, folder: Path) -> TestClient:
    """A client (use it in a `with` block) for an app on `settings`' database, holding the
    reference festival, hybrid (huiskamer-1 with 2 places and 2 seats), and the congress."""
    reference = festival_file(folder, REFERENCE, capacity={"huiskamer-1": 2})
    text = reference.read_text(encoding="utf-8").replace(
        '\nmode = "online"\n', '\nmode = "hybrid"\n'
    )
    text = text.replace("  capacity = 2\n", "  capacity = 2\n  seats = 2\n", 1)
    reference.write_text(text, encoding="utf-8")
    load_into(settings.database_url, reference, SCHEDULES / f"{OTHER}.toml")
    return TestClient(create_app(settings, clock=clock))
