"""The rules of the live Q&A: commands over one channel's state that return what they changed.

Every command takes the channel's `QaChannel`, the acting identity and `now` (rules never ask a
clock; `now` must be timezone-aware) and returns an `Outcome`: the new state and, in order, the
events that make it. Each event carries the full snapshot of the question it changed, so folding
`apply` over the events gives the new state. The adapter stores the events with the channel's
sequence numbers, then broadcasts them through the views in `festival.qa.model`.

Who may do what (attendee, moderator, host) is checked by the web layer before calling in; here
the actor is only recorded, so every event says who did it.

Two conventions keep concurrent moderators out of each other's way:
- a command whose result already holds (approve an approved question, open an open Q&A, star a
  starred one, edit to the same text) changes nothing and returns no events;
- a command the question's state does not allow raises `qa.not_allowed_state`.
Votes are the exception, because attendees are told: voting twice is `qa.already_voted`.

Stdlib and `festival.qa.model` only.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from festival.qa.model import (
    ASK_WINDOW,
    ERASURE_ACTOR,
    MAX_ASKS,
    MAX_NOTE,
    MAX_TEXT,
    PROGRAMME_ACTOR,
    VOTABLE_STATES,
    ErrorCode,
    EventType,
    QaChannel,
    QaError,
    QaEvent,
    Question,
    QuestionState,
    RateLimited,
    by_time,
)
from festival.qa.records import question_from_record, question_record
from festival.text import clean_user_text

_S = QuestionState
# A duplicate is merged before or while it is discussed, never once it has been dealt with;
# a target may be anything still standing, including one already answered ("asked and done").
_MERGEABLE = frozenset({_S.PENDING, _S.APPROVED})
_MERGE_TARGETS = frozenset({_S.PENDING, _S.APPROVED, _S.ON_AIR, _S.ANSWERED})
_STANDING = frozenset(QuestionState) - {_S.MERGED}
# A moderator's move: the state it puts a question in, and the states it may come from.
_MOVES: dict[EventType, tuple[QuestionState, frozenset[QuestionState]]] = {
    EventType.APPROVED: (_S.APPROVED, frozenset({_S.PENDING, _S.HIDDEN})),
    EventType.HIDDEN: (_S.HIDDEN, frozenset({_S.PENDING, _S.APPROVED, _S.ON_AIR, _S.ANSWERED})),
    EventType.PICKED: (_S.ON_AIR, frozenset({_S.APPROVED})),
    EventType.UNPICKED: (_S.APPROVED, frozenset({_S.ON_AIR})),
    EventType.ANSWERED: (_S.ANSWERED, frozenset({_S.APPROVED, _S.ON_AIR})),
}


@dataclass(frozen=True)
class Outcome:
    """A command's result: the channel after it, and the events that got it there."""

    state: QaChannel
    events: tuple[QaEvent, ...] = ()


def apply(state: QaChannel, event: QaEvent) -> QaChannel:
    """The channel after one event; how the adapter replays stored events."""
    if event.channel != state.channel:
        raise ValueError(f"event for channel {event.channel!r} applied to {state.channel!r}")
    if event.type is EventType.OPENED:
        return replace(state, is_open=True)
    if event.type is EventType.CLOSED:
        return replace(state, is_open=False)
    if event.poll is not None:
        # A poll's event carries no answers (who answered what): they stay as they were.
        before = state.polls.get(event.poll.id)
        poll = replace(event.poll, answers={} if before is None else before.answers)
        return replace(state, polls={**state.polls, poll.id: poll})
    if event.answer is not None:
        answer = event.answer
        current = state.polls.get(answer.poll_id)
        if current is None:
            raise ValueError(f"an answer to {answer.poll_id!r}, which was never opened")
        answers = {**current.answers, event.actor: answer.option}
        answered = replace(current, answers=answers, counts=answer.counts)
        return replace(state, polls={**state.polls, current.id: answered})
    if event.question is None:
        raise ValueError(f"{event.type.value} event carries no question")
    if event.type is EventType.CLEARED:
        rest = {k: q for k, q in state.questions.items() if k != event.question.id}
        return replace(state, questions=rest)
    return replace(state, questions={**state.questions, event.question.id: event.question})


# --- checks on input -----------------------------------------------------------------------


def clean_text(text: str, *, field: str = "text", limit: int = MAX_TEXT) -> str:
    """The rule for all text people type (festival/text.py: controls and NUL to a space,
    bidirectional controls dropped, NFC, line breaks kept, trimmed), nothing else: markup
    stays as typed, because escaping is the template's job and the asker's words are
    evidence for moderators."""
    cleaned = clean_user_text(text, multiline=True)
    if not cleaned:
        raise QaError(ErrorCode.EMPTY, "the question is empty", field=field)
    return _at_most(limit, cleaned, field=field)


def _at_most(limit: int, cleaned: str, *, field: str) -> str:
    if len(cleaned) > limit:
        raise QaError(
            ErrorCode.TOO_LONG,
            f"at most {limit} characters; this has {len(cleaned)}",
            field=field,
        )
    return cleaned


def match_speaker(speaker: str | None, people: Collection[str]) -> str | None:
    """The channel's person a question is addressed to, spelled as the programme spells it;
    None (or blank) addresses nobody in particular."""
    wanted = (speaker or "").strip().casefold()
    if not wanted:
        return None
    for person in people:
        if person.strip().casefold() == wanted:
            return person
    raise QaError(
        ErrorCode.UNKNOWN_SPEAKER,
        f"{speaker!r} does not speak in this channel",
        field="speaker",
    )


def check_rate(asked: Iterable[datetime], now: datetime) -> None:
    """Refuse a question when the asker already asked MAX_ASKS within ASK_WINDOW before `now`.

    A question asked exactly ASK_WINDOW ago no longer counts. `retry_after` is the time until
    the oldest counted question leaves the window."""
    _aware(now)
    recent = sorted(t for t in asked if t > now - ASK_WINDOW)
    if len(recent) >= MAX_ASKS:
        raise RateLimited(recent[-MAX_ASKS] + ASK_WINDOW - now)


def asked_times(state: QaChannel, asker_id: str) -> list[datetime]:
    """When this attendee asked in this channel; hidden and merged questions count too,
    or hiding a flood would invite the next one."""
    return [q.asked_at for q in state.questions.values() if q.asker_id == asker_id]


# --- attendees -----------------------------------------------------------------------------


def ask(
    state: QaChannel,
    question_id: str,
    *,
    asker_id: str,
    asker_name: str,
    text: str,
    now: datetime,
    people: Collection[str] = (),
    speaker: str | None = None,
    anonymous: bool = False,
) -> Outcome:
    """A new question, pending moderation. `question_id` is made by the adapter, unique in the
    channel; `people` are the channel's speakers and panellists, by name."""
    if question_id in state.questions:
        raise ValueError(f"question id {question_id!r} is already taken in {state.channel!r}")
    _require_open(state)
    cleaned = clean_text(text)
    addressed = match_speaker(speaker, people)
    check_rate(asked_times(state, asker_id), now)
    question = Question(
        id=question_id,
        channel=state.channel,
        asker_id=asker_id,
        asker_name=asker_name,
        text=cleaned,
        asked_at=now,
        speaker=addressed,
        anonymous=anonymous,
    )
    return _outcome(state, _event(EventType.ASKED, state, asker_id, now, question))


def vote(state: QaChannel, question_id: str, *, voter_id: str, now: datetime) -> Outcome:
    question = _votable(state, question_id)
    if voter_id in question.voters:
        raise QaError(ErrorCode.ALREADY_VOTED, "you already voted for this question")
    changed = replace(question, voters=question.voters | {voter_id})
    return _outcome(state, _event(EventType.VOTED, state, voter_id, now, changed, question.state))


def unvote(state: QaChannel, question_id: str, *, voter_id: str, now: datetime) -> Outcome:
    """Withdraw one's vote, while the question still takes votes."""
    question = _votable(state, question_id)
    if voter_id not in question.voters:
        raise QaError(ErrorCode.NOT_VOTED, "you have not voted for this question")
    changed = replace(question, voters=question.voters - {voter_id})
    return _outcome(state, _event(EventType.UNVOTED, state, voter_id, now, changed, question.state))


# --- moderators ----------------------------------------------------------------------------


def approve(state: QaChannel, question_id: str, *, actor: str, now: datetime) -> Outcome:
    """Publish a pending question, or bring back a hidden one (with the votes it had)."""
    return _move(state, question_id, EventType.APPROVED, actor=actor, now=now)


def hide(state: QaChannel, question_id: str, *, actor: str, now: datetime) -> Outcome:
    """Turn a question down, or take a published one (even on air) out of view."""
    return _move(state, question_id, EventType.HIDDEN, actor=actor, now=now)


def pick(state: QaChannel, question_id: str, *, actor: str, now: datetime) -> Outcome:
    """Put an approved question on air; the one on air before goes back to approved, so
    there is never more than one on air in a channel."""
    question = _find(state, question_id)
    to, allowed = _MOVES[EventType.PICKED]
    if question.state is to:
        return Outcome(state)
    _require_state(question, allowed, EventType.PICKED)
    events: list[QaEvent] = []
    current = state.on_air
    if current is not None:
        back = replace(current, state=_S.APPROVED)
        events.append(_event(EventType.UNPICKED, state, actor, now, back, _S.ON_AIR))
    picked = replace(question, state=to)
    events.append(_event(EventType.PICKED, state, actor, now, picked, question.state))
    return _outcome(state, *events)


def unpick(state: QaChannel, question_id: str, *, actor: str, now: datetime) -> Outcome:
    """Take the question off air unanswered; it stays approved."""
    return _move(state, question_id, EventType.UNPICKED, actor=actor, now=now)


def mark_answered(state: QaChannel, question_id: str, *, actor: str, now: datetime) -> Outcome:
    """Answered, on air or straight from the list; either way nothing is on air after it
    unless another question is."""
    return _move(state, question_id, EventType.ANSWERED, actor=actor, now=now)


def star(state: QaChannel, question_id: str, *, actor: str, now: datetime) -> Outcome:
    """Mark a question for the moderators' shortlist; the audience never sees stars."""
    return _set_star(state, question_id, True, actor=actor, now=now)


def unstar(state: QaChannel, question_id: str, *, actor: str, now: datetime) -> Outcome:
    return _set_star(state, question_id, False, actor=actor, now=now)


def edit(state: QaChannel, question_id: str, *, text: str, actor: str, now: datetime) -> Outcome:
    """Reword a question (typos, a name, a rude word). The asker's original is kept for the
    moderators; editing back to it leaves the question unedited."""
    question = _find(state, question_id)
    cleaned = clean_text(text)
    if cleaned == question.text:
        return Outcome(state)
    _require_state(question, _STANDING, EventType.EDITED)
    original = question.text if question.original_text is None else question.original_text
    changed = replace(
        question, text=cleaned, original_text=None if cleaned == original else original
    )
    return _outcome(state, _event(EventType.EDITED, state, actor, now, changed, question.state))


def annotate(
    state: QaChannel, question_id: str, *, note: str, actor: str, now: datetime
) -> Outcome:
    """Set the moderators' note on a question; an empty note removes it."""
    question = _find(state, question_id)
    # Cleaned as questions are (festival/text.py), but may be empty.
    cleaned = _at_most(MAX_NOTE, clean_user_text(note, multiline=True), field="note")
    if cleaned == question.note:
        return Outcome(state)
    changed = replace(question, note=cleaned)
    return _outcome(state, _event(EventType.NOTED, state, actor, now, changed, question.state))


def merge(state: QaChannel, duplicate_id: str, *, into: str, actor: str, now: datetime) -> Outcome:
    """Fold a duplicate into another question. Its voters join the target's (a voter of both
    counts once) and leave the duplicate, so a vote always lives on exactly one question; the
    duplicate becomes `merged` and points at the target."""
    duplicate = _find(state, duplicate_id)
    target = _find(state, into)
    if duplicate.id == target.id:
        raise QaError(ErrorCode.SAME_QUESTION, "a question cannot be merged into itself")
    if duplicate.state is _S.MERGED and duplicate.merged_into == target.id:
        return Outcome(state)
    _require_state(duplicate, _MERGEABLE, EventType.MERGED)
    if target.state not in _MERGE_TARGETS:
        raise QaError(
            ErrorCode.NOT_ALLOWED_STATE,
            f"question {target.id!r} is {target.state.value}, so nothing can be merged into it",
            field="into",
        )
    merged = replace(duplicate, state=_S.MERGED, merged_into=target.id, voters=frozenset())
    events = [_event(EventType.MERGED, state, actor, now, merged, duplicate.state)]
    voters = target.voters | duplicate.voters
    # Only a change in votes is news about the target; an empty duplicate leaves no trace
    # in the audience's view.
    if voters != target.voters:
        absorbed = replace(target, voters=voters)
        events.append(_event(EventType.ABSORBED, state, actor, now, absorbed, target.state))
    return _outcome(state, *events)


# --- the channel ---------------------------------------------------------------------------


def open_qa(state: QaChannel, *, actor: str, now: datetime) -> Outcome:
    return _set_open(state, True, actor=actor, now=now)


def close_qa(state: QaChannel, *, actor: str, now: datetime) -> Outcome:
    """No new questions or votes; moderators can still work through what came in."""
    return _set_open(state, False, actor=actor, now=now)


def follow_block(state: QaChannel, *, running: bool, now: datetime) -> Outcome:
    """Open the Q&A when its programme block starts and close it when the block ends.

    Called at those boundaries only (the scheduler fires there), so a moderator's hand
    opening or closing in between holds until the next boundary."""
    return _set_open(state, running, actor=PROGRAMME_ACTOR, now=now)


def clear_questions(
    state: QaChannel, *, asked_since: datetime, actor: str, now: datetime
) -> Outcome:
    """Take every question asked at or after `asked_since` out of the channel, with its votes:
    what was asked during a rehearsal goes when the host starts over. Questions asked before
    stay; whether the Q&A is open stays as it is."""
    _aware(now)
    gone = [q for q in by_time(state.questions.values()) if q.asked_at >= asked_since]
    return _outcome(
        state, *(_event(EventType.CLEARED, state, actor, now, q, q.state) for q in gone)
    )


# --- helpers -------------------------------------------------------------------------------


def without_person(question: Question, person: str, stand_in: str) -> Question:
    """The question with `person` (an asker or voter id) replaced by `stand_in`, an id no
    viewer has. Their own question keeps its text, anonymous and without a name, so a
    moderator's history stays whole; their vote still counts, under the stand-in."""
    if question.asker_id in (person, stand_in):
        question = replace(question, asker_id=stand_in, asker_name="", anonymous=True)
    if person in question.voters:
        question = replace(question, voters=(question.voters - {person}) | {stand_in})
    return question


def anonymiser(person: str, stand_in: str) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """How a stored question record loses `person` (`without_person`), for the store to
    rewrite the event log with: the store finds the rows, this decides what they become."""

    def anonymise(record: Mapping[str, Any]) -> dict[str, Any]:
        return question_record(without_person(question_from_record(record), person, stand_in))

    return anonymise


def forget_person(state: QaChannel, person: str, stand_in: str, *, now: datetime) -> Outcome:
    """`question.anonymised` for every question `person` asked or voted on (found by either
    id: this instance may have seen the channel before or after the stored log was rewritten),
    so every instance and every viewer drops their name."""
    events = [
        _event(
            EventType.ANONYMISED,
            state,
            ERASURE_ACTOR,
            now,
            without_person(question, person, stand_in),
            question.state,
        )
        for question in by_time(state.questions.values())
        if {person, stand_in} & ({question.asker_id} | question.voters)
    ]
    return _outcome(state, *events)


def _aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("Q&A rules need a timezone-aware `now`")


def _find(state: QaChannel, question_id: str) -> Question:
    question = state.questions.get(question_id)
    if question is None:
        raise QaError(
            ErrorCode.UNKNOWN_QUESTION,
            f"no question {question_id!r} in {state.channel!r}",
            field="question_id",
        )
    return question


def _require_open(state: QaChannel) -> None:
    if not state.is_open:
        raise QaError(ErrorCode.CLOSED, f"questions for {state.channel!r} are closed")


def _require_state(
    question: Question, allowed: Collection[QuestionState], event_type: EventType
) -> None:
    if question.state not in allowed:
        done = event_type.value.partition(".")[2]
        raise QaError(
            ErrorCode.NOT_ALLOWED_STATE,
            f"question {question.id!r} is {question.state.value}, so it cannot be {done}",
            field="question_id",
        )


def _votable(state: QaChannel, question_id: str) -> Question:
    _require_open(state)
    question = _find(state, question_id)
    if question.state not in VOTABLE_STATES:
        raise QaError(
            ErrorCode.NOT_VOTABLE,
            f"question {question_id!r} is {question.state.value} and takes no votes",
            field="question_id",
        )
    return question


def _move(
    state: QaChannel, question_id: str, event_type: EventType, *, actor: str, now: datetime
) -> Outcome:
    question = _find(state, question_id)
    to, allowed = _MOVES[event_type]
    if question.state is to:
        return Outcome(state)
    _require_state(question, allowed, event_type)
    changed = replace(question, state=to)
    return _outcome(state, _event(event_type, state, actor, now, changed, question.state))


def _set_star(
    state: QaChannel, question_id: str, starred: bool, *, actor: str, now: datetime
) -> Outcome:
    question = _find(state, question_id)
    if question.starred is starred:
        return Outcome(state)
    event_type = EventType.STARRED if starred else EventType.UNSTARRED
    _require_state(question, _STANDING, event_type)
    changed = replace(question, starred=starred)
    return _outcome(state, _event(event_type, state, actor, now, changed, question.state))


def _set_open(state: QaChannel, is_open: bool, *, actor: str, now: datetime) -> Outcome:
    if state.is_open is is_open:
        return Outcome(state)
    event_type = EventType.OPENED if is_open else EventType.CLOSED
    return _outcome(state, _event(event_type, state, actor, now))


def _event(
    event_type: EventType,
    state: QaChannel,
    actor: str,
    now: datetime,
    question: Question | None = None,
    was: QuestionState | None = None,
) -> QaEvent:
    _aware(now)
    return QaEvent(event_type, state.channel, actor, now, question, was)


def _outcome(state: QaChannel, *events: QaEvent) -> Outcome:
    # The new state is built from the events alone, so stored events always suffice to
    # rebuild it: nothing a command changes can be missing from what it reports.
    for event in events:
        state = apply(state, event)
    return Outcome(state, events)
