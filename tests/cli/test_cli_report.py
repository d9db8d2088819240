"""`festival export report`, end to end on SQLite and PostgreSQL: a day done through the real
API (`tests.report.day.the_day`), then the command's CSV counts what was done, for the
festival asked for only."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from festival.clock import FixedClock
from festival.config import Settings
from tests.factories import REFERENCE_SLUG, cli_against
from tests.report.day import OTHER, check_csv, opened, the_day
from tests.web.conftest import NOW


@pytest.fixture
def festival(database_url: str, tmp_path: Path) -> Callable[..., Result]:
    return cli_against(database_url, tmp_path / "var")


@pytest.fixture
def done(database_url: str, tmp_path: Path) -> None:
    """The day, done through the app; the app is stopped before the command runs."""
    settings = Settings(database_url=database_url, var_dir=str(tmp_path / "app"))
    clock = FixedClock(NOW)
    with opened(settings, clock, tmp_path) as client:
        the_day(client, clock, database_url)


@pytest.mark.usefixtures("done")
def test_export_report_counts_what_was_done(festival):
    result = festival("export", "report", "--festival", REFERENCE_SLUG)

    assert result.exit_code == 0, result.output
    check_csv(result.stdout)


@pytest.mark.usefixtures("done")
def test_export_report_for_excel_to_a_file(festival, tmp_path: Path):
    target = tmp_path / "report.csv"

    result = festival(
        "export", "report", "--festival", REFERENCE_SLUG, "--format", "excel", "-o", str(target)
    )

    assert (result.exit_code, result.stdout) == (0, "")
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfronde;sessie;")
    check_csv(raw.decode("utf-8-sig"), ";")


@pytest.mark.usefixtures("done")
def test_export_report_of_the_other_festival_counts_only_its_own(festival):
    result = festival("export", "report", "--festival", OTHER)

    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    sessions = rows[1 : rows.index([])]
    channels = rows[rows.index([]) + 2 :]
    channels = channels[: channels.index([])]
    # Registered, waitlisted, given back, checked in, joined, attended; no-shows: the
    # congress (2023) is over by the time the command runs.
    assert {tuple(row[4:]) for row in sessions} == {("0", "0", "0", "0", "0", "0", "0")}
    assert rows[-2:] == [
        ["Plenair programma", "1", "0", "0", "0", "", ""],
        ["afgelopen sessies (4)", "0", "0", "0", "0", "0", ""],
    ]
    assert [row[1:] for row in channels if row[1] != "0"] == [["1", "0", "0"]]


@pytest.mark.usefixtures("done")
@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("--festival", "nope"), "Error: no festival 'nope'; loaded: "),
        (
            ("--format", "xlsx"),
            "Invalid value for '--format': 'xlsx' is not one of 'csv', 'excel'.",
        ),
    ],
)
def test_export_report_refuses_bad_input_and_writes_nothing(
    festival, tmp_path: Path, args: tuple[str, ...], error: str
):
    target = tmp_path / "report.csv"

    result = festival("export", "report", *args, "-o", str(target))

    assert result.exit_code != 0
    assert error in result.output
    assert not target.exists() or target.read_text() == ""
