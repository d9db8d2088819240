"""Who gets a certificate of attendance and for which minutes (`attendance.certificate`):
joins and a check-in, each item from the first of them to its end, within its own length."""

from __future__ import annotations

from dataclasses import replace

import pytest

from festival.attendance import Joined, attended_minutes, eligibility, normal_code
from festival.attendance.certificate import new_code
from festival.programme.loading import read_programme
from festival.programme.model import PLENARY
from festival.registration.model import Place, Registration
from tests.conftest import REFERENCE
from tests.factories import local

FESTIVAL = replace(read_programme(REFERENCE), certificate_minimum_minutes=60)
ROUND = FESTIVAL.rounds[0]
SESSION = ROUND.sessions[0]  # huiskamer-1, 10:30 to 11:30; the plenary 13:30 to 15:15
OTHER = ROUND.sessions[1]


def _ann(status: str = "confirmed") -> Registration:
    place = Place(ROUND.id, SESSION.id, "confirmed" if status == "confirmed" else "waitlisted",
                  None if status == "confirmed" else 1)  # fmt: skip
    return Registration(
        1, FESTIVAL.slug, "Ann", "ann@example.org", "", "nl", "onsite", SESSION.start, (place,)
    )


def _minutes(registration: Registration, joins: list[Joined], checked_in=None):
    return [
        (a.entry, a.minutes) for a in attended_minutes(FESTIVAL, registration, joins, checked_in)
    ]


def test_a_join_counts_from_the_first_join_to_the_end():
    joins = [Joined(SESSION.id, local(10, 40), local(11, 20))]

    assert _minutes(_ann(), joins) == [(SESSION.id, 50)]


def test_a_join_before_the_start_counts_from_the_start_only():
    joins = [Joined(PLENARY, local(13, 20), local(13, 25))]

    assert _minutes(_ann(), joins) == [(PLENARY, 105)]


def test_a_check_in_counts_for_the_plenary_and_the_sessions_with_a_confirmed_place():
    assert _minutes(_ann(), [], local(9, 45)) == [(SESSION.id, 60), (PLENARY, 105)]
    assert _minutes(_ann("waitlisted"), [], local(9, 45)) == [(PLENARY, 105)]


def test_the_earlier_of_a_join_and_a_check_in_counts():
    joins = [Joined(PLENARY, local(14, 0), local(14, 0))]

    assert _minutes(_ann(), joins, local(13, 45)) == [(PLENARY, 90)]
    assert _minutes(_ann(), joins, local(14, 30)) == [(PLENARY, 75)]


def test_an_item_attended_for_less_than_a_minute_is_left_out():
    joins = [Joined(SESSION.id, local(11, 29, 30), local(11, 29, 30))]

    assert _minutes(_ann(), joins) == []


def test_a_cancelled_session_no_longer_counts():
    cancelled = replace(SESSION, cancelled=True)
    festival = replace(FESTIVAL, rounds=(replace(ROUND, sessions=(cancelled, OTHER)),))
    joins = [Joined(SESSION.id, local(10, 30), local(10, 30))]

    assert attended_minutes(festival, _ann(), joins, None) == []


@pytest.mark.parametrize(
    ("minimum", "joined", "now", "standing"),
    [
        (0, (13, 30), (16, 0), "none"),
        (60, (13, 30), (15, 14), "not_yet"),
        (60, (14, 16), (15, 15), "below"),
        (60, (14, 15), (15, 15), "ready"),
    ],
)
def test_eligibility(minimum: int, joined: tuple[int, int], now: tuple[int, int], standing: str):
    festival = replace(FESTIVAL, certificate_minimum_minutes=minimum)
    attended = attended_minutes(
        festival, _ann(), [Joined(PLENARY, local(*joined), local(*joined))], None
    )

    decided = eligibility(festival, attended, local(*now))

    assert (decided.standing, decided.minimum, decided.ends) == (standing, minimum, local(15, 15))


def test_codes_are_random_and_read_back_however_typed():
    code = new_code()

    assert code != new_code()
    assert normal_code(code.lower().replace("-", " ")) == code
    assert normal_code("0000-0000-0000-0000") == ""
    assert normal_code(code + "A") == ""
