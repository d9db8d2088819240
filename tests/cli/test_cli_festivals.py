"""With several festivals loaded, every command that works on one festival takes the one `/`
shows unless told otherwise: FESTIVAL_FESTIVAL, else `programme.model.featured` (the next to
come, else the latest past), never merely the most recently loaded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from festival.cli import main
from festival.config import Settings
from festival.web.app import create_app
from tests.conftest import REFERENCE, SCHEDULES

CONGRESS = SCHEDULES / "jaarcongres-sociaal-werk-2023.toml"
CONGRESS_SLUG = "jaarcongres-sociaal-werk-2023"
REFERENCE_SLUG = "agenda-sociaal-werk-2020"
CONGRESS_TITLE = "Jaarcongres Sociaal Werk 2023: NEXT LEVEL!"
REFERENCE_TITLE = "De agenda van het sociaal werk 2020"


@pytest.fixture
def festival(tmp_path: Path) -> Callable[..., Result]:
    """`festival ARGS…` on a database where the 2023 congress was loaded before the 2020
    reference day: the most recently loaded (2020) is not the one `/` shows (both are past,
    so the latest, 2023)."""
    env = {
        "FESTIVAL_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'festival.db'}",
        "FESTIVAL_VAR_DIR": str(tmp_path / "var"),
        "FESTIVAL_BASE_URL": "http://festival.test",
        "FESTIVAL_FESTIVAL": None,
    }

    def run(*args: str, pinned: str | None = None) -> Result:
        return CliRunner().invoke(
            main, list(args), env={**env, "FESTIVAL_FESTIVAL": pinned}, prog_name="festival"
        )

    for path in (CONGRESS, REFERENCE):
        loaded = run("load", str(path))
        assert loaded.exit_code == 0, loaded.output
    return run


def test_token_create_defaults_to_the_festival_the_front_page_shows(festival):
    result = festival("token", "create", "--role", "admin")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"token 1: admin for {CONGRESS_SLUG}"


def test_festival_festival_in_the_environment_chooses_as_it_does_for_the_front_page(festival):
    result = festival("token", "create", "--role", "admin", pinned=REFERENCE_SLUG)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"token 1: admin for {REFERENCE_SLUG}"


def test_the_festival_option_wins_over_the_environment(festival):
    result = festival(
        "token", "create", "--role", "admin", "--festival", CONGRESS_SLUG, pinned=REFERENCE_SLUG
    )

    assert result.stdout.splitlines()[0] == f"token 1: admin for {CONGRESS_SLUG}"


def test_ics_defaults_to_the_festival_the_front_page_shows(festival):
    default = festival("ics")
    chosen = festival("ics", "--festival", REFERENCE_SLUG)

    assert default.exit_code == 0, default.output
    assert CONGRESS_TITLE in default.stdout
    assert REFERENCE_TITLE not in default.stdout
    assert REFERENCE_TITLE in chosen.stdout


def test_export_registrations_defaults_to_the_festival_the_front_page_shows(festival):
    default = festival("export", "registrations")
    chosen = festival("export", "registrations", "--festival", REFERENCE_SLUG)

    # The header names the rounds of the festival exported: the reference's are ronde-1, -2.
    assert default.exit_code == 0, default.output
    assert "ronde-1_status" not in default.stdout.splitlines()[0]
    assert "ronde-1_status" in chosen.stdout.splitlines()[0]


def test_assign_defaults_to_the_festival_the_front_page_shows(festival):
    result = festival("assign")

    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {CONGRESS_SLUG} takes registrations first come, first served\n",
    )


def test_an_unknown_festival_names_every_loaded_one(festival):
    result = festival("outbox", "--festival", "nope")

    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: no festival 'nope'; loaded: {REFERENCE_SLUG}, {CONGRESS_SLUG}\n",
    )


def test_an_unknown_pinned_festival_is_refused_as_clearly(festival):
    result = festival("invites", "send", pinned="nope")

    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: no festival 'nope'; loaded: {REFERENCE_SLUG}, {CONGRESS_SLUG}\n",
    )


# -- an organiser's token over several festivals ----------------------------------------------


def test_an_admin_token_may_cover_several_festivals_and_opens_the_first(festival, tmp_path: Path):
    made = festival(
        "token", "create", "--role", "admin",
        "--festival", REFERENCE_SLUG, "--festival", CONGRESS_SLUG,
    )  # fmt: skip

    assert made.exit_code == 0, made.output
    assert made.stdout.splitlines()[0] == (f"token 1: admin for {REFERENCE_SLUG}, {CONGRESS_SLUG}")
    secret = made.stdout.splitlines()[-1].rsplit("token=", 1)[1]
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'festival.db'}")
    with TestClient(create_app(settings)) as client:
        own = client.get("/api/admin/outbox", headers={"Authorization": f"Bearer {secret}"})
        other = client.get(
            f"/admin?festival={CONGRESS_SLUG}", headers={"Authorization": f"Bearer {secret}"}
        )
    assert own.status_code == 200
    assert CONGRESS_TITLE in other.text


def test_an_every_festival_token_is_listed_with_a_star(festival):
    made = festival("token", "create", "--role", "admin", "--every-festival", "--label", "M")
    listed = festival("token", "list", "--festival", REFERENCE_SLUG)

    assert made.stdout.splitlines()[0] == (
        f"token 1: admin for {CONGRESS_SLUG} and every other festival"
    )
    assert listed.stdout == f"1\t{CONGRESS_SLUG},*\tadmin\tactive\tM\n"


@pytest.mark.parametrize(
    "covering",
    [("--festival", REFERENCE_SLUG, "--festival", CONGRESS_SLUG), ("--every-festival",)],
)
def test_only_an_admin_token_covers_several_festivals(festival, covering: tuple[str, ...]):
    result = festival("token", "create", "--role", "host", *covering)

    assert result.exit_code == 2
    assert (
        "only an admin token covers several festivals; make a host token per festival"
        in result.stderr
    )
    assert festival("token", "list").stdout == ""


def test_a_second_festival_that_is_not_loaded_is_refused_and_nothing_is_made(festival):
    result = festival(
        "token", "create", "--role", "admin", "--festival", REFERENCE_SLUG, "--festival", "nope"
    )

    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: no festival 'nope'; loaded: {REFERENCE_SLUG}, {CONGRESS_SLUG}\n",
    )
    assert festival("token", "list").stdout == ""
