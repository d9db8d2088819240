"""Preference mode end to end: rank before closing, one optimal assignment, then places.

Runs on SQLite and PostgreSQL through the real API (TestClient), the real CLI and the real
scheduler.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from festival.cli import main
from festival.clock import FixedClock
from festival.config import Settings
from festival.registration.service import assign_rounds
from festival.scheduling import Scheduler
from festival.storage.db import Database
from festival.storage.registration_repo import RegistrationSql
from festival.web.app import create_app
from tests.conftest import REFERENCE
from tests.web.conftest import load_into

BEFORE_CLOSE = datetime(2020, 11, 17, 12, 0, tzinfo=UTC)
CLOSES_LOCAL = "2020-11-18T12:00:00"
CLOSES = datetime(2020, 11, 18, 11, 0, tzinfo=UTC)
AFTER_CLOSE = datetime(2020, 11, 18, 13, 0, tzinfo=UTC)


def preference_festival(tmp_path: Path, capacity: int = 2) -> Path:
    text = REFERENCE.read_text().replace("capacity = 25", f"capacity = {capacity}")
    text = text.replace(
        'mode = "online"\n',
        f'mode = "online"\nassignment = "preferences"\nassignment_closes = {CLOSES_LOCAL}\n',
        1,
    )
    path = tmp_path / "preferences.toml"
    path.write_text(text)
    return path


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    load_into(database_url, preference_festival(tmp_path))
    return Settings(database_url=database_url, var_dir=str(tmp_path))


def register(client: TestClient, n: int, ranking: list[str]):
    return client.post(
        "/api/registrations",
        json={
            "name": f"Persoon {n}",
            "email": f"p{n}@example.org",
            "consent": True,
            "language": "en",
            "rankings": {"ronde-1": ranking},
        },
    )


def test_ranking_is_taken_before_closing_and_choices_are_refused(settings: Settings):
    with TestClient(create_app(settings, clock=FixedClock(BEFORE_CLOSE))) as client:
        ranked = register(client, 1, ["huiskamer-1", "huiskamer-2"])
        chose = client.post(
            "/api/registrations",
            json={
                "name": "X",
                "email": "x@example.org",
                "consent": True,
                "language": "en",
                "choices": {"ronde-1": "huiskamer-1"},
            },
        )
        twice = register(client, 3, ["huiskamer-1", "huiskamer-1"])
        foreign = register(client, 4, ["huiskamer-7"])

    assert ranked.status_code == 201
    assert (ranked.json()["choices"], ranked.json()["rankings"]) == (
        {},
        {"ronde-1": ["huiskamer-1", "huiskamer-2"]},
    )
    assert chose.status_code == 422
    assert chose.json()["errors"]["choices"].startswith("This festival asks for ranked")
    assert twice.json()["errors"] == {"rankings.ronde-1": "Name each session only once."}
    assert foreign.json()["errors"] == {
        "rankings.ronde-1": "This session is not part of this round."
    }


def test_ranking_can_be_changed_until_closing(settings: Settings):
    with TestClient(create_app(settings, clock=FixedClock(BEFORE_CLOSE))) as client:
        token = register(client, 1, ["huiskamer-1"]).json()["token"]
        changed = client.put(
            "/api/me/rankings/ronde-1",
            json={"ranking": ["huiskamer-3", "huiskamer-1"]},
            headers={"Authorization": f"Bearer {token}"},
        )
    with TestClient(create_app(settings, clock=FixedClock(AFTER_CLOSE))) as client:
        late = client.put(
            "/api/me/rankings/ronde-1",
            json={"ranking": ["huiskamer-2"]},
            headers={"Authorization": f"Bearer {token}"},
        )

    assert changed.json()["rankings"] == {"ronde-1": ["huiskamer-3", "huiskamer-1"]}
    assert late.status_code == 422
    assert "rankings" in late.json()["errors"]


def test_assignment_fills_capacity_from_rankings_once(settings: Settings):
    wishes = [["huiskamer-1", "huiskamer-2"]] * 5 + [["huiskamer-2", "huiskamer-1"]]
    with TestClient(create_app(settings, clock=FixedClock(BEFORE_CLOSE))) as client:
        tokens = [register(client, n, w).json()["token"] for n, w in enumerate(wishes)]

    async def assign_twice():
        db = Database(settings.database_url)
        try:
            first = await assign_rounds(
                RegistrationSql(db), "agenda-sociaal-werk-2020", now=AFTER_CLOSE
            )
            second = await assign_rounds(
                RegistrationSql(db), "agenda-sociaal-werk-2020", now=AFTER_CLOSE
            )
        finally:
            await db.dispose()
        return first, second

    first, second = asyncio.run(assign_twice())
    with TestClient(create_app(settings, clock=FixedClock(AFTER_CLOSE))) as client:
        mine = [
            client.get("/api/me", headers={"Authorization": f"Bearer {t}"}).json()["choices"]
            for t in tokens
        ]

    round_1 = [(r.placed, r.waitlisted, r.already_done) for r in first if r.round == "ronde-1"]
    assert round_1 == [(4, 2, False)]
    assert all(r.already_done for r in second)
    places = [m["ronde-1"] for m in mine]
    confirmed = [p["session"] for p in places if p["status"] == "confirmed"]
    assert sorted(confirmed) == ["huiskamer-1", "huiskamer-1", "huiskamer-2", "huiskamer-2"]
    # The only one who wanted huiskamer-2 most gets it.
    assert (places[5]["session"], places[5]["status"]) == ("huiskamer-2", "confirmed")
    waiting = sorted(p["position"] for p in places if p["status"] == "waitlisted")
    assert waiting == [1, 2]
    assert {p["session"] for p in places if p["status"] == "waitlisted"} == {"huiskamer-1"}


def test_after_assignment_registration_is_first_come(settings: Settings):
    with TestClient(create_app(settings, clock=FixedClock(AFTER_CLOSE))) as client:
        late = client.post(
            "/api/registrations",
            json={
                "name": "Laat",
                "email": "laat@example.org",
                "consent": True,
                "choices": {"ronde-1": "huiskamer-3"},
            },
        )

    assert late.json()["choices"]["ronde-1"]["status"] == "confirmed"


async def test_scheduler_plans_assignment_at_closing_or_at_once_when_missed(
    database_url: str, tmp_path: Path
):
    await asyncio.to_thread(load_into, database_url, preference_festival(tmp_path))
    db = Database(database_url)
    early, late = Scheduler(db, FixedClock(BEFORE_CLOSE)), Scheduler(db, FixedClock(AFTER_CLOSE))
    try:
        early.jobs.start(paused=True)
        late.jobs.start(paused=True)
        await early.plan()
        await late.plan()
        planned = [s.jobs.get_job("assign:agenda-sociaal-werk-2020") for s in (early, late)]
    finally:
        await early.stop()
        await late.stop()
        await db.dispose()

    assert [job.trigger.run_date for job in planned] == [CLOSES, AFTER_CLOSE]


def test_cli_assign_refuses_first_come_festival_and_runs_once(database_url: str, tmp_path: Path):
    load_into(database_url, REFERENCE)
    env = {"FESTIVAL_DATABASE_URL": database_url, "FESTIVAL_VAR_DIR": str(tmp_path)}
    runner = CliRunner()

    refused = runner.invoke(main, ["assign", "--festival", "agenda-sociaal-werk-2020"], env=env)
    load_into(database_url, preference_festival(tmp_path))
    first = runner.invoke(main, ["assign"], env=env)
    again = runner.invoke(main, ["assign"], env=env)

    assert refused.exit_code == 1
    assert "first come, first served" in refused.output
    assert first.exit_code == 0
    assert first.output.splitlines() == [
        "ronde-1: 0 placed, 0 waitlisted",
        "ronde-2: 0 placed, 0 waitlisted",
    ]
    assert again.output.splitlines() == [
        "ronde-1: 0 placed, 0 waitlisted (assigned before; unchanged)",
        "ronde-2: 0 placed, 0 waitlisted (assigned before; unchanged)",
    ]
