"""Tests for festival.show.calendar: when a run-of-show delay reaches the calendars."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from festival.programme.loading import read_programme
from festival.show import (
    Shift,
    calendar_shift,
    end_show,
    go_live,
    new_show,
    plenary_times,
    shift_worth_announcing,
    skip_block,
    start_block,
)
from tests.conftest import REFERENCE

FESTIVAL = read_programme(REFERENCE)  # plenary planned 13:30-15:15 in Amsterdam, threshold 10
assert FESTIVAL.plenary is not None
PLENARY = FESTIVAL.plenary
T0 = PLENARY.start
HOST = "host-a"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def running(late: float, *, live: float = -1):
    """The show live since `live` minutes from the plan, its first block started `late`
    minutes late."""
    show = go_live(new_show(PLENARY), at=at(live), by=HOST).show
    return start_block(show, PLENARY.blocks[0].id, at=at(late), by=HOST).show


def test_a_rehearsal_moves_no_calendar():
    rehearsal = running(-115, live=-120)  # live two hours before the start: a rehearsal
    now = at(-100)

    assert (
        plenary_times(FESTIVAL, rehearsal, now),
        calendar_shift(FESTIVAL, rehearsal, 0, now),
    ) == (
        None,
        None,
    )


def test_a_show_not_yet_live_or_over_moves_no_calendar():
    planned = new_show(PLENARY)
    over = end_show(running(20), at=at(30), by=HOST).show

    assert calendar_shift(FESTIVAL, planned, 0, at(20)) is None
    assert calendar_shift(FESTIVAL, over, 0, at(40)) is None


def test_a_show_left_live_after_its_day_moves_no_calendar():
    assert calendar_shift(FESTIVAL, running(20), 0, at(24 * 60)) is None


def test_a_delay_below_the_threshold_moves_no_calendar():
    assert calendar_shift(FESTIVAL, running(9), 0, at(10)) is None
    assert calendar_shift(FESTIVAL, running(25), 20, at(26)) is None  # 5 from the one told


def test_a_delay_at_the_threshold_is_announced_in_whole_minutes():
    late = 12.5  # started 12 minutes 30 seconds late: calendars say 13 minutes later
    shift = calendar_shift(FESTIVAL, running(late), 0, at(13))

    assert shift == Shift(at(13), PLENARY.end + timedelta(minutes=13), 13)
    assert (shift.start.second, shift.end.second) == (0, 0)


def test_a_show_back_on_plan_is_announced_too():
    caught_up = running(20)  # 20 minutes late; four blocks of 5 minutes skipped catch up
    for block in ("welkomstwoord", "toelichting-marie-kamphuis", "intermezzo-spoken-word",
                  "afsluiting"):  # fmt: skip
        caught_up = skip_block(caught_up, block, at=at(21), by=HOST).show

    shift = calendar_shift(FESTIVAL, caught_up, 20, at(22))

    assert shift is not None
    assert shift.delay_minutes == 0
    assert shift.end == PLENARY.end


@pytest.mark.parametrize(
    ("delay", "announced", "due"),
    [
        (0, 0, False),
        (9, 0, False),
        (10, 0, True),
        (-10, 0, True),
        (15, 10, False),
        (20, 10, True),
        (1, 10, False),
        (0, 10, True),  # the show caught up: tell calendars it is back on time
    ],
)
def test_shift_worth_announcing_default_threshold(delay: int, announced: int, due: bool) -> None:
    assert shift_worth_announcing(delay, announced) == due


def test_shift_worth_announcing_own_threshold() -> None:
    assert (shift_worth_announcing(4, 0, threshold=5), shift_worth_announcing(5, 0, 5)) == (
        False,
        True,
    )


def test_shift_worth_announcing_threshold_below_one_raises_value_error() -> None:
    with pytest.raises(ValueError, match="at least 1 minute"):
        shift_worth_announcing(5, 0, threshold=0)
