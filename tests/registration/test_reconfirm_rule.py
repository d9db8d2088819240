"""The reconfirmation rule: when a festival asks, its deadline, where an attendee stands as
the clock moves, and which unconfirmed places go to the waitlist. Pure: the clock is a
`FixedClock` the tests move."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from festival.clock import FixedClock
from festival.programme.loading import read_programme
from festival.programme.model import Festival
from festival.registration.model import Place, Registration
from festival.registration.reconfirm import (
    Window,
    ask_moment,
    deadline_moment,
    split,
    standing,
    window,
)
from festival.registration.store import Held
from tests.conftest import REFERENCE

ASKS = datetime(2020, 11, 16, 8, 0, tzinfo=UTC)  # 09:00 in Amsterdam (CET)
DEADLINE = datetime(2020, 11, 18, 8, 0, tzinfo=UTC)
FIRST_START = datetime(2020, 11, 19, 9, 30, tzinfo=UTC)  # round 1, 10:30 in Amsterdam


def festival(days: int) -> Festival:
    return dataclasses.replace(read_programme(REFERENCE), reconfirm_days_before=days)


def attendee(*places: Place) -> Registration:
    return Registration(1, "f", "Ann", "ann@example.org", "", "nl", "online",
                        datetime(2020, 11, 1, tzinfo=UTC), places)  # fmt: skip


def held(place_id: int) -> Held:
    return Held(place_id, place_id, 7, "huiskamer-1", "ronde-1", "online", "confirmed", "asked")


def test_window_asks_at_nine_the_days_before_and_waits_48_hours():
    assert window(festival(3)) == Window(ASKS, DEADLINE)


def test_window_is_none_when_the_festival_asks_nothing():
    assert window(festival(0)) is None


def test_window_ends_12_hours_before_the_first_start_when_that_comes_sooner():
    assert window(festival(1)) == Window(
        datetime(2020, 11, 18, 8, 0, tzinfo=UTC), FIRST_START - timedelta(hours=12)
    )


def test_window_asks_at_nine_local_time_across_a_daylight_saving_change():
    # Summer time begins on 28 March 2021: 09:00 in Amsterdam is 07:00 UTC that day.
    spring = dataclasses.replace(festival(1), date=date(2021, 3, 29), rounds=(), plenary=None)

    found = window(spring)

    assert found is not None
    assert found.asks == datetime(2021, 3, 28, 7, 0, tzinfo=UTC)


def test_scheduler_moments_catch_up_until_the_deadline_and_the_start():
    f = festival(3)
    clock = FixedClock(ASKS - timedelta(days=1))
    assert (ask_moment(f, clock.now()), deadline_moment(f, clock.now())) == (ASKS, DEADLINE)

    clock.set(DEADLINE - timedelta(hours=1))  # down at the asking: asks when back
    assert ask_moment(f, clock.now()) == clock.now()

    clock.set(DEADLINE + timedelta(hours=1))  # too late to ask; the deadline catches up
    assert (ask_moment(f, clock.now()), deadline_moment(f, clock.now())) == (None, clock.now())

    clock.set(FIRST_START)
    assert deadline_moment(f, clock.now()) is None


def test_standing_follows_the_clock_and_the_places_marks():
    f = festival(3)
    confirmed = Place("ronde-1", "huiskamer-1", "confirmed", None)
    clock = FixedClock(ASKS - timedelta(hours=1))

    assert standing(f, attendee(confirmed), clock.now()) == "coming"
    assert standing(f, attendee(), clock.now()) == "not_asked"  # plenary only: no place held
    assert standing(festival(0), attendee(confirmed), clock.now()) == "off"

    clock.set(ASKS + timedelta(hours=1))
    asked = dataclasses.replace(confirmed, reconfirm="asked")
    assert standing(f, attendee(confirmed), clock.now()) == "not_asked"  # taken after asking
    assert standing(f, attendee(asked), clock.now()) == "asked"
    assert standing(f, attendee(dataclasses.replace(asked, reconfirm="done")), clock.now()) == (
        "done"
    )

    clock.set(DEADLINE)
    assert standing(f, attendee(asked), clock.now()) == "lapsed"  # before the move, too
    lapsed = Place("ronde-1", "huiskamer-1", "waitlisted", 3, reconfirm="lapsed")
    assert standing(f, attendee(lapsed), clock.now()) == "lapsed"


def test_standing_asks_only_about_places_with_a_limit_for_the_way_of_attending():
    f = festival(3)
    onsite = dataclasses.replace(
        attendee(Place("ronde-1", "huiskamer-1", "confirmed", None)), mode="onsite"
    )
    clock = FixedClock(ASKS - timedelta(hours=1))

    # The reference sessions limit online places (capacity), not seats in a room.
    assert standing(f, onsite, clock.now()) == "not_asked"


def test_split_moves_every_unconfirmed_place_when_enough_wait():
    places = [held(1), held(2)]

    assert split(places, waiting=2, freed=2) == ([], places)


def test_split_keeps_the_first_places_that_would_come_straight_back():
    places = [held(1), held(2), held(3)]

    assert split(places, waiting=1, freed=3) == (places[:2], places[2:])
    assert split(places, waiting=0, freed=3) == (places, [])
