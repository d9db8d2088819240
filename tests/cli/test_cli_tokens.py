"""`festival token create/list/revoke` and `festival export registrations`, end to end."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
import pytest
from click.testing import Result
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.i18n import translate
from festival.web.app import create_app
from tests.conftest import REFERENCE
from tests.factories import REFERENCE_SLUG, bearer, cli_against, register, registration
from tests.servers import serve
from tests.web.conftest import NOW

HEADER = [
    "id",
    "name",
    "email",
    "organisation",
    "language",
    "mode",
    "registered_at",
    "ronde-1",
    "ronde-1_status",
    "ronde-1_waitlist_position",
    "ronde-2",
    "ronde-2_status",
    "ronde-2_waitlist_position",
]


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'festival.db'}"


@pytest.fixture
def festival(database_url: str, tmp_path: Path) -> Callable[..., Result]:
    return cli_against(database_url, tmp_path / "var")


@pytest.fixture
def loaded(festival) -> None:
    result = festival("load", str(REFERENCE))
    assert result.exit_code == 0, result.output


def _app(database_url: str) -> TestClient:
    return TestClient(create_app(Settings(database_url=database_url)))


def _secret(result: Result) -> str:
    url = urlsplit(result.stdout.splitlines()[-1])
    return url.query.removeprefix("token=")


@pytest.mark.usefixtures("loaded")
def test_token_create_admin_prints_console_url_last(festival):
    result = festival("token", "create", "--role", "admin", "--label", "Marieke")

    assert result.exit_code == 0
    first, last = result.stdout.splitlines()
    assert first == f"token 1: admin for {REFERENCE_SLUG}"
    secret = _secret(result)
    assert last == f"http://127.0.0.1:8000/admin?token={secret}"
    assert len(secret) >= 43


@pytest.mark.usefixtures("loaded")
def test_token_create_admin_token_works_in_the_app(festival, database_url: str):
    result = festival("token", "create", "--role", "admin")
    url = urlsplit(result.stdout.splitlines()[-1])

    with _app(database_url) as client:
        api = client.get("/api/admin/registrations", headers=bearer(_secret(result)))
        link = client.get(f"{url.path}?{url.query}", follow_redirects=False)
        page = client.get("/admin")

    assert (api.status_code, api.json()["registrations"]) == (200, [])
    assert (link.status_code, link.headers["location"]) == (303, "/admin")
    assert (page.status_code, page.template.name) == (200, "admin/page.html")  # type: ignore[attr-defined]


@pytest.mark.usefixtures("loaded")
def test_token_list_shows_token_without_secret(festival):
    created = festival("token", "create", "--role", "admin", "--label", "Marieke (organisatie)")

    result = festival("token", "list")

    assert (result.exit_code, result.stdout) == (
        0,
        f"1\t{REFERENCE_SLUG}\tadmin\tactive\tMarieke (organisatie)\n",
    )
    assert _secret(created) not in result.output


@pytest.mark.usefixtures("loaded")
def test_token_revoke_then_again_says_already_revoked(festival):
    festival("token", "create", "--role", "admin")

    first = festival("token", "revoke", "1")
    second = festival("token", "revoke", "1")
    listed = festival("token", "list")

    assert (first.exit_code, first.stdout) == (0, "token 1 revoked\n")
    assert (second.exit_code, second.stdout) == (0, "token 1 was already revoked\n")
    assert listed.stdout.split("\t")[3].startswith("revoked ")


@pytest.mark.usefixtures("loaded")
def test_token_revoke_stops_the_token_in_the_app(festival, database_url: str):
    secret = _secret(festival("token", "create", "--role", "admin"))
    festival("token", "revoke", "1")

    with _app(database_url) as client:
        response = client.get("/api/admin/registrations", headers=bearer(secret))

    assert (response.status_code, response.json()["error"]["code"]) == (401, "auth.invalid")


@pytest.mark.usefixtures("loaded")
def test_token_revoke_unknown_id_fails_clearly(festival):
    result = festival("token", "revoke", "99")

    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "Error: no token 99\n")


@pytest.mark.usefixtures("loaded")
def test_token_revoke_leaves_personal_links_alone(festival, database_url: str):
    with TestClient(create_app(Settings(database_url=database_url), clock=FixedClock(NOW))) as c:
        ann = register(c, registration())  # her personal link is token 1, not a role token
    assert festival("token", "list").stdout == ""

    result = festival("token", "revoke", "1")

    with _app(database_url) as client:
        me = client.get("/api/me", headers=bearer(ann["token"]))
    assert (result.exit_code, result.stderr) == (1, "Error: no token 1\n")
    assert me.status_code == 200


@pytest.mark.usefixtures("loaded")
def test_token_create_attendee_role_is_refused_by_click(festival):
    result = festival("token", "create", "--role", "attendee")

    assert result.exit_code == 2
    assert "Invalid value for '--role': 'attendee' is not one of" in result.stderr
    assert festival("token", "list").stdout == ""


def test_token_create_without_a_festival_loaded_fails_clearly(festival):
    result = festival("token", "create", "--role", "admin")

    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        "Error: no festival loaded yet; run `festival load FILE` first\n",
    )


@pytest.mark.usefixtures("loaded")
def test_token_create_for_unknown_festival_fails_clearly(festival):
    result = festival("token", "create", "--role", "admin", "--festival", "nope")

    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: no festival 'nope'; loaded: {REFERENCE_SLUG}\n",
    )


def _register_two(database_url: str) -> None:
    with TestClient(create_app(Settings(database_url=database_url), clock=FixedClock(NOW))) as c:
        register(c, registration("Ann de Vries", choices={"ronde-1": "huiskamer-1"}))
        register(c, registration("=Bob", "bob@example.org", organisation="Wijkteam"))


AT_NINE = "2020-11-19T09:00:00+01:00"
ANN = ["1", "Ann de Vries", "ann@example.org", "", "nl", "online", AT_NINE]
BOB = ["2", "'=Bob", "bob@example.org", "Wijkteam", "nl", "online", AT_NINE]
EXPECTED_ROWS = [
    HEADER,
    [*ANN, "huiskamer-1", "confirmed", "", "", "", ""],
    [*BOB, "", "", "", "", "", ""],
]


@pytest.mark.usefixtures("loaded")
def test_export_registrations_writes_csv_to_stdout(festival, database_url: str):
    _register_two(database_url)

    result = festival("export", "registrations")

    assert result.exit_code == 0
    assert list(csv.reader(io.StringIO(result.stdout))) == EXPECTED_ROWS


@pytest.mark.usefixtures("loaded")
def test_export_registrations_to_file(festival, database_url: str, tmp_path: Path):
    _register_two(database_url)
    target = tmp_path / "out.csv"

    result = festival("export", "registrations", "-o", str(target))

    assert (result.exit_code, result.stdout) == (0, "")
    with target.open(newline="", encoding="utf-8") as f:
        assert list(csv.reader(f)) == EXPECTED_ROWS


@pytest.mark.usefixtures("loaded")
def test_export_registrations_for_excel_has_semicolons_bom_and_session_titles(
    festival, database_url: str, tmp_path: Path
):
    _register_two(database_url)
    target = tmp_path / "excel.csv"

    result = festival("export", "registrations", "--excel", "-o", str(target))

    assert result.exit_code == 0, result.output
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark: Excel reads accents right
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:7] == [
        "nummer",
        "naam",
        "e-mail",
        "organisatie",
        "taal",
        "deelname",
        "aangemeld op",
    ]
    assert rows[0][7:10] == [
        "Huiskamersessies ronde 1",
        "Huiskamersessies ronde 1: status",
        "Huiskamersessies ronde 1: plaats op de wachtlijst",
    ]
    assert rows[1][:2] == ["1", "Ann de Vries"]
    assert rows[1][7:10] == ["Huiskamer 1: De Buurvrouw & Buurvrouw Bus", "bevestigd", ""]
    assert rows[2][1] == "'=Bob"


@pytest.mark.usefixtures("loaded")
def test_export_registrations_without_registrations_is_header_only(festival):
    result = festival("export", "registrations")

    assert (result.exit_code, result.stdout_bytes) == (0, ",".join(HEADER).encode() + b"\r\n")


@pytest.mark.usefixtures("loaded")
def test_a_moderator_token_for_one_channel_opens_its_console(festival, database_url: str):
    result = festival("token", "create", "--role", "moderator", "--channel", "plenary")

    assert result.exit_code == 0, result.output
    url = urlsplit(result.stdout.splitlines()[-1])
    assert url.path == "/moderate/plenary"
    with _app(database_url) as client:
        page = client.get(f"{url.path}?{url.query}")
        elsewhere = client.get(f"/moderate/huiskamer-1?{url.query}")
    assert page.status_code == 200
    assert "Moderatie · Middagprogramma" in page.text
    assert elsewhere.status_code == 403


@pytest.mark.usefixtures("loaded")
def test_a_moderator_token_for_several_channels_lists_them(festival, database_url: str):
    result = festival(
        "token",
        "create",
        "--role",
        "moderator",
        "--channel",
        "huiskamer-1",
        "--channel",
        "huiskamer-2",
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].endswith("channel huiskamer-1,huiskamer-2")
    url = urlsplit(result.stdout.splitlines()[-1])
    assert url.path == "/moderate"
    with _app(database_url) as client:
        index = client.get(f"{url.path}?{url.query}")
        second = client.get(f"/moderate/huiskamer-2?{url.query}")
        plenary = client.get(f"/moderate/plenary?{url.query}")
    assert index.status_code == 200
    assert index.text.count('href="/moderate/') == 2
    assert second.status_code == 200
    assert plenary.status_code == 403


@pytest.mark.usefixtures("loaded")
def test_a_token_for_an_unknown_channel_is_refused(festival):
    result = festival("token", "create", "--role", "moderator", "--channel", "huiskamer-99")

    assert result.exit_code == 1
    assert "no channel 'huiskamer-99'" in result.output
    assert "plenary" in result.output
    assert festival("token", "list").stdout.strip() == ""


CONSOLE_CASES = [
    # (token create arguments, the console's address, what its page says it is)
    (("--role", "host"), "/host", f"<title>{translate('host_console', 'nl')} · "),
    (
        ("--role", "host", "--channel", "huiskamer-1"),
        "/moderate/huiskamer-1",
        f"<h1>{translate('qa_moderate_title', 'nl', title='Huiskamer 1:')}",
    ),
    (
        ("--role", "host", "--channel", "show", "--channel", "huiskamer-1"),
        "/host",
        f"<title>{translate('host_console', 'nl')} · ",
    ),
    (
        ("--role", "moderator", "--channel", "huiskamer-1", "--channel", "huiskamer-2"),
        "/moderate",
        f"<h1>{translate('qa_channels', 'nl')}</h1>",
    ),
    (("--role", "presenter"), "/presenter", f"<title>{translate('presenter_view', 'nl')} · "),
    (
        ("--role", "presenter", "--channel", "show"),
        "/presenter",
        f"<title>{translate('presenter_view', 'nl')} · ",
    ),
    (("--role", "admin", "--channel", "plenary"), "/admin", "<title>"),
]


@pytest.mark.usefixtures("loaded")
def test_every_printed_console_url_opens_a_working_console(
    festival, database_url: str, tmp_path: Path
):
    printed = []
    for args, _, _ in CONSOLE_CASES:
        result = festival("token", "create", *args)
        assert result.exit_code == 0, result.output
        printed.append(urlsplit(result.stdout.splitlines()[-1]))

    env = {"FESTIVAL_DATABASE_URL": database_url, "FESTIVAL_VAR_DIR": str(tmp_path / "var")}
    with serve(env=env) as base:
        for url, (args, path, says) in zip(printed, CONSOLE_CASES, strict=True):
            # As a browser: the link's token moves into a cookie, then the console opens.
            with httpx2.Client(base_url=base, trust_env=False, timeout=10) as browser:
                page = browser.get(f"{url.path}?{url.query}", follow_redirects=True)
            assert (args, page.status_code) == (args, 200)
            assert says in page.text, args
            assert "token=" not in str(page.url)
            assert (args, url.path) == (args, path)


@pytest.mark.parametrize(
    "args",
    [
        ("--role", "presenter", "--channel", "plenary"),
        ("--role", "moderator", "--channel", "show"),
    ],
)
@pytest.mark.usefixtures("loaded")
def test_a_token_that_would_open_no_console_is_refused(festival, args: tuple[str, ...]):
    result = festival("token", "create", *args)

    assert result.exit_code == 1
    assert "would open no console" in result.stderr
    assert festival("token", "list").stdout == ""


def test_token_create_checkin_prints_the_door_page_and_works_there(festival, database_url: str):
    congress = REFERENCE.parent / "jaarcongres-sociaal-werk-2023.toml"
    assert festival("load", str(congress)).exit_code == 0

    result = festival("token", "create", "--role", "checkin", "--label", "deur")

    assert result.exit_code == 0, result.output
    first, last = result.stdout.splitlines()
    assert first == "token 1: checkin for jaarcongres-sociaal-werk-2023"
    assert last == f"http://127.0.0.1:8000/checkin?token={_secret(result)}"
    with _app(database_url) as client:
        found = client.get("/api/checkin/search?q=ann", headers=bearer(_secret(result)))
    assert (found.status_code, found.json()) == (200, {"results": []})


@pytest.mark.usefixtures("loaded")
def test_a_checkin_token_for_a_channel_is_refused(festival):
    result = festival("token", "create", "--role", "checkin", "--channel", "plenary")

    assert result.exit_code == 2
    assert "a checkin token is for the door, not a channel" in result.output
    assert festival("token", "list").stdout == ""
