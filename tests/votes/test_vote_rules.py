"""The vote's rules alone: its status through the window, which ballots it takes, who a voter
is, the confirmation link's secret and the result."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import festival.votes
from festival.errors import Forbidden, Invalid, NotFound
from festival.programme.model import Festival, Nominee, Vote
from festival.votes import Ballot, find_vote, status, tally, voter_key
from festival.votes.rules import (
    NotYetOpen,
    check_nominee,
    check_open,
    check_reveal,
    confirmation_token,
)

OPENS = datetime(2023, 4, 11, tzinfo=UTC)
CLOSES = datetime(2023, 5, 24, 9, tzinfo=UTC)
NOMINEES = (Nominee("a", "Anna"), Nominee("b", "Bram"), Nominee("c", "Cor"))
VOTE = Vote("award", "Award", opens=OPENS, closes=CLOSES, nominees=NOMINEES)
SECRET = "install-secret"


@pytest.mark.parametrize(
    ("moment", "revealed", "expected"),
    [
        (OPENS - timedelta(seconds=1), None, "upcoming"),
        (OPENS, None, "open"),
        (CLOSES - timedelta(seconds=1), None, "open"),
        (CLOSES, None, "closed"),
        (OPENS + timedelta(days=1), OPENS + timedelta(hours=1), "revealed"),
    ],
)
def test_the_status_follows_the_window_and_the_reveal(
    moment: datetime, revealed: datetime | None, expected: str
) -> None:
    assert status(VOTE, moment, revealed) == expected


def test_a_vote_without_times_is_open_until_revealed() -> None:
    endless = Vote("award", "Award", nominees=NOMINEES)

    assert status(endless, OPENS, None) == "open"
    assert status(endless, OPENS, OPENS) == "revealed"


@pytest.mark.parametrize(
    ("moment", "revealed", "code"),
    [
        (OPENS - timedelta(days=1), None, "vote.not_open"),
        (CLOSES, None, "vote.closed"),
        (OPENS + timedelta(days=1), OPENS, "vote.revealed"),
    ],
)
def test_ballots_outside_the_window_are_forbidden(
    moment: datetime, revealed: datetime | None, code: str
) -> None:
    with pytest.raises(Forbidden) as refused:
        check_open(VOTE, moment, revealed)

    assert refused.value.code == code


@pytest.mark.parametrize("nominee", ["d", "", None, 1, ["a"]])
def test_only_a_nominee_of_the_vote_is_taken(nominee: object) -> None:
    with pytest.raises(Invalid) as refused:
        check_nominee(VOTE, nominee)

    assert refused.value.errors == {"nominee": "not a nominee of this vote; one of: a, b, c"}


def test_a_vote_not_yet_open_is_not_revealed() -> None:
    with pytest.raises(NotYetOpen):
        check_reveal(VOTE, OPENS - timedelta(days=1), None)
    check_reveal(VOTE, CLOSES, None)  # closed: the result may be revealed


def test_another_festivals_vote_is_not_found() -> None:
    festival = Festival("f", "F", OPENS.date(), "Europe/Amsterdam", "nl", "online", votes=(VOTE,))

    assert find_vote(festival, "award") is VOTE
    with pytest.raises(NotFound):
        find_vote(festival, "other-award")


def test_a_voter_is_their_address_in_any_case_hashed_under_the_secret() -> None:
    key = voter_key(SECRET, "Anna@Example.org ")

    assert key == voter_key(SECRET, "anna@example.org")
    assert key != voter_key("another-secret", "anna@example.org")
    assert "anna" not in key
    assert len(key) == 64


def test_the_confirmation_secret_is_the_same_for_the_same_ballot_and_differs_per_ballot() -> None:
    ballot = Ballot(7, "f", "award", voter_key(SECRET, "a@example.org"), "a", "pending", OPENS)

    token = confirmation_token(SECRET, ballot)

    assert token == confirmation_token(SECRET, ballot)
    assert token != confirmation_token(SECRET, Ballot(8, *list(ballot.__dict__.values())[1:]))
    assert token != confirmation_token("another-secret", ballot)


def test_the_result_counts_every_nominee_and_names_the_winners() -> None:
    assert tally(VOTE, {"a": 2, "b": 5, "gone": 9}).counts == {"a": 2, "b": 5, "c": 0}
    assert tally(VOTE, {"a": 2, "b": 5}).winners == ("b",)
    assert tally(VOTE, {"a": 3, "c": 3}).winners == ("a", "c")
    assert tally(VOTE, {}).winners == ()
    assert tally(VOTE, {"a": 1, "b": 2}).total == 3


def test_the_package_exports_its_public_names() -> None:
    assert festival.votes.__all__ == sorted(festival.votes.__all__)
    assert all(hasattr(festival.votes, name) for name in festival.votes.__all__)
    assert "Standing" in festival.votes.__all__
