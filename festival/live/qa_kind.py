"""The Q&A as a channel kind: a channel's snapshot and events per viewer, and the messages
its clients send (websocket, JSON API or the attendee page's form) as checked commands.

Attendees `ask`, `vote` and `answer` polls with their personal link; moderators `moderate`
with one of MODERATOR_ACTIONS (the poll's among them). Every refusal is a FestivalError with
a specific `code` and a readable message; nothing is stored then (docs/live-protocol.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from festival.live.acting import Acting
from festival.live.hub import wire
from festival.live.protocol import (
    Action,
    Choice,
    Done,
    MessageError,
    Run,
    Viewer,
    flag,
    optional_string,
    string,
    whole,
)
from festival.live.qa_service import QaService
from festival.live.qa_views import AUDIENCE, MODERATOR, qa_event_message, qa_snapshot
from festival.programme.model import Festival
from festival.qa import (
    ErrorCode,
    Outcome,
    QaChannel,
    QaError,
    annotate,
    answer_poll,
    approve,
    ask,
    close_poll,
    close_qa,
    edit,
    hide,
    mark_answered,
    merge,
    open_poll,
    open_qa,
    pick,
    queue,
    show_poll,
    star,
    unpick,
    unstar,
    unvote,
    vote,
)
from festival.qa.channels import QaChannelInfo
from festival.storage.live_repo import StoredEvent


@dataclass(frozen=True)
class QaRoom:
    """One Q&A channel of a festival, for its viewers (a `ChannelKind`)."""

    service: QaService
    festival: Festival
    info: QaChannelInfo

    @property
    def channel(self) -> str:
        return self.info.id

    @property
    def basis(self) -> object:
        return self.info

    @property
    def actions(self) -> Mapping[str, Action[QaRoom]]:
        return QA_ACTIONS

    def personal(self, viewer: Viewer) -> str | None:
        return viewer.id if viewer.role == AUDIENCE else None

    async def snapshot(self, viewer: Viewer, at: int | None) -> tuple[int, str]:
        slug, info = self.festival.slug, self.info
        if at is None:
            seq, qa = await self.service.state(slug, info.id)
        else:
            seq, qa = await self.service.state_from(slug, info.id, at)
        return seq, wire(self.snapshot_of(qa, seq, viewer, now=None))

    def snapshot_of(
        self, qa: QaChannel, seq: int, viewer: Viewer, *, now: datetime | None
    ) -> dict[str, Any]:
        return qa_snapshot(
            qa,
            seq,
            role=viewer.role,
            viewer_id=self.personal(viewer),
            people=self.info.people,
            title=self.info.title,
            now=now,
        )

    def own(self, viewer: Viewer) -> dict[str, Any]:
        return {"you": {"role": viewer.role, "name": viewer.name, "may_ask": viewer.may_ask}}

    def event_message(self, stored: StoredEvent, viewer: Viewer) -> str | None:
        return qa_event_message(stored, role=viewer.role, viewer_id=self.personal(viewer))

    async def run(
        self, command: Callable[[QaChannel, int], Outcome], acting: Acting | None = None
    ) -> list[StoredEvent]:
        return await self.service.run(self.festival.slug, self.info.id, command, acting)


def _acting(
    viewer: Viewer, now: datetime, *, asks_in: QaChannelInfo | None = None
) -> Acting | None:
    """What an attendee's action has checked in its transaction: that their link still
    holds and, for a question, that they still attend (`festival.live.acting`)."""
    return None if viewer.token_id is None else Acting(viewer.token_id, now, asks_in)


async def _ask(room: QaRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime) -> Done:
    text = string(message, "text", empty=True)  # a blank one is the rules' to refuse
    speaker = optional_string(message, "speaker")
    anonymous = flag(message, "anonymous")
    asker = viewer.actor

    def command(state: QaChannel, seq: int) -> Outcome:
        return ask(
            state,
            f"q{seq}",
            asker_id=asker,
            asker_name=viewer.name,
            text=text,
            now=now,
            people=room.info.people,
            speaker=speaker,
            anonymous=anonymous,
        )

    # Whether they attend is decided with the action, on the places as stored then.
    events = await room.run(command, _acting(viewer, now, asks_in=room.info))
    return Done(events, events[0].body["question"]["id"] if events else None)


async def _vote(room: QaRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime) -> Done:
    question_id = string(message, "question_id")
    rule = unvote if flag(message, "withdraw") else vote
    voter = viewer.actor

    def command(state: QaChannel, _seq: int) -> Outcome:
        return rule(state, question_id, voter_id=voter, now=now)

    return Done(await room.run(command, _acting(viewer, now)), question_id)


# Moderation: each action reads its fields up front, then runs its rule as the moderator.

_QuestionRule = Callable[..., Outcome]


def _on_question(rule: _QuestionRule) -> Run[QaRoom]:
    async def run(room: QaRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime) -> Done:
        question_id = string(message, "question_id")
        actor = viewer.actor
        events = await room.run(lambda state, _seq: rule(state, question_id, actor=actor, now=now))
        return Done(events, question_id)

    return run


def _on_channel(rule: Callable[..., Outcome]) -> Run[QaRoom]:
    async def run(room: QaRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime) -> Done:
        actor = viewer.actor
        return Done(await room.run(lambda state, _seq: rule(state, actor=actor, now=now)))

    return run


async def _edit(room: QaRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime) -> Done:
    question_id = string(message, "question_id")
    text = string(message, "text", empty=True)
    actor = viewer.actor
    events = await room.run(
        lambda state, _seq: edit(state, question_id, text=text, actor=actor, now=now)
    )
    return Done(events, question_id)


async def _note(room: QaRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime) -> Done:
    question_id = string(message, "question_id")
    note = string(message, "note", empty=True)
    actor = viewer.actor
    events = await room.run(
        lambda state, _seq: annotate(state, question_id, note=note, actor=actor, now=now)
    )
    return Done(events, question_id)


async def _merge(room: QaRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime) -> Done:
    question_id = string(message, "question_id")
    into = string(message, "into")
    actor = viewer.actor
    events = await room.run(
        lambda state, _seq: merge(state, question_id, into=into, actor=actor, now=now)
    )
    return Done(events, question_id)


async def _next(room: QaRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime) -> Done:
    """Put the head of the queue on air: for one speaker, or for everyone."""
    speaker = optional_string(message, "speaker")
    actor = viewer.actor

    def command(state: QaChannel, _seq: int) -> Outcome:
        waiting = queue(state, speaker)
        if not waiting:
            raise QaError(
                ErrorCode.UNKNOWN_QUESTION, "no approved question is waiting", field="speaker"
            )
        return pick(state, waiting[0].id, actor=actor, now=now)

    events = await room.run(command)
    picked = [e for e in events if e.type == "question.picked"]
    return Done(events, picked[0].body["question"]["id"] if picked else None)


async def _answer(room: QaRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime) -> Done:
    poll_id = string(message, "poll_id")
    option = whole(message, "option")
    voter = viewer.actor

    def command(state: QaChannel, _seq: int) -> Outcome:
        return answer_poll(state, poll_id, voter_id=voter, option=option, now=now)

    return Done(await room.run(command, _acting(viewer, now)), poll_id=poll_id)


def _poll_fields(message: Mapping[str, Any]) -> tuple[str, list[str]]:
    """`poll`: `{"question": …, "options": [...]}`, read before the rules judge the texts."""
    poll = message.get("poll")
    if poll is None:
        raise MessageError("message.missing_field", "poll is required", field="poll")
    if not isinstance(poll, dict):
        raise MessageError(
            "message.invalid_field",
            "poll must be an object with question and options",
            field="poll",
        )
    question = string(poll, "question", empty=True)  # a blank one is the rules' to refuse
    options = poll.get("options")
    if options is None:
        raise MessageError(
            "message.missing_field", "poll.options is required", field="poll.options"
        )
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise MessageError(
            "message.invalid_field", "poll.options must be a list of strings", field="poll.options"
        )
    return question, options


async def _poll_open(
    room: QaRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime
) -> Done:
    question, options = _poll_fields(message)
    actor = viewer.actor

    def command(state: QaChannel, seq: int) -> Outcome:
        return open_poll(state, f"p{seq}", question=question, options=options, actor=actor, now=now)

    events = await room.run(command)
    return Done(events, poll_id=events[0].body["poll"]["id"] if events else None)


async def _poll_close(
    room: QaRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime
) -> Done:
    poll_id = optional_string(message, "poll_id")
    actor = viewer.actor
    events = await room.run(lambda state, _seq: close_poll(state, poll_id, actor=actor, now=now))
    return Done(events, poll_id=events[0].body["poll"]["id"] if events else poll_id)


async def _poll_show(
    room: QaRoom, viewer: Viewer, message: Mapping[str, Any], now: datetime
) -> Done:
    poll_id = optional_string(message, "poll_id")
    shown = flag(message, "shown") if "shown" in message else True
    actor = viewer.actor
    events = await room.run(
        lambda state, _seq: show_poll(state, poll_id, shown=shown, actor=actor, now=now)
    )
    return Done(events, poll_id=events[0].body["poll"]["id"] if events else poll_id)


_MODERATION: Final[dict[str, Run[QaRoom]]] = {
    "approve": _on_question(approve),
    "hide": _on_question(hide),
    "star": _on_question(star),
    "unstar": _on_question(unstar),
    "edit": _edit,
    "note": _note,
    "merge": _merge,
    "pick": _on_question(pick),
    "next": _next,
    "unpick": _on_question(unpick),
    "answered": _on_question(mark_answered),
    "open": _on_channel(open_qa),
    "close": _on_channel(close_qa),
    "poll_open": _poll_open,
    "poll_close": _poll_close,
    "poll_show": _poll_show,
}
MODERATOR_ACTIONS: Final = tuple(_MODERATION)

QA_ACTIONS: Final[dict[str, Action[QaRoom]]] = {
    "ask": Action(
        AUDIENCE, "questions are asked with an attendee's personal link", _ask, http_status=201
    ),
    "vote": Action(AUDIENCE, "votes are cast with an attendee's personal link", _vote),
    # The same rule as votes: an attendee's own link, so one answer per person.
    "answer": Action(AUDIENCE, "polls are answered with an attendee's personal link", _answer),
    "moderate": Action(MODERATOR, "this token may not moderate {channel!r}", Choice(_MODERATION)),
}
