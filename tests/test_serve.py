"""`festival serve` and `festival load` as a user runs them: a real process, a real database.

Each server test runs once on SQLite and once on PostgreSQL (the `database_url` fixture).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2
from click.testing import CliRunner

from festival import __version__
from festival.cli import main
from tests.conftest import REFERENCE
from tests.servers import ROOT, free_port, get, running, serve, server_environment

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


LINK_LABELS = [
    "programme (attendees)",
    "register",
    "programme API",
    "calendar",
    "admin console",
    "moderator console",
    "host console",
    "presenter console",
    "checkin console",
]


def test_serve_demo_prints_the_load_summary_then_the_links_framed_and_nothing_else(
    database_url: str, tmp_path: Path
):
    printed = tmp_path / "output.txt"  # stdout and stderr together, as a terminal shows them
    env = settings_env(database_url, tmp_path)

    with running(
        "--programme", PROGRAMME, "--demo", env=env, stdout=printed, stderr=printed
    ) as server:
        get(f"{server.base}/")  # a request: at the default level not logged either

    lines = printed.read_text().splitlines()
    rule = lines[2]
    assert lines[:4] == [
        "agenda-sociaal-werk-2020: created; 22 added, 0 updated, 0 cancelled, 0 restored, "
        "0 unchanged",
        "",
        "=" * len(rule),
        f"festival {__version__} is running on {server.base} (Ctrl-C stops it)",
    ]
    assert [line.split(":")[0].strip() for line in lines[4:-1]] == LINK_LABELS
    assert lines[-1] == rule  # the frame's end is the last line, also after stopping
    assert server.process.returncode == 0  # SIGTERM is a normal stop


def test_serve_log_level_info_shows_migrations_and_jobs_and_the_links_after_listening(
    tmp_path: Path,
):
    printed = tmp_path / "output.txt"
    env = {"FESTIVAL_VAR_DIR": str(tmp_path)}

    with serve(
        "--programme", PROGRAMME, "--log-level", "info", env=env, stdout=printed, stderr=printed
    ) as base:
        lines = printed.read_text().splitlines()

    listening = next(i for i, line in enumerate(lines) if "Uvicorn running on" in line)
    links = lines.index(f"festival {__version__} is running on {base} (Ctrl-C stops it)")
    assert listening < links
    assert any(line.startswith("INFO alembic.runtime.migration: Running upgrade") for line in lines)
    assert any(line.startswith("INFO apscheduler.scheduler: Added job") for line in lines)
    assert "  added     round ronde-1" in lines  # every change of the load, not just its sum


def test_serve_stopped_with_ctrl_c_exits_0_without_a_traceback(tmp_path: Path):
    printed = tmp_path / "output.txt"
    env = {"FESTIVAL_VAR_DIR": str(tmp_path)}

    with running("--programme", PROGRAMME, env=env, stdout=printed, stderr=printed) as server:
        server.process.send_signal(signal.SIGINT)
        server.process.wait(timeout=10)

    lines = printed.read_text().splitlines()
    assert server.process.returncode == 0
    assert lines[-1] == lines[2]  # the frame's end: no shutdown lines, no "Aborted!"


def test_serve_refuses_a_log_level_it_does_not_know_from_flag_or_environment():
    flag = CliRunner(env={"FESTIVAL_LOG_LEVEL": None}).invoke(
        main, ["serve", "--log-level", "loud"]
    )
    environment = CliRunner(env={"FESTIVAL_LOG_LEVEL": "loud"}).invoke(main, ["serve"])

    assert (flag.exit_code, environment.exit_code) == (2, 2)
    assert "Invalid value for '--log-level': 'loud' is not one of 'warning', 'info', 'debug'." in (
        flag.stderr
    )
    assert (
        "Error: FESTIVAL_LOG_LEVEL must be one of warning, info, debug, got 'loud'"
        in environment.stderr
    )


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


def test_other_commands_answer_without_migration_lines_unless_asked(tmp_path: Path) -> None:
    def load(database: str, **env: str) -> list[str]:
        url = f"sqlite+aiosqlite:///{tmp_path / database}"
        done = subprocess.run(
            [sys.executable, "-m", "festival", "load", PROGRAMME],
            env=server_environment({"FESTIVAL_DATABASE_URL": url, **env}),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return (done.stderr + done.stdout).splitlines()

    quiet = load("quiet.db")  # a first run: it migrates the new database
    told = load("told.db", FESTIVAL_LOG_LEVEL="info")

    assert quiet[0] == "  added     round ronde-1"  # the answer comes first, nothing before it
    assert not [line for line in quiet if line.startswith(("INFO", "DEBUG"))]
    assert any(line.startswith("INFO alembic.runtime.migration: Running upgrade") for line in told)
