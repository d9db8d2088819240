"""The capacity rule: places per way of attending, places left, and how full a session shows."""

from __future__ import annotations

from datetime import UTC, datetime

from festival.programme.loading import read_programme
from festival.programme.model import Session
from festival.registration.capacity import Availability, availability, free, has_room, limit
from festival.registration.model import SessionCount
from tests.conftest import REFERENCE

START = datetime(2020, 11, 19, 9, 30, tzinfo=UTC)


def _session(capacity: int | None, seats: int | None) -> Session:
    return Session("s", "S", START, START, capacity=capacity, seats=seats)


def test_online_attendees_take_places_and_onsite_attendees_seats():
    session = _session(capacity=25, seats=8)

    assert (limit(session, "online"), limit(session, "onsite")) == (25, 8)
    assert limit(_session(None, None), "onsite") is None


def test_places_left_never_go_below_zero():
    assert [free(2, taken) for taken in (0, 1, 2, 3)] == [2, 1, 0, 0]
    assert free(None, 1000) is None


def test_room_while_places_are_left_or_there_is_no_limit():
    assert [has_room(2, taken) for taken in (0, 1, 2, 3)] == [True, True, False, False]
    assert has_room(None, 1000)
    assert not has_room(0, 0)


def test_availability_counts_each_way_of_attending_against_its_own_limit():
    festival = read_programme(REFERENCE)
    counts = {
        "huiskamer-1": [SessionCount("huiskamer-1", "online", 25, 3)],
        "huiskamer-2": [
            SessionCount("huiskamer-2", "online", 4, 0),
            SessionCount("huiskamer-2", "onsite", 7, 1),  # no seats limit: not counted
        ],
    }

    shown = availability(festival, counts)

    assert shown["huiskamer-1"] == Availability(25, 3, places_left=0, seats_left=None)
    assert shown["huiskamer-1"].full
    assert shown["huiskamer-2"] == Availability(11, 1, places_left=21, seats_left=None)
    assert not shown["huiskamer-2"].full
    assert shown["huiskamer-3"] == Availability(0, 0, places_left=25, seats_left=None)
