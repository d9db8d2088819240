"""The organiser view: /admin, /admin/registrations.csv and /api/admin/registrations."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from festival.config import Settings
from tests.conftest import REFERENCE, SCHEDULES
from tests.factories import (
    REFERENCE_SLUG,
    admin_token,
    bearer,
    festival_file,
    register,
    registration,
    registrations_seen_by,
    revoke,
    started,
)
from tests.web.conftest import load_into

OTHER = "jaarcongres-sociaal-werk-2023"
SESSIONS = [
    *(f"huiskamer-{n}" for n in (1, 2, 3, 4, 5, 11)),
    *(f"huiskamer-{n}" for n in (6, 7, 8, 9, 10)),
]
ADMIN_PATHS = ["/admin", "/admin/registrations.csv", "/api/admin/registrations"]


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with started(settings, REFERENCE) as client:
        yield client


@pytest.fixture
def admin(client: TestClient, settings: Settings) -> str:
    return admin_token(settings.database_url)[1]


@pytest.fixture
def ann(client: TestClient) -> dict[str, Any]:
    return register(client, registration(choices={"ronde-1": "huiskamer-1"}))


def _stored(created: dict[str, Any]) -> dict[str, Any]:
    """A 201 body as the admin API shows it: without the secret token."""
    return {k: v for k, v in created.items() if k not in ("token", "personal_url")}


# -- the JSON API --------------------------------------------------------------------------------


def test_admin_api_with_admin_token_lists_registrations_and_places(
    client: TestClient, admin: str, ann: dict[str, Any]
):
    response = client.get("/api/admin/registrations", headers=bearer(admin))

    assert response.status_code == 200
    body = response.json()
    assert body["registrations"] == [_stored(ann)]
    assert list(body["sessions"]) == SESSIONS
    assert body["sessions"]["huiskamer-1"] == {
        "confirmed": 1,
        "waitlisted": 0,
        "places_left": 24,
        "seats_left": None,
    }
    assert body["sessions"]["huiskamer-2"]["places_left"] == 25


def test_admin_api_without_token_is_401(client: TestClient):
    response = client.get("/api/admin/registrations")

    assert (response.status_code, response.json()) == (
        401,
        {"error": {"code": "auth.required", "message": "a token is required"}},
    )


def test_admin_api_with_garbage_token_is_401(client: TestClient):
    response = client.get("/api/admin/registrations", headers=bearer("garbage"))

    assert (response.status_code, response.json()["error"]["code"]) == (401, "auth.invalid")


@pytest.mark.parametrize("path", ADMIN_PATHS)
def test_admin_paths_with_attendee_token_are_403(
    client: TestClient, ann: dict[str, Any], path: str
):
    response = client.get(path, headers=bearer(ann["token"]))

    assert response.status_code == 403
    if path.startswith("/api/"):
        assert response.json() == {
            "error": {
                "code": "auth.forbidden",
                "message": "this token does not allow admin actions",
            }
        }
    else:
        assert "<h1>Geen toegang</h1>" in response.text
        assert "Ann de Vries" not in response.text


def test_admin_link_with_attendee_token_is_403_and_sets_no_cookie(
    client: TestClient, ann: dict[str, Any]
):
    response = client.get(f"/admin?token={ann['token']}", follow_redirects=False)

    assert response.status_code == 403
    assert "set-cookie" not in response.headers
    assert "<h1>Geen toegang</h1>" in response.text


def test_admin_link_with_revoked_token_is_401(client: TestClient, settings: Settings):
    token_id, secret = admin_token(settings.database_url)
    revoke(settings.database_url, token_id)

    api = client.get("/api/admin/registrations", headers=bearer(secret))
    link = client.get(f"/admin?token={secret}", follow_redirects=False)

    assert (api.status_code, api.json()["error"]["code"]) == (401, "auth.invalid")
    assert (link.status_code, "set-cookie" in link.headers) == (401, False)


# -- the page and its cookie ---------------------------------------------------------------------


def test_admin_link_keeps_the_language_asked_for(client: TestClient, admin: str):
    english = client.get(f"/admin?token={admin}&lang=en", follow_redirects=False)
    odd = client.get(f"/admin?token={admin}&lang=%0d%0aX:1", follow_redirects=False)

    assert english.headers["location"] == "/admin?lang=en"
    assert odd.headers["location"] == "/admin"  # only a language we speak goes along


def test_admin_link_moves_token_into_httponly_cookie(client: TestClient, admin: str):
    response = client.get(f"/admin?token={admin}", follow_redirects=False)

    assert (response.status_code, response.headers["location"]) == (303, "/admin")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"festival_admin={admin};")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "path=/", "samesite=lax"} <= attributes


def test_admin_page_works_with_the_cookie_alone(
    client: TestClient, admin: str, ann: dict[str, Any]
):
    client.get(f"/admin?token={admin}", follow_redirects=False)

    page = client.get("/admin")
    export = client.get("/admin/registrations.csv")

    assert page.status_code == 200
    assert page.template.name == "admin/page.html"  # type: ignore[attr-defined]
    assert page.url.path == "/admin"
    assert "1 aanmelding " in page.text  # one registration, not "1 aanmeldingen"
    assert "<td><bdi>Ann de Vries</bdi></td><td><bdi>ann@example.org</bdi></td>" in page.text
    assert export.status_code == 200
    assert export.text.splitlines()[1].split(",")[1] == "Ann de Vries"


def test_admin_page_after_revoking_the_cookie_token_is_401(client: TestClient, settings: Settings):
    token_id, secret = admin_token(settings.database_url)
    client.get(f"/admin?token={secret}", follow_redirects=False)
    revoke(settings.database_url, token_id)

    response = client.get("/admin")

    assert response.status_code == 401
    assert "<h1>Geen toegang</h1>" in response.text


def test_admin_page_without_token_is_401(client: TestClient):
    response = client.get("/admin")

    assert response.status_code == 401
    assert response.template.name == "error.html"  # type: ignore[attr-defined]


def test_admin_page_shows_counts_and_waitlist(settings: Settings, tmp_path: Path):
    path = festival_file(tmp_path, REFERENCE, capacity={"huiskamer-1": 1})
    with started(settings, path) as client:
        secret = admin_token(settings.database_url)[1]
        for name in ("Ann", "Bob", "Cor"):
            body = registration(
                name, f"{name.lower()}@example.org", choices={"ronde-1": "huiskamer-1"}
            )
            register(client, body)
        html = client.get("/admin", headers=bearer(secret)).text

    row = html.split('<tr id="admin-huiskamer-1">')[1].split("</tr>")[0]
    assert "<td>1 / 1</td>" in row
    assert (
        '<ol class="waitlist"><li><bdi>Bob</bdi> &lt;<bdi>bob@example.org</bdi>&gt;</li>'
        "<li><bdi>Cor</bdi> &lt;<bdi>cor@example.org</bdi>&gt;</li></ol>"
    ) in row
    assert "3 aanmeldingen" in html
    # Each place by its session's title, as the organiser knows it (escaped like all text).
    assert '<th scope="col">Sessies</th>' in html
    assert "Huiskamer 1: De Buurvrouw &amp; Buurvrouw Bus (Wachtlijst 2)" in html


def test_admin_page_shows_html_in_fields_escaped(settings: Settings, tmp_path: Path):
    path = festival_file(tmp_path, REFERENCE, capacity={"huiskamer-1": 1})
    evil = registration(
        '<script>alert("x")</script>',
        "o'hara&co@example.org",
        organisation="<img src=x onerror=alert(1)>",
        choices={"ronde-1": "huiskamer-1"},
    )
    with started(settings, path) as client:
        secret = admin_token(settings.database_url)[1]
        register(client, registration(choices={"ronde-1": "huiskamer-1"}))
        register(client, evil)  # waitlisted: shown in the waitlist column too
        html = client.get("/admin", headers=bearer(secret)).text

    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "o'hara&co" not in html
    assert (
        "<li><bdi>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</bdi> "
        "&lt;<bdi>o&#39;hara&amp;co@example.org</bdi>&gt;</li>"
    ) in html
    assert (
        "<td><bdi>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</bdi></td>"
        "<td><bdi>o&#39;hara&amp;co@example.org</bdi></td>"
        "<td><bdi>&lt;img src=x onerror=alert(1)&gt;</bdi></td>"
    ) in html


def _headers(html: str, table_start: str) -> list[str]:
    """The column headings of the first table after `table_start`."""
    head = html.split(table_start, 1)[1].split("</thead>", 1)[0]
    return re.findall(r'<th scope="col">([^<]*)</th>', head)


@pytest.mark.parametrize("mode", ["online", "hybrid", "onsite"])
def test_admin_page_counts_on_site_only_for_a_festival_with_a_venue(
    settings: Settings, tmp_path: Path, mode: str
):
    path = tmp_path / "festival.toml"
    path.write_text(REFERENCE.read_text().replace('\nmode = "online"\n', f'\nmode = "{mode}"\n', 1))
    with started(settings, path) as client:
        admin = bearer(admin_token(settings.database_url)[1])
        html = client.get("/admin", headers=admin).text
        csv_text = client.get("/admin/report.csv", headers=admin).text

    on_site = mode != "online"
    first_round = _headers(html, "<h2>Huiskamersessies ronde 1</h2>")
    assert first_round == ["Sessie", "Online", *(["Op locatie"] if on_site else []), "Wachtlijst"]
    row = html.split('<tr id="admin-huiskamer-1">')[1].split("</tr>")[0]
    assert row.count("<td>") == len(first_round) - 1  # the session's title is a <th>
    report = _headers(html, '<table class="admin" id="report-sessions">')
    assert ("Stoelen op locatie" in report, "Ingecheckt" in report) == (on_site, on_site)
    assert ("ingecheckt" in html.split('id="report-plenary">')[1].split("</p>")[0]) == on_site
    # The downloaded report leaves out the same columns: its sessions and attendance tables.
    tables = [t.splitlines()[0].split(",") for t in csv_text.split("\r\n\r\n")]
    venue = {"stoelen op locatie", "ingecheckt"}
    assert [bool(venue & set(t)) for t in tables] == [on_site, False, False, on_site]
    assert tables[0][:3] == ["ronde", "sessie", "plaatsen online"]


# -- one festival per admin token ----------------------------------------------------------------


def test_admin_token_reads_only_its_own_festival(client: TestClient, settings: Settings):
    load_into(settings.database_url, SCHEDULES / f"{OTHER}.toml")
    ann = register(client, registration("Ann", "ann@example.org"), f"?festival={REFERENCE_SLUG}")
    bob = register(client, registration("Bob", "bob@example.org"), f"?festival={OTHER}")
    admin_a = admin_token(settings.database_url, REFERENCE_SLUG)[1]
    admin_b = admin_token(settings.database_url, OTHER)[1]

    asked_for_b = client.get(f"/api/admin/registrations?festival={OTHER}", headers=bearer(admin_a))
    page = client.get(f"/admin?festival={OTHER}", headers=bearer(admin_a))
    export = client.get(f"/admin/registrations.csv?festival={OTHER}", headers=bearer(admin_a))

    assert (asked_for_b.status_code, page.status_code, export.status_code) == (403, 403, 403)
    assert asked_for_b.json()["error"]["code"] == "auth.forbidden"
    assert "Bob" not in page.text
    assert "bob@example.org" not in export.text
    assert registrations_seen_by(client, admin_a) == [_stored(ann)]
    assert registrations_seen_by(client, admin_b) == [_stored(bob)]


# -- CSV export ----------------------------------------------------------------------------------


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_admin_csv_has_a_header_and_a_row_per_registration(
    client: TestClient, admin: str, ann: dict[str, Any]
):
    register(client, registration("Bob", "bob@example.org", organisation="Wijkteam"))

    response = client.get("/admin/registrations.csv", headers=bearer(admin))

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{REFERENCE_SLUG}-registrations.csv"'
    )
    assert response.text.splitlines()[0] == (
        "id,name,email,organisation,language,mode,registered_at,"
        "ronde-1,ronde-1_status,ronde-1_waitlist_position,"
        "ronde-2,ronde-2_status,ronde-2_waitlist_position"
    )
    assert _rows(response.text) == [
        {
            "id": str(ann["id"]),
            "name": "Ann de Vries",
            "email": "ann@example.org",
            "organisation": "",
            "language": "nl",
            "mode": "online",
            "registered_at": "2020-11-19T09:00:00+01:00",
            "ronde-1": "huiskamer-1",
            "ronde-1_status": "confirmed",
            "ronde-1_waitlist_position": "",
            "ronde-2": "",
            "ronde-2_status": "",
            "ronde-2_waitlist_position": "",
        },
        {
            "id": str(ann["id"] + 1),
            "name": "Bob",
            "email": "bob@example.org",
            "organisation": "Wijkteam",
            "language": "nl",
            "mode": "online",
            "registered_at": "2020-11-19T09:00:00+01:00",
            "ronde-1": "",
            "ronde-1_status": "",
            "ronde-1_waitlist_position": "",
            "ronde-2": "",
            "ronde-2_status": "",
            "ronde-2_waitlist_position": "",
        },
    ]


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("name", '=HYPERLINK("http://evil.example","klik")'),
        ("name", "+31 20 123 4567"),
        ("name", "-2+3"),
        ("organisation", "@SUM(A1:A9)"),
        ("email", "-ann@example.org"),
    ],
)
def test_admin_csv_neutralises_formulas(client: TestClient, admin: str, field: str, typed: str):
    body = registration()
    body[field] = typed
    register(client, body)

    text = client.get("/admin/registrations.csv", headers=bearer(admin)).text

    assert _rows(text)[0][field] == "'" + typed


@pytest.mark.parametrize(
    "typed",
    [
        'Ann;=HYPERLINK("http://x")',  # Dutch Excel splits a comma file on ;
        "Ann; @SUM(A1:A9)",
        "Ann,-2+3",
        "Ann\t=1+1",
        "Ann\r\n+1",
    ],
)
@pytest.mark.parametrize("form", ["", "?format=excel"])
def test_admin_csv_has_no_formula_cell_whatever_the_delimiter(
    client: TestClient, admin: str, typed: str, form: str
):
    register(client, registration(typed, organisation=typed))

    text = client.get(f"/admin/registrations.csv{form}", headers=bearer(admin)).text

    for delimiter in (",", ";", "\t"):
        for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter):
            for cell in row:
                assert not cell.lstrip(" ").startswith(("=", "+", "-", "@")), (delimiter, cell)
                assert not cell.startswith(("\t", "\r")), (delimiter, cell)


def test_admin_page_links_the_excel_export(client: TestClient, admin: str):
    page = client.get("/admin", headers=bearer(admin)).text
    excel = client.get("/admin/registrations.csv?format=excel", headers=bearer(admin))

    link = f"/admin/registrations.csv?festival={REFERENCE_SLUG}&amp;format=excel"
    assert f'<a href="{link}">CSV voor Excel (;)</a>' in page
    assert excel.content.startswith(b"\xef\xbb\xbfnummer;naam;e-mail;")
    assert excel.headers["content-disposition"] == (
        f'attachment; filename="{REFERENCE_SLUG}-registrations-excel.csv"'
    )


def test_admin_csv_leaves_ordinary_text_alone(client: TestClient, admin: str):
    register(client, registration("Ann = de Vries", organisation="Team +1"))

    row = _rows(client.get("/admin/registrations.csv", headers=bearer(admin)).text)[0]

    assert (row["name"], row["organisation"]) == ("Ann = de Vries", "Team +1")
