"""On-site check-in, `POST /api/checkin` and `GET /api/checkin/search`, with every schedule and
a second on-site congress in one database, on SQLite and PostgreSQL: a code checks its holder
in once, only at its own festival, and only for a `checkin` token (or an admin's)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from festival.attendance.checkin import CODE_LENGTH
from festival.clock import FixedClock
from festival.config import Settings
from festival.web.app import create_app
from festival.web.qr import qr_svg
from tests.factories import bearer, local, register, registration, renamed, role_token
from tests.web.conftest import NOW, load_into
from tests.web.test_editions import CONGRESS, ORDER, REFERENCE_SLUG

SLUG = "jaarcongres-sociaal-werk-2023"
OTHER = "jaarcongres-regio-zuid-2023"
SESSION_TITLE = "Van curatief naar preventief: samen met zorg en gemeente"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=str(tmp_path),
        base_url="http://festival.test",
        # Registering many people from one test client.
        rate_registrations_per_address="1000/minute",
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def client(settings: Settings, clock: FixedClock, tmp_path: Path) -> Iterator[TestClient]:
    other = renamed(tmp_path, CONGRESS, OTHER, "Jaarcongres Regio Zuid 2023")
    load_into(settings.database_url, *ORDER, other)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def sign_up(client: TestClient, slug: str, name: str, email: str, **fields: Any) -> dict[str, Any]:
    """Register at `slug` and return the registration as `/api/me` shows it."""
    created = register(client, registration(name, email, **fields), f"?festival={slug}")
    me = client.get("/api/me", headers=bearer(created["token"]))
    assert me.status_code == 200
    body: dict[str, Any] = me.json()
    return {**body, "token": created["token"]}


@pytest.fixture
def door(settings: Settings) -> dict[str, str]:
    _, secret = role_token(settings.database_url, "checkin", SLUG)
    return bearer(secret)


@pytest.fixture
def ann(client: TestClient) -> dict[str, Any]:
    return sign_up(
        client,
        SLUG,
        "Ann de Vries",
        "ann@example.org",
        choices={"deelsessies": "sessie-preventief"},
    )


def test_api_me_gives_an_onsite_attendee_a_code_that_is_not_the_personal_token(
    client: TestClient, ann: dict[str, Any]
):
    code = ann["checkin_code"]

    assert len(code.replace("-", "")) == CODE_LENGTH
    assert code.replace("-", "") not in ann["token"]
    again = client.get("/api/me", headers=bearer(ann["token"])).json()
    assert again["checkin_code"] == code  # kept, not drawn anew


def test_an_online_festival_gives_no_code(client: TestClient):
    online = sign_up(client, REFERENCE_SLUG, "Bob Jansen", "bob@example.org")

    assert online["checkin_code"] is None


def test_the_first_check_in_counts_and_a_second_gives_the_first_moment(
    client: TestClient, clock: FixedClock, door: dict[str, str], ann: dict[str, Any]
):
    clock.set(local(9, 5))
    first = client.post("/api/checkin", json={"code": ann["checkin_code"]}, headers=door)
    clock.set(local(9, 20))
    again = client.post("/api/checkin", json={"code": ann["checkin_code"]}, headers=door)

    assert first.status_code == 200
    assert first.json() == {
        "name": "Ann de Vries",
        "organisation": "",
        "mode": "onsite",
        "code": ann["checkin_code"],
        "places": [
            {
                "session": "sessie-preventief",
                "title": SESSION_TITLE,
                "start": "2023-05-24T13:00:00+02:00",
            }
        ],
        "checked_in_at": "2020-11-19T09:05:00+01:00",
        "first": True,
    }
    assert again.status_code == 200
    assert again.json()["first"] is False
    assert again.json()["checked_in_at"] == "2020-11-19T09:05:00+01:00"


def test_a_typed_code_in_lower_case_without_dashes_is_the_same_code(
    client: TestClient, door: dict[str, str], ann: dict[str, Any]
):
    typed = ann["checkin_code"].replace("-", " ").lower()

    response = client.post("/api/checkin", json={"code": typed}, headers=door)

    assert response.status_code == 200
    assert response.json()["name"] == "Ann de Vries"


@pytest.mark.parametrize("code", ["0000-0000-0000", "not a code", "ZZZZ"])
def test_an_unknown_code_is_not_found(client: TestClient, door: dict[str, str], code: str):
    response = client.post("/api/checkin", json={"code": code}, headers=door)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "checkin.unknown"


def test_another_festivals_code_is_not_found_and_checks_nobody_in(
    client: TestClient, door: dict[str, str], settings: Settings
):
    elsewhere = sign_up(client, OTHER, "Cas Bakker", "cas@example.org")

    refused = client.post("/api/checkin", json={"code": elsewhere["checkin_code"]}, headers=door)

    assert refused.status_code == 404
    _, other_door = role_token(settings.database_url, "checkin", OTHER)
    at_home = client.post(
        "/api/checkin", json={"code": elsewhere["checkin_code"]}, headers=bearer(other_door)
    )
    assert at_home.json()["first"] is True  # the refused attempt recorded nothing


def test_without_the_checkin_role_it_is_refused(
    client: TestClient, settings: Settings, ann: dict[str, Any]
):
    _, moderator = role_token(settings.database_url, "moderator", SLUG)
    body = {"code": ann["checkin_code"]}

    assert client.post("/api/checkin", json=body).status_code == 401
    assert client.post("/api/checkin", json=body, headers=bearer("made-up")).status_code == 401
    assert client.post("/api/checkin", json=body, headers=bearer(ann["token"])).status_code == 403
    assert client.post("/api/checkin", json=body, headers=bearer(moderator)).status_code == 403
    assert client.get("/api/checkin/search?q=ann").status_code == 401
    assert client.get("/api/checkin/search?q=ann", headers=bearer(moderator)).status_code == 403
    _, door = role_token(settings.database_url, "checkin", SLUG)
    # Nobody was checked in by the refused calls.
    assert client.post("/api/checkin", json=body, headers=bearer(door)).json()["first"] is True


def test_an_admin_token_checks_in_too(client: TestClient, settings: Settings, ann: dict[str, Any]):
    _, admin = role_token(settings.database_url, "admin", SLUG)

    response = client.post(
        "/api/checkin", json={"code": ann["checkin_code"]}, headers=bearer(admin)
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [{}, {"code": 12}, {"code": ""}, {"code": "A" * 65}, {"code": "x", "name": "Ann"}],
)
def test_a_malformed_body_is_refused_and_checks_nobody_in(
    client: TestClient, door: dict[str, str], ann: dict[str, Any], body: dict[str, Any]
):
    response = client.post("/api/checkin", json=body, headers=door)

    assert response.status_code == 422
    checked = client.post("/api/checkin", json={"code": ann["checkin_code"]}, headers=door)
    assert checked.json()["first"] is True


def test_an_online_festival_has_no_door(client: TestClient, settings: Settings):
    online = sign_up(client, REFERENCE_SLUG, "Bob Jansen", "bob@example.org")
    _, door = role_token(settings.database_url, "checkin", REFERENCE_SLUG)

    response = client.get("/api/checkin/search?q=bob", headers=bearer(door))

    assert online["checkin_code"] is None
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "checkin.online"


def test_search_finds_part_of_a_name_within_the_festival_only(
    client: TestClient, door: dict[str, str], ann: dict[str, Any]
):
    sign_up(client, SLUG, "Anneke Smit", "anneke@example.org")
    sign_up(client, SLUG, "Piet Visser", "piet@example.org")
    sign_up(client, OTHER, "Annemarie Zuid", "annemarie@example.org")

    response = client.get("/api/checkin/search", params={"q": "ANN"}, headers=door)

    assert response.status_code == 200
    found = response.json()["results"]
    assert [f["name"] for f in found] == ["Ann de Vries", "Anneke Smit"]
    assert found[0]["code"] == ann["checkin_code"]
    assert found[0]["checked_in_at"] is None
    # The code a search gives checks the person in.
    checked = client.post("/api/checkin", json={"code": found[1]["code"]}, headers=door)
    assert (checked.json()["name"], checked.json()["first"]) == ("Anneke Smit", True)


def test_search_finds_a_name_with_accents_typed_without(client: TestClient, door: dict[str, str]):
    sign_up(client, SLUG, "Özlem Yılmaz", "ozlem@example.org")

    response = client.get("/api/checkin/search", params={"q": "ozlem"}, headers=door)

    assert [f["name"] for f in response.json()["results"]] == ["Özlem Yılmaz"]


def test_search_takes_a_like_pattern_as_plain_text(client: TestClient, door: dict[str, str]):
    sign_up(client, SLUG, "Piet Visser", "piet@example.org")

    response = client.get("/api/checkin/search", params={"q": "%_"}, headers=door)

    assert response.json()["results"] == []


@pytest.mark.parametrize("q", ["", "a", " a ", "x" * 101])
def test_a_search_too_short_or_too_long_is_refused(
    client: TestClient, door: dict[str, str], q: str
):
    response = client.get("/api/checkin/search", params={"q": q}, headers=door)

    assert response.status_code == 422
    assert "q" in response.json()["errors"]


def test_an_erased_registration_cannot_be_checked_in(
    client: TestClient, door: dict[str, str], ann: dict[str, Any]
):
    assert client.delete("/api/me", headers=bearer(ann["token"])).status_code == 204

    response = client.post("/api/checkin", json={"code": ann["checkin_code"]}, headers=door)

    assert response.status_code == 404


def test_the_door_page_takes_its_token_from_the_link_into_a_cookie(
    client: TestClient, settings: Settings
):
    _, secret = role_token(settings.database_url, "checkin", SLUG)

    opened = client.get(f"/checkin?token={secret}&lang=en", follow_redirects=False)
    page = client.get("/checkin?lang=en")

    assert (opened.status_code, opened.headers["location"]) == (303, "/checkin?lang=en")
    assert "festival_checkin=" in opened.headers["set-cookie"]
    assert "Path=/checkin" in opened.headers["set-cookie"]
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert '<html lang="en">' in page.text
    assert "Code below the QR code" in page.text
    assert 'data-checkin-welcome="Welcome!"' in page.text


def test_the_door_page_is_refused_without_the_checkin_role(client: TestClient, settings: Settings):
    _, moderator = role_token(settings.database_url, "moderator", SLUG)

    assert client.get("/checkin").status_code == 401
    assert client.get(f"/checkin?token={moderator}").status_code == 403
    assert "festival_checkin" not in client.cookies


@pytest.mark.parametrize(
    ("language", "title"),
    [("nl", "Inchecken op de dag"), ("en", "Checking in on the day")],
)
def test_the_personal_page_shows_the_qr_with_the_code_printed_beside_it(
    client: TestClient, language: str, title: str
):
    ann = sign_up(client, SLUG, "Ann de Vries", "ann@example.org", language=language)

    page = client.get(f"/me/{ann['token']}")

    assert page.status_code == 200
    assert f"<h2>{title}</h2>" in page.text
    figure = page.text.split('<section class="door-code" id="checkin">', 1)[1].split("</section>")[
        0
    ]
    # segno cannot read QR codes back; the same drawing of the code is the next best proof.
    assert qr_svg(ann["checkin_code"]) in figure
    assert f'<figcaption class="door-code-text">{ann["checkin_code"]}</figcaption>' in figure
    assert ann["token"] not in figure  # the QR is not the personal link


def test_the_qr_image_for_mail_is_a_png_of_an_onsite_attendee(client: TestClient):
    ann = sign_up(client, SLUG, "Ann de Vries", "ann@example.org")
    online = sign_up(client, REFERENCE_SLUG, "Bob Jansen", "bob@example.org")

    image = client.get(f"/me/{ann['token']}/checkin.png")

    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert client.get(f"/me/{online['token']}/checkin.png").status_code == 404
    assert client.get("/me/not-a-token/checkin.png").status_code == 401
    page = client.get(f"/me/{online['token']}")
    assert 'id="checkin"' not in page.text
