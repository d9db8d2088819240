"""The check-in rules on their own: the codes, what a typed code may look like, who is given a
code, and which places the door shows."""

from __future__ import annotations

from dataclasses import replace

import pytest

from festival.attendance.checkin import (
    CODE_ALPHABET,
    CODE_LENGTH,
    SEARCH_LIMIT,
    found_by,
    new_checkin_code,
    normalise_code,
    places_at_door,
    search_terms,
    shown_code,
    shows_code,
)
from festival.errors import Invalid
from festival.programme.loading import read_programme
from festival.registration.model import Attendance, Place, Registration
from tests.conftest import REFERENCE, SCHEDULES
from tests.factories import local

CONGRESS = read_programme(SCHEDULES / "jaarcongres-sociaal-werk-2023.toml")


def attendee(*places: Place, mode: Attendance = "onsite") -> Registration:
    return Registration(
        1, CONGRESS.slug, "Ann", "ann@example.org", "", "nl", mode, local(8), places
    )


def test_codes_are_drawn_from_the_alphabet_and_differ():
    codes = {new_checkin_code() for _ in range(200)}

    assert len(codes) == 200
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("ILOU") & set(CODE_ALPHABET)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("7KQ2-M9XD-4HRT", "7KQ2M9XD4HRT"),
        (" 7kq2 m9xd 4hrt ", "7KQ2M9XD4HRT"),
        ("OIL2-M9XD-4HRT", "0112M9XD4HRT"),  # read aloud or typed: O is 0, I and L are 1
        ("7KQ2-M9XD-4HR", None),
        ("7KQ2-M9XD-4HRU", None),  # no U in the alphabet
        ("", None),
    ],
)
def test_a_typed_code_is_normalised_or_refused(typed: str, code: str | None):
    assert normalise_code(typed) == code


def test_a_code_is_shown_in_groups_of_four():
    assert shown_code("7KQ2M9XD4HRT") == "7KQ2-M9XD-4HRT"


def test_only_onsite_attendees_of_a_festival_with_a_venue_are_given_a_code():
    online_day = read_programme(REFERENCE)
    hybrid = replace(CONGRESS, mode="hybrid")

    assert shows_code(CONGRESS, attendee())
    assert shows_code(hybrid, attendee())
    assert not shows_code(hybrid, attendee(mode="online"))
    assert not shows_code(online_day, attendee())


def test_the_door_shows_confirmed_places_only():
    confirmed = Place("deelsessies", "sessie-beroep", "confirmed", None)
    waiting = replace(confirmed, status="waitlisted", position=3)

    (shown,) = places_at_door(CONGRESS, attendee(confirmed))

    assert (shown.session, shown.title) == (
        "sessie-beroep",
        "Het beroep van sociaal werker krachtig en eenduidig neerzetten",
    )
    assert places_at_door(CONGRESS, attendee(waiting)) == ()


@pytest.mark.parametrize("q", ["", "a", "   a  ", "x" * 101])
def test_a_search_needs_two_to_a_hundred_characters(q: str):
    with pytest.raises(Invalid) as refused:
        search_terms(q)

    assert set(refused.value.errors) == {"q"}


def test_a_search_folds_case_accents_and_runs_of_spaces():
    assert search_terms("  Ann   de ") == "ann de"
    assert search_terms("ÖZLEM") == "ozlem"


def test_names_are_found_by_part_case_and_accents_aside_by_name():
    names = [(1, "Özlem Yılmaz"), (2, "Anna Müller"), (3, "Piet  Muller"), (4, "Jan de Vries")]

    assert found_by(names, search_terms("muller")) == [2, 3]
    assert found_by(names, search_terms("özl")) == [1]
    assert found_by(names, search_terms("t m")) == [3]
    assert found_by(names, search_terms("xyz")) == []


def test_a_search_gives_at_most_the_limit():
    names = [(i, f"Persoon {i:03}") for i in range(SEARCH_LIMIT + 5)]

    assert found_by(names, search_terms("persoon")) == list(range(SEARCH_LIMIT))
