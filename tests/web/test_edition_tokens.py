"""Tokens follow their festival: with all four schedules in one database, every console,
personal page and channel API opened with a token of a festival `/` does not show gives that
festival's data; an admin token covers its own festival, or the several an organiser's
token names, and is refused every other."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from festival.access.tokens import Role
from festival.clock import FixedClock
from festival.config import Settings
from festival.web.app import create_app
from tests.factories import bearer, register, registration, role_token
from tests.web.conftest import NOW, load_into
from tests.web.test_editions import ORDER, REFERENCE_SLUG

# `/` shows the reference day on the test's day; the congress is another edition.
CONGRESS = "jaarcongres-sociaal-werk-2023"
CONGRESS_TITLE = "Jaarcongres Sociaal Werk 2023: NEXT LEVEL!"
REFERENCE_TITLE = "De agenda van het sociaal werk 2020"
KUS = "kus-themabijeenkomst-2016"


@pytest.fixture(scope="module")
def settings(shared_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("edition-tokens")
    return Settings(
        database_url=shared_database_url, var_dir=str(folder), base_url="http://festival.test"
    )


@pytest.fixture(scope="module")
def app(settings: Settings) -> Iterator[TestClient]:
    """One app for the module, on SQLite and on PostgreSQL. Its tests add tokens, each its
    own, and registrations of people no other test looks for, so none sees another's."""
    load_into(settings.database_url, *ORDER)
    with TestClient(create_app(settings, clock=FixedClock(NOW))) as client:
        yield client


@pytest.fixture
def client(app: TestClient) -> TestClient:
    """The module's app as a new visitor: no console or language cookie of an earlier test."""
    app.cookies.clear()
    return app


def brand(html: str) -> str:
    """The festival named in the page's header."""
    found = re.search(r'class="brand"[^>]*>([^<]*)<', html)
    assert found is not None, html
    return found.group(1)


@pytest.mark.parametrize(
    ("role", "console"),
    [("moderator", "/moderate"), ("host", "/host"), ("presenter", "/presenter"),
     ("admin", "/admin")],
)  # fmt: skip
def test_a_console_opened_with_another_edition_s_token_shows_that_edition(
    client: TestClient, settings: Settings, role: Role, console: str
):
    _, secret = role_token(settings.database_url, role, CONGRESS)

    page = client.get(f"{console}?token={secret}")

    assert page.status_code == 200, page.text
    assert CONGRESS_TITLE in page.text
    assert REFERENCE_TITLE not in page.text


def test_a_personal_page_follows_its_registration_s_festival(client: TestClient):
    done = register(client, registration("Bea Bos", "bea@example.org"), f"?festival={CONGRESS}")

    page = client.get(f"/me/{done['token']}")
    me = client.get("/api/me", headers=bearer(done["token"]))

    assert brand(page.text) == CONGRESS_TITLE
    assert me.json()["festival"] == CONGRESS


@pytest.mark.parametrize(("role", "path"), [("moderator", "/api/channels/plenary"),
                                            ("host", "/api/show")])  # fmt: skip
def test_a_channel_opened_with_another_edition_s_token_is_that_edition_s(
    client: TestClient, settings: Settings, role: Role, path: str
):
    _, secret = role_token(settings.database_url, role, CONGRESS)

    snapshot = client.get(path, headers=bearer(secret)).json()
    public = client.get(path).json()

    assert snapshot["role"] == ("moderator" if role == "moderator" else "host")
    assert _plenary_title(snapshot) == "Plenair programma"  # the congress's
    assert _plenary_title(public) == "Middagprogramma"  # the reference day's, as `/` shows


def _plenary_title(snapshot: dict) -> str:
    return str(snapshot["show"]["title"] if "show" in snapshot else snapshot["title"])


def test_a_token_asked_for_another_edition_s_channel_is_refused(
    client: TestClient, settings: Settings
):
    _, secret = role_token(settings.database_url, "moderator", CONGRESS)

    refused = client.get(f"/api/channels/plenary?festival={REFERENCE_SLUG}", headers=bearer(secret))

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "auth.forbidden"


# -- the admin page and its festivals ----------------------------------------------------------


def test_an_admin_token_of_one_festival_shows_no_switcher(client: TestClient, settings: Settings):
    _, secret = role_token(settings.database_url, "admin", CONGRESS)

    page = client.get("/admin", headers=bearer(secret))

    assert brand(page.text) == CONGRESS_TITLE
    assert "festival-switch" not in page.text


def test_an_organiser_token_lists_exactly_its_festivals_and_switches_between_them(
    client: TestClient, settings: Settings
):
    _, secret = role_token(settings.database_url, "admin", CONGRESS, also=(REFERENCE_SLUG,))
    register(client, registration("Ann", "ann@example.org"), f"?festival={REFERENCE_SLUG}")

    own = client.get("/admin?lang=en", headers=bearer(secret))
    other = client.get(f"/admin?festival={REFERENCE_SLUG}&lang=en", headers=bearer(secret))

    assert brand(own.text) == CONGRESS_TITLE
    switcher = own.text[own.text.index('class="festival-switch"') :].split("</nav>")[0]
    assert re.findall(r"<li>(.*?)</li>", switcher) == [
        f'<a href="/admin?festival={REFERENCE_SLUG}&amp;lang=en">{REFERENCE_TITLE}</a>'
        " · Thursday 19 November 2020",
        f'<span aria-current="page">{CONGRESS_TITLE}</span> · Wednesday 24 May 2023',
    ]
    assert "Ann" not in own.text
    assert brand(other.text) == REFERENCE_TITLE
    assert "Ann" in other.text
    assert f'href="/admin/registrations.csv?festival={REFERENCE_SLUG}"' in other.text


def test_an_every_festival_token_lists_every_festival(client: TestClient, settings: Settings):
    _, secret = role_token(settings.database_url, "admin", CONGRESS, every_festival=True)

    page = client.get(f"/admin?festival={KUS}", headers=bearer(secret))

    switcher = page.text[page.text.index('class="festival-switch"') :].split("</nav>")[0]
    assert switcher.count("<li>") == 4
    assert brand(page.text).startswith("Themabijeenkomst kUS")


ADMIN_READS = [
    "/admin",
    "/admin/registrations.csv",
    "/api/admin/registrations",
    "/api/admin/outbox",
    "/admin/mail/1",
    "/admin/report",
    "/admin/report.csv",
    "/api/admin/report",
]


@pytest.mark.parametrize("path", ADMIN_READS)
def test_every_admin_read_refuses_a_festival_the_token_does_not_cover(
    client: TestClient, settings: Settings, path: str
):
    _, secret = role_token(settings.database_url, "admin", CONGRESS, also=(REFERENCE_SLUG,))

    refused = client.get(f"{path}?festival={KUS}", headers=bearer(secret))

    assert refused.status_code == 403
    assert "Themabijeenkomst" not in refused.text


def test_retrying_mail_of_a_festival_the_token_does_not_cover_is_refused(
    client: TestClient, settings: Settings
):
    _, secret = role_token(settings.database_url, "admin", CONGRESS)

    refused = client.post(f"/api/admin/outbox/retry?festival={KUS}", headers=bearer(secret))
    allowed = client.post(f"/api/admin/outbox/retry?festival={CONGRESS}", headers=bearer(secret))

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "auth.forbidden"
    assert allowed.json() == {"retried": 0}


def test_the_console_link_keeps_the_festival_asked_for_and_refuses_one_not_covered(
    client: TestClient, settings: Settings
):
    _, secret = role_token(settings.database_url, "admin", CONGRESS, also=(REFERENCE_SLUG,))

    kept = client.get(
        f"/admin?token={secret}&festival={REFERENCE_SLUG}&lang=en", follow_redirects=False
    )
    refused = client.get(f"/admin?token={secret}&festival={KUS}", follow_redirects=False)

    assert kept.status_code == 303
    assert kept.headers["location"] == f"/admin?festival={REFERENCE_SLUG}&lang=en"
    assert refused.status_code == 403
    assert "set-cookie" not in refused.headers
