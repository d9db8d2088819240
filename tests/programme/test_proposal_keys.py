"""The round's proposal keys and default places in programme files: read, stored defaults,
and every mistake reported by `festival check` with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from festival.errors import ProgrammeError
from festival.programme.loading import parse_programme, read_programme

SCHEDULES = Path(__file__).parent.parent.parent / "schedules"

HEAD = """
[festival]
slug = "tafels"
title = "Tafels"
date = 2025-10-16
timezone = "Europe/Amsterdam"
language = "nl"
mode = "onsite"

[[round]]
id = "tafels"
title = "Gesprekstafels"
start = 14:00:00
end = 15:00:00
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ProgrammeError) as raised:
        parse_programme(text, "tafels.toml")
    return [p.message for p in raised.value.problems]


def test_a_round_that_takes_themes_needs_no_sessions_and_gives_its_places_to_its_sessions():
    festival = parse_programme(
        HEAD + "capacity = 20\nseats = 8\nproposals = true\n"
        "proposals_close = 2025-10-15T12:00:00\n"
        '  [[round.session]]\n  id = "eigen"\n  title = "Eigen tafel"\n'
        '  [[round.session]]\n  id = "klein"\n  title = "Klein"\n  seats = 4\n',
        "tafels.toml",
    )

    (round_,) = festival.rounds
    assert round_.proposals is True
    assert round_.proposals_close is not None
    assert round_.proposals_close.isoformat() == "2025-10-15T10:00:00+00:00"
    assert [(s.capacity, s.seats) for s in round_.sessions] == [(20, 8), (20, 4)]
    assert parse_programme(HEAD + "proposals = true\n", "t.toml").rounds[0].sessions == ()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(
            'proposals = "yes"\n',
            "round[0].proposals must be true or false, got 'yes'",
            id="not-a-boolean",
        ),
        pytest.param(
            "proposals_close = 2025-10-15T12:00:00\n"
            '  [[round.session]]\n  id = "a"\n  title = "A"\n',
            "round[0].proposals_close needs round[0].proposals = true",
            id="close-without-proposals",
        ),
        pytest.param(
            "proposals = true\nproposals_close = 2025-10-16T14:30:00\n",
            "round[0].proposals_close must not be after the round starts (14:00)",
            id="close-after-start",
        ),
        pytest.param(
            "proposals = true\ncapacity = 0\n",
            "round[0].capacity must be a whole number greater than 0, got 0",
            id="capacity-zero",
        ),
        pytest.param(
            '  [[round.session]]\n  id = "proposal-1"\n  title = "A"\n',
            "id 'proposal-1': ids starting with 'proposal-' are kept for the sessions of "
            "accepted themes; choose another",
            id="reserved-id",
        ),
    ],
)
def test_a_bad_proposal_key_is_reported(extra: str, message: str):
    assert message in problems(HEAD + extra)


def test_a_round_without_sessions_or_proposals_is_still_reported():
    assert "round[0] has no sessions ([[round.session]])" in problems(HEAD)


def test_the_seed_of_2016_takes_themes_at_its_gesprekstafels():
    festival = read_programme(SCHEDULES / "kus-themabijeenkomst-2016.toml")

    assert [(r.id, r.proposals, r.proposals_close) for r in festival.rounds] == [
        ("gesprekstafels", True, None)
    ]
