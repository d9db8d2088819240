"""`festival serve` and `festival load` as a user runs them: a real process, a real database.

Each server test runs once on SQLite and once on PostgreSQL (the `database_url` fixture).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2
from click.testing import CliRunner

from festival.cli import main
from tests.conftest import REFERENCE
from tests.servers import ROOT, free_port, get, serve, server_environment

PROGRAMME = "schedules/agenda-sociaal-werk-2020.toml"  # as typed in the repository root
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def settings_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"FESTIVAL_DATABASE_URL": database_url, "FESTIVAL_VAR_DIR": str(tmp_path)}


def test_serve_programme_answers_with_its_own_date(database_url: str, tmp_path: Path) -> None:
    with serve("--programme", PROGRAMME, env=settings_env(database_url, tmp_path)) as base:
        response = get(f"{base}/api/programme")

    festival = response.json()["festival"]
    assert response.status_code == 200
    assert (festival["slug"], festival["date"]) == ("agenda-sociaal-werk-2020", "2020-11-19")


def test_serve_demo_moves_festival_to_the_next_day_it_has_not_begun(
    database_url: str, tmp_path: Path
) -> None:
    started = datetime.now(AMSTERDAM)
    env = settings_env(database_url, tmp_path)

    with serve("--programme", PROGRAMME, "--demo", env=env) as base:
        body = get(f"{base}/api/programme").json()

    moved_to = date.fromisoformat(body["festival"]["date"])
    first_round = datetime.fromisoformat(body["rounds"][0]["start"])
    assert first_round == datetime.combine(moved_to, time(10, 30), AMSTERDAM)
    # Today when 10:30 is still ahead, else tomorrow: there is always something to register for.
    today_start = datetime.combine(started.date(), time(10, 30), AMSTERDAM)
    expected = started.date() if started < today_start else started.date() + timedelta(days=1)
    assert moved_to == expected


def test_serve_prints_attendee_url(database_url: str, tmp_path: Path) -> None:
    printed = tmp_path / "stdout.txt"

    with serve(
        "--programme", PROGRAMME, env=settings_env(database_url, tmp_path), stdout=printed
    ) as base:
        pass

    assert f"  programme (attendees): {base}/" in printed.read_text().splitlines()


def test_serve_demo_prints_a_working_admin_console_link(database_url: str, tmp_path: Path):
    printed = tmp_path / "stdout.txt"
    env = settings_env(database_url, tmp_path)

    with serve("--programme", PROGRAMME, "--demo", env=env, stdout=printed) as base:
        lines = printed.read_text().splitlines()
        (link,) = [line.split()[-1] for line in lines if line.startswith("  admin console:")]
        with httpx2.Client(trust_env=False, follow_redirects=True) as browser:
            page = browser.get(link)

    assert link.startswith(f"{base}/admin?token=")
    assert (page.status_code, str(page.url)) == (200, f"{base}/admin")
    assert "Aanmeldingen" in page.text


def test_serve_without_demo_makes_no_tokens(database_url: str, tmp_path: Path):
    printed = tmp_path / "stdout.txt"

    with serve("--programme", PROGRAMME, env=settings_env(database_url, tmp_path), stdout=printed):
        pass

    assert "console:" not in printed.read_text()


def test_serve_bad_programme_exits_1_before_listening(tmp_path: Path) -> None:
    reference = REFERENCE.read_text()
    line = reference.splitlines().index("end = 11:30:00") + 1  # the first round's end
    bad = tmp_path / "bad.toml"
    bad.write_text(reference.replace("end = 11:30:00", "end = 09:30:00", 1))
    port = str(free_port())
    env = server_environment({"FESTIVAL_VAR_DIR": str(tmp_path)})

    result = subprocess.run(
        [sys.executable, "-m", "festival", "serve", "--programme", str(bad), "--port", port],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{bad}:{line}: round[0] ends at 09:30, not after its start 10:30"
    ]
    assert result.stdout == ""  # no banner: it never got as far as listening


def test_load_twice_reports_created_then_nothing_changed(database_url: str) -> None:
    runner = CliRunner(env={"FESTIVAL_DATABASE_URL": database_url, "FESTIVAL_DEMO": None})

    first = runner.invoke(main, ["load", str(REFERENCE)])
    second = runner.invoke(main, ["load", str(REFERENCE)])

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert first.stdout.splitlines()[-1] == (
        "agenda-sociaal-werk-2020: created; 22 added, 0 updated, 0 cancelled, 0 restored, "
        "0 unchanged"
    )
    assert second.stdout == (
        "agenda-sociaal-werk-2020: updated; 0 added, 0 updated, 0 cancelled, 0 restored, "
        "22 unchanged\n"
    )


def test_serve_on_a_var_dir_it_cannot_write_exits_with_one_line_naming_it(tmp_path: Path):
    # Tests run as root, where a chmod stops no write, so the directory is one that cannot be
    # made: its parent is a file. The check is the same for a read-only one: write there.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    var = blocker / "var"
    env = server_environment({"FESTIVAL_VAR_DIR": str(var)})

    result = subprocess.run(
        [sys.executable, "-m", "festival", "serve", "--programme", PROGRAMME],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: cannot write to the directory {var} (Not a directory); the service keeps its "
        "database and mail there: make it writable, or choose another with --var-dir"
    ]
    assert result.stdout == ""
