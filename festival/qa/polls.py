"""The rules of live polls in a Q&A channel: a moderator opens one, attendees answer it, the
moderator closes it and decides whether the screens show it.

A poll has a question (1 to MAX_POLL_QUESTION characters) and MIN_OPTIONS to MAX_OPTIONS
options (each 1 to MAX_POLL_OPTION characters, no two the same, case aside). At most one poll
of a channel is open: opening a second while one is open is refused (`qa.poll_still_open`),
never closes the first behind the moderator's back, so the answers people are giving are
not cut off by a second console. Each voter (the identity their question votes have) has one
answer, which they may change while the poll is open; answering the same option again
changes nothing. Polls take answers whether or not the channel takes questions: a
moderator's poll has its own open and closed.

Commands follow `festival.qa.rules`: they take the channel's state and return an `Outcome`
whose events rebuild it (`festival.qa.rules.apply`). Stdlib and `festival.qa` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from festival.qa.model import (
    ErrorCode,
    EventType,
    Poll,
    PollAnswer,
    PollState,
    QaChannel,
    QaError,
    QaEvent,
)
from festival.qa.rules import Outcome, apply
from festival.text import clean_user_text

MAX_POLL_QUESTION = 200
MAX_POLL_OPTION = 100
MIN_OPTIONS = 2
MAX_OPTIONS = 8


def open_poll(
    state: QaChannel,
    poll_id: str,
    *,
    question: str,
    options: Sequence[str],
    actor: str,
    now: datetime,
) -> Outcome:
    """A new open poll, shown on the screens. `poll_id` is made by the adapter, unique in the
    channel."""
    if poll_id in state.polls:
        raise ValueError(f"poll id {poll_id!r} is already taken in {state.channel!r}")
    current = state.open_poll
    if current is not None:
        raise QaError(
            ErrorCode.POLL_STILL_OPEN,
            f"poll {current.id!r} is still open; close it before opening another",
        )
    poll = Poll(
        id=poll_id,
        channel=state.channel,
        question=_text(question, MAX_POLL_QUESTION, "poll.question", "the poll's question"),
        options=_options(options),
        opened_at=now,
        counts=(0,) * len(options),
    )
    return _outcome(state, QaEvent(EventType.POLL_OPENED, state.channel, actor, now, poll=poll))


def answer_poll(
    state: QaChannel, poll_id: str, *, voter_id: str, option: int, now: datetime
) -> Outcome:
    """The voter's answer: option `option` (counted from 0). A new answer replaces theirs."""
    poll = _find(state, poll_id)
    if not poll.is_open:
        raise QaError(ErrorCode.POLL_CLOSED, f"poll {poll_id!r} is closed", field="poll_id")
    if not 0 <= option < len(poll.options):
        raise QaError(
            ErrorCode.INVALID_OPTION,
            f"option must be 0 to {len(poll.options) - 1}; this poll has "
            f"{len(poll.options)} options",
            field="option",
        )
    if poll.answers.get(voter_id) == option:
        return Outcome(state)
    counts = list(poll.counts)
    before = poll.answers.get(voter_id)
    if before is not None:
        counts[before] -= 1
    counts[option] += 1
    answer = PollAnswer(poll.id, option, tuple(counts))
    event = QaEvent(EventType.POLL_ANSWERED, state.channel, voter_id, now, answer=answer)
    return _outcome(state, event)


def close_poll(
    state: QaChannel, poll_id: str | None = None, *, actor: str, now: datetime
) -> Outcome:
    """Close a poll (without `poll_id`: the open one); its counts stay as the result. Closing
    a closed poll, or when none is open, changes nothing."""
    poll = state.open_poll if poll_id is None else _find(state, poll_id)
    if poll is None or not poll.is_open:
        return Outcome(state)
    closed = replace(poll, state=PollState.CLOSED, answers={})
    return _outcome(state, QaEvent(EventType.POLL_CLOSED, state.channel, actor, now, poll=closed))


def show_poll(
    state: QaChannel, poll_id: str | None = None, *, shown: bool, actor: str, now: datetime
) -> Outcome:
    """Show a poll (without `poll_id`: the latest) on the overlay and the panel screen, or
    take it off them; an open poll is shown from its start, a closed one as its result."""
    poll = state.latest_poll if poll_id is None else _find(state, poll_id)
    if poll is None:
        raise QaError(ErrorCode.UNKNOWN_POLL, f"no poll in {state.channel!r} yet")
    if poll.shown is shown:
        return Outcome(state)
    changed = replace(poll, shown=shown, answers={})
    return _outcome(state, QaEvent(EventType.POLL_SHOWN, state.channel, actor, now, poll=changed))


def _text(text: str, limit: int, field: str, what: str) -> str:
    # The one rule for text people type (festival/text.py), on one line.
    cleaned = clean_user_text(text)
    if not cleaned:
        raise QaError(ErrorCode.EMPTY, f"{what} is empty", field=field)
    if len(cleaned) > limit:
        raise QaError(
            ErrorCode.TOO_LONG,
            f"{what}: at most {limit} characters; this has {len(cleaned)}",
            field=field,
        )
    return cleaned


def _options(options: Sequence[str]) -> tuple[str, ...]:
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise QaError(
            ErrorCode.POLL_OPTIONS,
            f"a poll has {MIN_OPTIONS} to {MAX_OPTIONS} options; this has {len(options)}",
            field="poll.options",
        )
    cleaned = tuple(
        _text(option, MAX_POLL_OPTION, "poll.options", f"option {n + 1}")
        for n, option in enumerate(options)
    )
    if len({option.casefold() for option in cleaned}) < len(cleaned):
        raise QaError(ErrorCode.POLL_OPTIONS, "two options are the same", field="poll.options")
    return cleaned


def _find(state: QaChannel, poll_id: str) -> Poll:
    poll = state.polls.get(poll_id)
    if poll is None:
        raise QaError(
            ErrorCode.UNKNOWN_POLL, f"no poll {poll_id!r} in {state.channel!r}", field="poll_id"
        )
    return poll


def _outcome(state: QaChannel, event: QaEvent) -> Outcome:
    if event.at.tzinfo is None or event.at.utcoffset() is None:
        raise ValueError("poll rules need a timezone-aware `now`")
    return Outcome(apply(state, event), (event,))
