"""`festival export ballots VOTE_ID`: the audit trail of a vote cast over the API, on SQLite
and PostgreSQL: every ballot with its hashed voter, its times in the festival's zone, its
nominee and its state; no address anywhere."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.web.app import create_app
from tests.factories import bearer, cli_against, register, registration
from tests.votes.programmes import DURING, SLUG, VOTE, vote_file
from tests.web.conftest import NOW, load_into

API = f"/api/votes/{VOTE}"


@pytest.fixture
def cast(database_url: str, tmp_path: Path) -> None:
    """Ann votes by her personal link, then withdraws and votes again; Kees by e-mail."""
    settings = Settings(database_url=database_url, var_dir=str(tmp_path), festival=SLUG)
    load_into(database_url, vote_file(tmp_path))
    clock = FixedClock(NOW)
    with TestClient(create_app(settings, clock=clock)) as client:
        ann = bearer(register(client, registration("Ann", "ann@example.org"))["token"])
        clock.set(DURING)
        assert client.post(
            f"{API}/ballots", json={"nominee": "yamina-ayadi"}, headers=ann
        ).is_success
        assert client.delete(f"{API}/ballot", headers=ann).is_success
        assert client.post(
            f"{API}/ballots", json={"nominee": "mhamed-yahia"}, headers=ann
        ).is_success
        kees = {"nominee": "juul-van-schaijk", "email": "kees@example.org"}
        assert client.post(f"{API}/ballots", json=kees).status_code == 202


def test_the_export_lists_every_ballot_with_its_hashed_voter(
    cast: None, database_url: str, tmp_path: Path
):
    result = cli_against(database_url, tmp_path / "var")(
        "export", "ballots", VOTE, "--festival", SLUG
    )

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["nominee"], r["state"]) for r in rows] == [
        ("yamina-ayadi", "withdrawn"),
        ("mhamed-yahia", "counted"),
        ("juul-van-schaijk", "pending"),
    ]
    assert list(rows[0]) == [
        "ballot", "voter", "cast_at", "nominee", "state", "counted_at", "withdrawn_at",
    ]  # fmt: skip
    assert rows[0]["voter"] == rows[1]["voter"] != rows[2]["voter"]  # Ann twice, then Kees
    assert all(len(r["voter"]) == 64 for r in rows)
    assert rows[1]["cast_at"] == rows[1]["counted_at"] == "2023-04-20T12:00:00+02:00"
    assert rows[0]["withdrawn_at"] == "2023-04-20T12:00:00+02:00"
    assert (rows[2]["counted_at"], rows[2]["withdrawn_at"]) == ("", "")
    assert "example.org" not in result.output


def test_an_unknown_vote_is_a_clear_error(cast: None, database_url: str, tmp_path: Path):
    result = cli_against(database_url, tmp_path / "var")(
        "export", "ballots", "nope", "--festival", SLUG
    )

    assert result.exit_code == 1
    assert f"{SLUG} has no vote 'nope'" in result.output
