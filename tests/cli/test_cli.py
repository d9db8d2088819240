"""The `festival` command line: `check` end to end, and every command's help.

`load` and `serve` need a database; only their help is exercised here.
"""

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from festival.cli import main

SCHEDULES = sorted((Path(__file__).resolve().parents[2] / "schedules").glob("*.toml"))

VALID = """\
[festival]
slug = "demo-day"
title = "Demo day"
date = 2020-11-19
timezone = "Europe/Amsterdam"
language = "nl"
mode = "online"
"""


def festival(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="festival")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory, so file names in the output are as the user typed them."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_check_valid_schedules_exit_0() -> None:
    result = festival("check", *map(str, SCHEDULES))

    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"{len(SCHEDULES)} file(s) valid\n"


def test_check_valid_file_exit_0(workdir: Path) -> None:
    (workdir / "demo.toml").write_text(VALID, encoding="utf-8")

    result = festival("check", "demo.toml")

    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "1 file(s) valid\n")


def test_check_bad_file_prints_one_line_per_problem(workdir: Path) -> None:
    bad = VALID.replace('mode = "online"', 'mdoe = "online"') + 'website = "www.example.org"\n'
    (workdir / "bad.toml").write_text(bad, encoding="utf-8")

    result = festival("check", "bad.toml")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "bad.toml:1: missing required field festival.mode",
        "bad.toml:7: unknown key 'mdoe' in festival (did you mean 'mode'?)",
        "bad.toml:8: festival.website is not a valid http(s) URL: 'www.example.org'",
    ]
    assert result.stderr == "3 problem(s) in 1 of 1 file(s)\n"


def test_check_two_bad_files_prints_problems_of_both(workdir: Path) -> None:
    (workdir / "a.toml").write_text(VALID.replace('"nl"', '"de"'), encoding="utf-8")
    (workdir / "b.toml").write_text(VALID + "capacity = 0\n", encoding="utf-8")
    (workdir / "c.toml").write_text(VALID, encoding="utf-8")

    result = festival("check", "a.toml", "b.toml", "c.toml")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "a.toml:6: festival.language must be one of nl, en; got 'de'",
        "b.toml:8: unknown key 'capacity' in festival",
    ]
    assert result.stderr == "2 problem(s) in 2 of 3 file(s)\n"


def test_check_toml_syntax_error_exit_1(workdir: Path) -> None:
    (workdir / "broken.toml").write_text(VALID + "title = \n", encoding="utf-8")

    result = festival("check", "broken.toml")

    assert (result.exit_code, result.stdout) == (
        1,
        "broken.toml:8: TOML syntax error: Invalid value\n",
    )


def test_check_missing_file_exit_1(workdir: Path) -> None:
    result = festival("check", "missing.toml")

    assert result.exit_code == 1
    assert result.stdout == "missing.toml: cannot read: No such file or directory\n"
    assert result.stderr == "1 problem(s) in 1 of 1 file(s)\n"


def test_check_without_files_is_a_usage_error() -> None:
    result = festival("check")

    assert result.exit_code == 2
    assert "Missing argument 'FILES...'" in result.stderr


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["--help"], "Usage: festival [OPTIONS] COMMAND [ARGS]..."),
        (["check", "--help"], "Usage: festival check [OPTIONS] FILES..."),
        (["load", "--help"], "Usage: festival load [OPTIONS] FILE"),
        (["serve", "--help"], "Usage: festival serve [OPTIONS]"),
    ],
    ids=["festival", "check", "load", "serve"],
)
def test_help_exit_0(args: list[str], usage: str) -> None:
    result = festival(*args)

    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == usage
