"""The proposal rules, pure: the fields, the closing time, and the merge of accepted themes
into a programme (`with_accepted`), which every load applies."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from festival.errors import Forbidden, Invalid
from festival.programme.model import Festival, Person, Round, Session
from festival.proposals import Proposal, closes_at, with_accepted
from festival.proposals.rules import check_open, read_fields

START = datetime(2025, 10, 16, 12, 0, tzinfo=UTC)
TABLES = Round(
    "tafels", "Tafels", START, START + timedelta(hours=1),
    (Session("eigen", "Eigen tafel", START, START + timedelta(hours=1)),),
    capacity=20, seats=8, proposals=True,
)  # fmt: skip
FESTIVAL = Festival("f", "F", START.date(), "Europe/Amsterdam", "nl", "onsite", rounds=(TABLES,))


def proposal(number: int, state: str = "accepted", round_id: str = "tafels") -> Proposal:
    return Proposal(
        number, "f", round_id, 1, "Ann de Vries", "Buurtwerk Oost", f"Thema {number}",
        "Waarover", state, START - timedelta(days=1),  # type: ignore[arg-type]
    )  # fmt: skip


def test_accepted_themes_follow_the_files_sessions_with_the_rounds_places_and_their_host():
    merged = with_accepted(FESTIVAL, [proposal(7), proposal(3), proposal(9, round_id="weg")])

    (round_,) = merged.rounds
    assert [s.id for s in round_.sessions] == ["eigen", "proposal-3", "proposal-7"]
    added = round_.sessions[1]
    assert (added.title, added.description) == ("Thema 3", "Waarover")
    assert (added.start, added.end) == (TABLES.start, TABLES.end)
    assert (added.capacity, added.seats) == (20, 8)
    assert added.hosts == (Person("Ann de Vries", organisation="Buurtwerk Oost"),)
    assert [s.proposed for s in round_.sessions] == [False, True, True]


def test_proposals_close_when_registration_does_or_the_round_starts():
    closing = START - timedelta(days=1)

    assert closes_at(FESTIVAL, TABLES) == START
    assert closes_at(replace(FESTIVAL, registration_closes=closing), TABLES) == closing
    assert closes_at(FESTIVAL, replace(TABLES, proposals_close=closing)) == closing


def test_a_round_takes_themes_only_while_open():
    check_open(FESTIVAL, TABLES, START - timedelta(seconds=1))
    with pytest.raises(Forbidden) as closed:
        check_open(FESTIVAL, TABLES, START)
    with pytest.raises(Forbidden) as none:
        check_open(FESTIVAL, replace(TABLES, proposals=False), START - timedelta(days=1))

    assert closed.value.code == "proposal.closed"
    assert none.value.code == "proposal.not_taken"


def test_fields_are_trimmed_and_every_bad_one_is_named():
    assert read_fields({"title": "  Thema ", "description": " Tekst\n"}) == ("Thema", "Tekst")
    with pytest.raises(Invalid) as bad:
        read_fields({"title": "x" * 121, "description": "\x00", "extra": 1})

    assert set(bad.value.errors) == {"title", "description", "body"}
