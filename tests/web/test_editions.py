"""Several festivals in one install, each at its own address (`/{slug}/`, `/api/festivals/…`).

All four schedules are loaded into one database, SQLite and PostgreSQL: each address must
reach its own festival."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.programme.loading import read_programme
from festival.programme.model import featured
from festival.web.app import create_app
from tests.conftest import REFERENCE
from tests.factories import registration
from tests.web.conftest import NOW, load_into

SCHEDULES = REFERENCE.parent
REFERENCE_SLUG = "agenda-sociaal-werk-2020"
CONGRESS = SCHEDULES / "jaarcongres-sociaal-werk-2023.toml"
ORDER = [
    SCHEDULES / "kus-themabijeenkomst-2016.toml",
    SCHEDULES / "hoezo-sociaal-werk-2017.toml",
    REFERENCE,
    CONGRESS,
]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url, var_dir=str(tmp_path), base_url="http://festival.test"
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    load_into(settings.database_url, *ORDER)
    with TestClient(create_app(settings, clock=FixedClock(NOW))) as client:
        yield client


def test_the_festivals_are_listed_by_date_with_their_address_and_status(client: TestClient):
    response = client.get("/api/festivals")

    assert response.status_code == 200
    listed = response.json()["festivals"]
    assert [f["slug"] for f in listed] == [
        "kus-themabijeenkomst-2016",
        "hoezo-sociaal-werk-2017",
        REFERENCE_SLUG,
        "jaarcongres-sociaal-werk-2023",
    ]
    # 19 November 2020, 09:00 in Amsterdam: the reference day has not begun yet.
    assert [f["status"] for f in listed] == ["past", "past", "upcoming", "upcoming"]
    reference = listed[2]
    assert reference == {
        "slug": REFERENCE_SLUG,
        "title": "De agenda van het sociaal werk 2020",
        "date": "2020-11-19",
        "timezone": "Europe/Amsterdam",
        "status": "upcoming",
        "url": f"http://festival.test/{REFERENCE_SLUG}/",
    }


def test_a_festival_is_live_from_its_first_start_to_its_last_end() -> None:
    festival = read_programme(REFERENCE)
    start, end = festival.span()

    assert festival.status(start.astimezone(UTC)) == "live"
    assert festival.status(end) == "past"
    assert festival.status(datetime(2020, 11, 19, 12, 0, tzinfo=UTC)) == "live"


@pytest.mark.parametrize("path", ORDER, ids=lambda p: p.stem)
def test_every_festival_has_its_own_programme_page_api_and_calendar(client: TestClient, path: Path):
    festival = read_programme(path)

    api = client.get(f"/api/festivals/{festival.slug}/programme")
    page = client.get(f"/{festival.slug}/")
    calendar = client.get(f"/{festival.slug}/programme.ics")

    assert api.status_code == 200
    assert api.json()["festival"]["slug"] == festival.slug
    assert page.status_code == 200
    assert f"<h1>{festival.title}" in page.text or festival.title in page.text
    assert calendar.status_code == 200
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert f'filename="{festival.slug}.ics"' in calendar.headers["content-disposition"]


def test_the_address_without_its_slash_leads_to_the_festival(client: TestClient):
    response = client.get(f"/{REFERENCE_SLUG}", follow_redirects=False)

    assert response.status_code in (307, 308)
    assert response.headers["location"].endswith(f"/{REFERENCE_SLUG}/")


def test_registering_at_a_festival_s_address_registers_for_that_festival(client: TestClient):
    before = client.get(f"/api/festivals/{REFERENCE_SLUG}/programme").json()
    others = {p.stem: _programme(client, p.stem) for p in ORDER if p != REFERENCE}

    response = client.post(
        f"/api/festivals/{REFERENCE_SLUG}/registrations",
        json=registration(choices={"ronde-1": "huiskamer-1"}),
    )

    assert response.status_code == 201, response.text
    assert response.json()["festival"] == REFERENCE_SLUG
    after = client.get(f"/api/festivals/{REFERENCE_SLUG}/programme").json()
    assert _left(after, "huiskamer-1") == _left(before, "huiskamer-1") - 1
    assert {slug: _programme(client, slug) for slug in others} == others  # untouched


def _programme(client: TestClient, slug: str) -> dict:
    return client.get(f"/api/festivals/{slug}/programme").json()


def test_the_register_page_at_a_festival_s_address_is_that_festival_s(client: TestClient):
    page = client.get(f"/{REFERENCE_SLUG}/register")

    assert page.status_code == 200
    assert f'action="/{REFERENCE_SLUG}/register?lang=nl"' in page.text


@pytest.mark.parametrize(
    "path", ["/no-such-festival/", "/api/festivals/no-such-festival/programme"]
)
def test_an_unknown_festival_is_not_found(client: TestClient, path: str):
    assert client.get(path).status_code == 404


def test_registering_at_an_unknown_festival_is_not_found_and_stores_nothing(client: TestClient):
    response = client.post("/api/festivals/no-such-festival/registrations", json=registration())

    assert response.status_code == 404
    listed = client.get(f"/api/festivals/{REFERENCE_SLUG}/programme").json()
    assert all(_left(listed, s["id"]) == s["capacity"] for s in _sessions(listed))


def _sessions(programme: dict) -> list[dict]:
    return [s for r in programme["rounds"] for s in r["sessions"]]


def _left(programme: dict, session: str) -> int:
    return next(s["places_left"] for s in _sessions(programme) if s["id"] == session)


def test_the_unprefixed_addresses_serve_the_next_festival_to_come(client: TestClient):
    # 19 November 2020: the reference day is next; 2023 comes later, 2016 and 2017 are past.
    assert client.get("/api/programme").json()["festival"]["slug"] == REFERENCE_SLUG
    assert "De agenda van het sociaal werk 2020" in client.get("/").text


def test_a_pinned_festival_wins(settings: Settings):
    load_into(settings.database_url, *ORDER)
    pinned = replace(settings, festival="hoezo-sociaal-werk-2017")
    with TestClient(create_app(pinned, clock=FixedClock(NOW))) as client:
        assert client.get("/api/programme").json()["festival"]["slug"] == pinned.festival


def test_featured_is_the_only_one_else_the_next_else_the_latest_past() -> None:
    festivals = [read_programme(path) for path in ORDER]
    reference, congress = festivals[2], festivals[3]
    after_all = datetime(2024, 1, 1, tzinfo=UTC)

    assert featured([], NOW) is None
    assert featured([festivals[0]], after_all) is festivals[0]
    assert featured(festivals, NOW) is reference
    assert featured(festivals, reference.span()[1]) is congress
    assert featured(festivals, after_all) is congress  # the latest past


@pytest.mark.parametrize(
    ("lang", "heading", "past"),
    [("nl", "Andere edities", "voorbij"), ("en", "Other editions", "past")],
)
def test_the_programme_page_lists_the_other_editions(
    client: TestClient, lang: str, heading: str, past: str
):
    page = client.get(f"/{REFERENCE_SLUG}/?lang={lang}")

    assert page.status_code == 200
    section = page.text[page.text.index(heading) :]
    for path in ORDER:
        if path != REFERENCE:
            assert f'href="/{path.stem}/?lang={lang}"' in section
    assert f'href="/{REFERENCE_SLUG}/' not in section  # not itself
    assert past in section


def test_a_festival_alone_lists_no_editions(settings: Settings):
    load_into(settings.database_url, REFERENCE)
    with TestClient(create_app(settings, clock=FixedClock(NOW))) as client:
        assert "Andere edities" not in client.get("/").text
