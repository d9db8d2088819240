"""Live Q&A data: questions, one channel's Q&A state, the events that change it, the limits and
error codes, and how each kind of viewer sees a question.

The rules that change the state live in `festival.qa.rules`. This module is stdlib plus
`festival.errors` only; like every domain package it knows nothing of HTTP, databases or
asyncio, and `qa` imports no other domain package (a channel's people arrive as names).

Errors:

    FestivalError
     └── QaError          code = "qa.<reason>" (see ErrorCode); `field` names the input, if any
          └── RateLimited  too many questions too fast; `retry_after` says how long to wait

Three views of one question, kept apart on purpose (DESIGN.md, live channels):

- moderator: everything, including who asked an anonymous question, the original text, notes,
  stars and the voters;
- audience: only published questions (approved, on air, answered) and only what the room may
  know: the asker's name unless they asked anonymously, a vote count, never an id of an asker
  or voter, never a moderator field;
- own asker: an audience member also sees their own question in any state, so a new question
  shows up for them at once, marked as awaiting moderation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from festival.errors import FestivalError

# Limits; documented with the live protocol. A question is one to MAX_TEXT characters once
# leading and trailing white space is trimmed; an attendee asks at most MAX_ASKS questions per
# ASK_WINDOW in one channel.
MAX_TEXT = 500
MAX_NOTE = 1000
MAX_ASKS = 3
ASK_WINDOW = timedelta(seconds=60)

# The actor recorded when the Q&A opens or closes because its programme block starts or ends.
PROGRAMME_ACTOR = "programme"
# The actor of `question.anonymised`: a person erased their data.
ERASURE_ACTOR = "erasure"

# A view is a JSON-ready mapping; values are str, int, bool, None, lists or nested views.
View = dict[str, object]


class QuestionState(StrEnum):
    PENDING = "pending"  # asked, awaiting moderation
    APPROVED = "approved"  # visible to everyone, open for votes
    ON_AIR = "on_air"  # approved and put to the speakers now; one per channel
    ANSWERED = "answered"
    HIDDEN = "hidden"  # turned down (or taken down) by a moderator
    MERGED = "merged"  # a duplicate; its votes moved to `merged_into`


# The states the audience may see, and those in which a question takes votes.
PUBLIC_STATES = frozenset({QuestionState.APPROVED, QuestionState.ON_AIR, QuestionState.ANSWERED})
VOTABLE_STATES = frozenset({QuestionState.APPROVED, QuestionState.ON_AIR})


class EventType(StrEnum):
    ASKED = "question.asked"
    APPROVED = "question.approved"
    HIDDEN = "question.hidden"
    STARRED = "question.starred"
    UNSTARRED = "question.unstarred"
    EDITED = "question.edited"
    NOTED = "question.noted"
    VOTED = "question.voted"
    UNVOTED = "question.unvoted"
    MERGED = "question.merged"  # the duplicate, now merged, pointing at its target
    ABSORBED = "question.absorbed"  # the target, now holding the duplicate's votes
    PICKED = "question.picked"
    UNPICKED = "question.unpicked"  # taken off air, back to approved
    ANSWERED = "question.answered"
    # Someone who asked or voted erased their registration: the question stays, as anonymous
    # text, with their votes counted under a stand-in that matches nobody.
    ANONYMISED = "question.anonymised"
    CLEARED = "question.cleared"  # gone from the channel: asked during a rehearsal
    OPENED = "qa.opened"
    CLOSED = "qa.closed"
    # Live polls (festival.qa.polls). An answer carries only its own change and the counts
    # after it, never the whole poll: a rush of thousands stays small in the log.
    POLL_OPENED = "poll.opened"
    POLL_ANSWERED = "poll.answered"
    POLL_CLOSED = "poll.closed"
    POLL_SHOWN = "poll.shown"  # shown on (or taken off) the overlay and the panel screen


# Changes only moderators may know about: the audience is not even told they happened.
MODERATOR_ONLY_EVENTS = frozenset({EventType.STARRED, EventType.UNSTARRED, EventType.NOTED})
# What the audience receives instead when a question it could see leaves its view.
AUDIENCE_REMOVED = "question.removed"


class ErrorCode(StrEnum):
    CLOSED = "qa.closed"
    EMPTY = "qa.empty"
    TOO_LONG = "qa.too_long"
    UNKNOWN_QUESTION = "qa.unknown_question"
    UNKNOWN_SPEAKER = "qa.unknown_speaker"
    ALREADY_VOTED = "qa.already_voted"
    NOT_VOTED = "qa.not_voted"
    NOT_VOTABLE = "qa.not_votable"
    RATE_LIMITED = "qa.rate_limited"
    NOT_ALLOWED_STATE = "qa.not_allowed_state"
    SAME_QUESTION = "qa.same_question"
    UNKNOWN_POLL = "qa.unknown_poll"
    POLL_CLOSED = "qa.poll_closed"
    POLL_STILL_OPEN = "qa.poll_still_open"
    POLL_OPTIONS = "qa.poll_options"
    INVALID_OPTION = "qa.invalid_option"


class QaError(FestivalError):
    """A Q&A rule was broken; nothing changed. `field` names the input at fault, if one is."""

    code = "qa.error"

    def __init__(self, code: ErrorCode, message: str, *, field: str | None = None) -> None:
        super().__init__(message, code=code.value)
        self.field = field


class RateLimited(QaError):
    def __init__(self, retry_after: timedelta) -> None:
        seconds = max(1, math.ceil(retry_after.total_seconds()))
        super().__init__(
            ErrorCode.RATE_LIMITED,
            f"at most {MAX_ASKS} questions per {int(ASK_WINDOW.total_seconds())} seconds; "
            f"try again in {seconds} s",
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Question:
    id: str
    channel: str
    asker_id: str
    asker_name: str
    text: str
    asked_at: datetime
    state: QuestionState = QuestionState.PENDING
    speaker: str | None = None  # one of the channel's people, as the programme names them
    anonymous: bool = False  # hidden from the audience; moderators still see the asker
    voters: frozenset[str] = frozenset()
    starred: bool = False
    original_text: str | None = None  # the asker's own words, kept once a moderator edits
    note: str = ""
    merged_into: str | None = None

    @property
    def votes(self) -> int:
        return len(self.voters)

    @property
    def edited(self) -> bool:
        return self.original_text is not None

    @property
    def public(self) -> bool:
        return self.state in PUBLIC_STATES


class PollState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Poll:
    """A moderator's question with 2-8 options. `counts` holds each option's answers;
    `answers` each voter's option (an index into `options`), one per voter, in the channel's
    state only: no view shows it, and a poll's events carry none of it (the voter of an
    answer is its event's actor, as for votes), so erasing a person rewrites actors only.
    `shown`: whether the overlay and the panel screen show it."""

    id: str
    channel: str
    question: str
    options: tuple[str, ...]
    opened_at: datetime
    state: PollState = PollState.OPEN
    shown: bool = True
    counts: tuple[int, ...] = ()
    answers: Mapping[str, int] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.state is PollState.OPEN


@dataclass(frozen=True)
class PollAnswer:
    """What `poll.answered` carries: the poll, the option chosen (the voter is the event's
    actor) and every option's count after it, so a viewer needs nothing else."""

    poll_id: str
    option: int
    counts: tuple[int, ...]


@dataclass(frozen=True)
class QaChannel:
    """The Q&A of one live channel (`plenary` or a session id). Treat `questions` as read-only:
    the rules build a new mapping for every change."""

    channel: str
    is_open: bool = False
    questions: Mapping[str, Question] = field(default_factory=dict)
    polls: Mapping[str, Poll] = field(default_factory=dict)  # in the order they were opened

    @property
    def on_air(self) -> Question | None:
        return next((q for q in self.questions.values() if q.state is QuestionState.ON_AIR), None)

    @property
    def open_poll(self) -> Poll | None:
        return next((p for p in self.polls.values() if p.is_open), None)

    @property
    def latest_poll(self) -> Poll | None:
        polls = list(self.polls.values())  # a handful a channel
        return polls[-1] if polls else None


@dataclass(frozen=True)
class QaEvent:
    """One change, as stored (with the channel's sequence number, added by the adapter) and
    broadcast. `question` is the full snapshot after the change; `was` its state before, so a
    view can tell who saw it leave. `qa.opened` / `qa.closed` carry no question. A poll's
    events carry the poll after the change instead, except `poll.answered`: its `answer`."""

    type: EventType
    channel: str
    actor: str
    at: datetime
    question: Question | None = None
    was: QuestionState | None = None
    poll: Poll | None = None
    answer: PollAnswer | None = None


# --- queries -------------------------------------------------------------------------------


def by_votes(questions: Iterable[Question]) -> list[Question]:
    """Most votes first; equal votes keep the order they were asked in."""
    return sorted(questions, key=lambda q: (-q.votes, q.asked_at, q.id))


def by_time(questions: Iterable[Question], *, newest_first: bool = False) -> list[Question]:
    ordered = sorted(questions, key=lambda q: (q.asked_at, q.id))
    return ordered[::-1] if newest_first else ordered


def addressed_to(questions: Iterable[Question], speaker: str | None) -> list[Question]:
    """Questions for one speaker; `None` gives the ones addressed to nobody in particular."""
    return [q for q in questions if q.speaker == speaker]


def queue(state: QaChannel, speaker: str | None = None) -> list[Question]:
    """What the host can put on air next, for everyone or for one speaker: approved questions,
    the moderators' starred ones first, then by votes. Its head is the next to pick."""
    waiting = [q for q in state.questions.values() if q.state is QuestionState.APPROVED]
    if speaker is not None:
        waiting = addressed_to(waiting, speaker)
    return sorted(by_votes(waiting), key=lambda q: not q.starred)


# --- views ---------------------------------------------------------------------------------


def visible_to(question: Question, viewer_id: str | None) -> bool:
    """Whether an audience member (None: not signed in) may see this question at all."""
    return question.public or _is_asker(question, viewer_id)


def for_audience(question: Question, viewer_id: str | None) -> View | None:
    """The question as one audience member sees it, or None when they may not see it."""
    if not visible_to(question, viewer_id):
        return None
    return {
        "id": question.id,
        "channel": question.channel,
        "text": question.text,
        "speaker": question.speaker,
        "asker": None if question.anonymous else question.asker_name,
        "anonymous": question.anonymous,
        "asked_at": question.asked_at.isoformat(),
        "state": question.state.value,
        "awaiting_moderation": question.state is QuestionState.PENDING,
        "votes": question.votes,
        "voted": bool(viewer_id) and viewer_id in question.voters,
        "mine": _is_asker(question, viewer_id),
        "edited": question.edited,
        # Only ever set for the asker's own merged question: where its votes went.
        "merged_into": question.merged_into,
    }


def archived(state: QaChannel) -> list[Question]:
    """What the channel's archive keeps after the day: the questions answered, in the order
    they were asked. Pending, hidden, merged ones and those approved but never put to the
    speakers stay out: the archive records what the room heard answered."""
    return by_time(q for q in state.questions.values() if q.state is QuestionState.ANSWERED)


def for_archive(question: Question) -> View:
    """An archived question as the public page shows it: its text, whom it was addressed to,
    and who asked it, unless they asked anonymously (then nobody: the asker stays unknown)."""
    return {
        "id": question.id,
        "text": question.text,
        "speaker": question.speaker,
        "asker": None if question.anonymous else question.asker_name,
    }


def for_moderator(question: Question) -> View:
    return {
        "id": question.id,
        "channel": question.channel,
        "text": question.text,
        "original_text": question.original_text,
        "note": question.note,
        "speaker": question.speaker,
        "asker_id": question.asker_id,
        "asker": question.asker_name,
        "anonymous": question.anonymous,
        "asked_at": question.asked_at.isoformat(),
        "state": question.state.value,
        "votes": question.votes,
        "voters": sorted(question.voters),
        "starred": question.starred,
        "edited": question.edited,
        "merged_into": question.merged_into,
    }


def for_poll(poll: Poll, viewer_id: str | None) -> View:
    """A poll as everyone sees it, moderators too: the counts, never who answered what; for
    an attendee (`viewer_id`) also their own `answer` (an option's index, or None)."""
    counts = list(poll.counts)
    view: View = {
        "id": poll.id,
        "question": poll.question,
        "options": list(poll.options),
        "state": poll.state.value,
        "shown": poll.shown,
        "opened_at": poll.opened_at.isoformat(),
        "counts": counts,
        "total": sum(counts),
    }
    if viewer_id:
        view["answer"] = poll.answers.get(viewer_id)
    return view


def answer_counts(answer: PollAnswer) -> View:
    """A poll's numbers after an answer: its entry in a `counts` message."""
    return {"id": answer.poll_id, "counts": list(answer.counts), "total": sum(answer.counts)}


def _poll_event(event: QaEvent, viewer_id: str | None) -> View:
    view: View = {"type": event.type.value, "channel": event.channel, "at": event.at.isoformat()}
    if event.poll is not None:
        view["poll"] = for_poll(event.poll, viewer_id)
    if event.answer is not None:
        view |= answer_counts(event.answer)
        if viewer_id and viewer_id == event.actor:
            view["answer"] = event.answer.option
    return view


def event_for_audience(event: QaEvent, viewer_id: str | None) -> View | None:
    """The event as one audience member receives it, or None when it is not theirs to see.

    Never names the actor: that would unmask anonymous askers and voters. A question the
    viewer could see before and may not see now arrives as `question.removed` with its id
    only, so the page can drop it without learning why."""
    at = event.at.isoformat()
    question = event.question
    if event.poll is not None or event.answer is not None:
        return _poll_event(event, viewer_id)
    if question is None:
        return {"type": event.type.value, "channel": event.channel, "at": at}
    if event.type in MODERATOR_ONLY_EVENTS:
        return None
    if event.type is EventType.CLEARED:
        if not visible_to(question, viewer_id):
            return None
        return {"type": AUDIENCE_REMOVED, "channel": event.channel, "at": at, "id": question.id}
    view = for_audience(question, viewer_id)
    if view is not None:
        return {"type": event.type.value, "channel": event.channel, "at": at, "question": view}
    was_visible = event.was is not None and visible_to(
        replace(question, state=event.was), viewer_id
    )
    if was_visible:
        return {"type": AUDIENCE_REMOVED, "channel": event.channel, "at": at, "id": question.id}
    return None


def event_for_moderator(event: QaEvent) -> View:
    if event.poll is not None or event.answer is not None:
        return _poll_event(event, None) | {"actor": event.actor}
    return {
        "type": event.type.value,
        "channel": event.channel,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "question": None if event.question is None else for_moderator(event.question),
        "was": None if event.was is None else event.was.value,
    }


def snapshot_for_audience(state: QaChannel, viewer_id: str | None) -> View:
    """What an audience member gets on (re)connecting without a usable `since`."""
    views = (for_audience(q, viewer_id) for q in by_time(state.questions.values()))
    return _snapshot(state, [v for v in views if v is not None], viewer_id)


def snapshot_for_moderator(state: QaChannel) -> View:
    return _snapshot(state, [for_moderator(q) for q in by_time(state.questions.values())], None)


def _snapshot(state: QaChannel, questions: list[View], viewer_id: str | None) -> View:
    on_air = state.on_air
    # Only the latest poll: the open one, or the last result (which the screens may show).
    poll = state.latest_poll
    return {
        "channel": state.channel,
        "open": state.is_open,
        "on_air": None if on_air is None else on_air.id,
        "questions": questions,
        "poll": None if poll is None else for_poll(poll, viewer_id),
    }


def _is_asker(question: Question, viewer_id: str | None) -> bool:
    # An empty id is nobody: a blank identity must never match a blank asker.
    return bool(viewer_id) and viewer_id == question.asker_id
