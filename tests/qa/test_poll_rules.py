"""Tests for festival.qa.polls: a channel's live polls, their answers and their views.

Pure and sync, like the other Q&A rules' tests: every moment is passed in, nothing is stored.
"""

from datetime import UTC, datetime, timedelta
from functools import reduce

import pytest

from festival.qa import (
    MAX_POLL_OPTION,
    MAX_POLL_QUESTION,
    ErrorCode,
    EventType,
    PollState,
    QaChannel,
    QaError,
    answer_poll,
    apply,
    close_poll,
    event_for_audience,
    event_for_moderator,
    for_poll,
    open_poll,
    show_poll,
    snapshot_for_audience,
)
from festival.qa.records import event_body, event_from_parts

NOW = datetime(2026, 11, 19, 12, 30, tzinfo=UTC)
CHANNEL = "plenary"
MOD = "moderator#1"


def opened(options: tuple[str, ...] = ("Ja", "Nee", "Weet niet")) -> QaChannel:
    return open_poll(
        QaChannel(CHANNEL), "p1", question="Gaan we door?", options=options, actor=MOD, now=NOW
    ).state


def answered(state: QaChannel, *answers: tuple[str, int]) -> QaChannel:
    for voter, option in answers:
        state = answer_poll(state, "p1", voter_id=voter, option=option, now=NOW).state
    return state


def test_open_poll_makes_an_open_shown_poll_with_no_answers():
    outcome = open_poll(
        QaChannel(CHANNEL),
        "p1",
        question=" Gaan we door? ",
        options=["Ja", "Nee"],
        actor=MOD,
        now=NOW,
    )

    poll = outcome.state.polls["p1"]
    assert (poll.question, poll.options, poll.state, poll.shown) == (
        "Gaan we door?",
        ("Ja", "Nee"),
        PollState.OPEN,
        True,
    )
    assert [e.type for e in outcome.events] == [EventType.POLL_OPENED]
    assert for_poll(poll, None)["counts"] == [0, 0]


def test_answers_count_one_per_voter_and_change_while_open():
    state = answered(opened(), ("r1", 0), ("r2", 0), ("r3", 1), ("r1", 2))

    poll = state.polls["p1"]
    assert poll.counts == (1, 1, 1)
    assert for_poll(poll, "r1")["answer"] == 2


def test_an_answer_carries_the_counts_after_it():
    state = answered(opened(), ("r1", 0))

    outcome = answer_poll(state, "p1", voter_id="r1", option=1, now=NOW)

    assert outcome.events[0].answer is not None
    assert outcome.events[0].answer.counts == (0, 1, 0)
    assert outcome.events[0].actor == "r1"


def test_the_same_answer_again_changes_nothing():
    state = answered(opened(), ("r1", 0))

    outcome = answer_poll(state, "p1", voter_id="r1", option=0, now=NOW)

    assert outcome.events == ()
    assert outcome.state == state


@pytest.mark.parametrize(
    ("poll_id", "option", "code", "field"),
    [
        ("p9", 0, ErrorCode.UNKNOWN_POLL, "poll_id"),
        ("p1", 3, ErrorCode.INVALID_OPTION, "option"),
        ("p1", -1, ErrorCode.INVALID_OPTION, "option"),
    ],
)
def test_answer_to_unknown_poll_or_option_is_refused(
    poll_id: str, option: int, code: ErrorCode, field: str
):
    state = opened()

    with pytest.raises(QaError) as refused:
        answer_poll(state, poll_id, voter_id="r1", option=option, now=NOW)

    assert (refused.value.code, refused.value.field) == (code.value, field)


def test_answer_to_a_closed_poll_is_refused_and_the_result_stays():
    state = close_poll(answered(opened(), ("r1", 1)), actor=MOD, now=NOW).state

    with pytest.raises(QaError) as refused:
        answer_poll(state, "p1", voter_id="r1", option=0, now=NOW)

    assert refused.value.code == ErrorCode.POLL_CLOSED.value
    assert state.polls["p1"].counts == (0, 1, 0)
    assert state.polls["p1"].state is PollState.CLOSED


def test_a_second_poll_while_one_is_open_is_refused():
    state = opened()

    with pytest.raises(QaError) as refused:
        open_poll(state, "p2", question="Nog een?", options=["a", "b"], actor=MOD, now=NOW)

    assert refused.value.code == ErrorCode.POLL_STILL_OPEN.value
    assert state.open_poll is not None
    assert state.open_poll.id == "p1"


def test_after_closing_a_new_poll_may_open_and_becomes_the_latest():
    state = close_poll(opened(), actor=MOD, now=NOW).state

    state = open_poll(
        state, "p2", question="Nog een?", options=["a", "b"], actor=MOD, now=NOW
    ).state

    assert state.latest_poll is not None
    assert state.latest_poll.id == "p2"
    assert snapshot_for_audience(state, None)["poll"]["id"] == "p2"


@pytest.mark.parametrize(
    ("question", "options", "code"),
    [
        ("Vraag", ["alleen"], ErrorCode.POLL_OPTIONS),
        ("Vraag", [f"optie {n}" for n in range(9)], ErrorCode.POLL_OPTIONS),
        ("Vraag", ["Ja", "ja"], ErrorCode.POLL_OPTIONS),
        ("   ", ["Ja", "Nee"], ErrorCode.EMPTY),
        ("Vraag", ["Ja", "  "], ErrorCode.EMPTY),
        ("x" * (MAX_POLL_QUESTION + 1), ["Ja", "Nee"], ErrorCode.TOO_LONG),
        ("Vraag", ["Ja", "y" * (MAX_POLL_OPTION + 1)], ErrorCode.TOO_LONG),
    ],
)
def test_malformed_poll_is_refused(question: str, options: list[str], code: ErrorCode):
    state = QaChannel(CHANNEL)

    with pytest.raises(QaError) as refused:
        open_poll(state, "p1", question=question, options=options, actor=MOD, now=NOW)

    assert refused.value.code == code.value
    assert refused.value.field in ("poll.question", "poll.options")


def test_limits_are_inclusive():
    outcome = open_poll(
        QaChannel(CHANNEL),
        "p1",
        question="x" * MAX_POLL_QUESTION,
        options=[f"{n}" + "y" * (MAX_POLL_OPTION - 1) for n in range(8)],
        actor=MOD,
        now=NOW,
    )

    assert len(outcome.state.polls["p1"].options) == 8


def test_closing_twice_or_with_nothing_open_changes_nothing():
    closed = close_poll(opened(), actor=MOD, now=NOW).state

    assert close_poll(closed, actor=MOD, now=NOW).events == ()
    assert close_poll(closed, "p1", actor=MOD, now=NOW).events == ()
    assert close_poll(QaChannel(CHANNEL), actor=MOD, now=NOW).events == ()


def test_show_toggles_the_latest_poll_on_the_screens():
    state = show_poll(opened(), shown=False, actor=MOD, now=NOW).state

    assert state.polls["p1"].shown is False
    assert show_poll(state, "p1", shown=False, actor=MOD, now=NOW).events == ()
    with pytest.raises(QaError) as refused:
        show_poll(QaChannel(CHANNEL), shown=True, actor=MOD, now=NOW)
    assert refused.value.code == ErrorCode.UNKNOWN_POLL.value


def test_views_never_show_who_answered_what():
    state = answered(opened(), ("r1", 0), ("r2", 1))
    outcome = answer_poll(state, "p1", voter_id="r3", option=1, now=NOW)
    event = outcome.events[0]

    shared = event_for_audience(event, None)
    own = event_for_audience(event, "r3")
    moderator = event_for_moderator(event)

    assert shared == {
        "type": "poll.answered",
        "channel": CHANNEL,
        "at": NOW.isoformat(),
        "id": "p1",
        "counts": [1, 2, 0],
        "total": 3,
    }
    assert own == {**shared, "answer": 1}
    assert moderator == {**shared, "actor": "r3"}
    assert "answers" not in for_poll(outcome.state.polls["p1"], None)


def test_stored_events_replay_to_the_same_polls():
    events = []
    state = QaChannel(CHANNEL)
    steps = [
        lambda s: open_poll(s, "p1", question="Q", options=["a", "b"], actor=MOD, now=NOW),
        lambda s: answer_poll(s, "p1", voter_id="r1", option=0, now=NOW),
        lambda s: answer_poll(s, "p1", voter_id="r2", option=1, now=NOW),
        lambda s: answer_poll(s, "p1", voter_id="r1", option=1, now=NOW + timedelta(seconds=1)),
        lambda s: show_poll(s, shown=False, actor=MOD, now=NOW),
        lambda s: close_poll(s, actor=MOD, now=NOW),
    ]
    for step in steps:
        outcome = step(state)
        state = outcome.state
        events += outcome.events

    stored = [
        event_from_parts(e.type.value, e.channel, e.actor, e.at, event_body(e)) for e in events
    ]
    replayed = reduce(apply, stored, QaChannel(CHANNEL))

    assert stored == events
    assert replayed == state
    assert replayed.polls["p1"].counts == (0, 2)
