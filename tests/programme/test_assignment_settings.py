"""The programme's assignment settings: preferences need a closing moment before round one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from festival.errors import ProgrammeError
from festival.programme.loading import parse_programme
from tests.conftest import REFERENCE


def with_festival_lines(*lines: str) -> str:
    text = REFERENCE.read_text()
    return text.replace('mode = "online"\n', 'mode = "online"\n' + "".join(lines), 1)


def line_of(text: str, start: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def test_preferences_with_closing_loads_in_utc():
    text = with_festival_lines(
        'assignment = "preferences"\n', "assignment_closes = 2020-11-18T12:00:00\n"
    )

    festival = parse_programme(text, "f.toml")

    assert festival.assignment == "preferences"
    assert festival.assignment_closes == datetime(2020, 11, 18, 11, 0, tzinfo=UTC)
    assert festival.collects_preferences(datetime(2020, 11, 18, 10, 59, tzinfo=UTC))
    assert not festival.collects_preferences(datetime(2020, 11, 18, 11, 0, tzinfo=UTC))


def test_first_come_is_the_default():
    assert parse_programme(REFERENCE.read_text(), "f.toml").assignment == "first-come"


def test_preferences_without_closing_is_reported():
    text = with_festival_lines('assignment = "preferences"\n')

    with pytest.raises(ProgrammeError) as caught:
        parse_programme(text, "f.toml")

    assert [str(p) for p in caught.value.problems] == [
        f'f.toml:{line_of(text, "assignment =")}: festival.assignment = "preferences" needs '
        "festival.assignment_closes (when the ranked preferences are turned into places)"
    ]


def test_closing_after_the_first_round_starts_is_reported():
    text = with_festival_lines(
        'assignment = "preferences"\n', "assignment_closes = 2020-11-19T11:00:00\n"
    )

    with pytest.raises(ProgrammeError) as caught:
        parse_programme(text, "f.toml")

    assert [str(p) for p in caught.value.problems] == [
        f"f.toml:{line_of(text, 'assignment_closes')}: festival.assignment_closes must not be "
        "after the first round starts (10:30)"
    ]


def test_unknown_assignment_mode_is_reported():
    text = with_festival_lines('assignment = "lottery"\n')

    with pytest.raises(ProgrammeError) as caught:
        parse_programme(text, "f.toml")

    assert [str(p) for p in caught.value.problems] == [
        f"f.toml:{line_of(text, 'assignment =')}: festival.assignment must be one of "
        "first-come, preferences; got 'lottery'"
    ]
