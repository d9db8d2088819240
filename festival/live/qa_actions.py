"""Messages from Q&A clients (websocket or JSON API) turned into checked domain commands.

`perform` validates the message's shape, checks that the viewer may do it, and runs it on the
channel through the service. Every refusal is a FestivalError with a specific `code` and a
readable message; nothing is stored then. The same messages arrive over both transports, so
this is the one place their rules live.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from festival.errors import FestivalError, Forbidden
from festival.live.acting import Acting
from festival.live.channels import QaChannelInfo
from festival.live.qa_service import QaService
from festival.qa import (
    ErrorCode,
    Outcome,
    QaChannel,
    QaError,
    annotate,
    approve,
    ask,
    close_qa,
    edit,
    hide,
    mark_answered,
    merge,
    open_qa,
    pick,
    queue,
    star,
    unpick,
    unstar,
    unvote,
    vote,
)
from festival.storage.live_repo import StoredEvent

MODERATOR_ACTIONS: Final = (
    "approve",
    "hide",
    "star",
    "unstar",
    "edit",
    "note",
    "merge",
    "pick",
    "next",
    "unpick",
    "answered",
    "open",
    "close",
)
# Actions that need no question: the channel's own switches, and "the next in the queue".
_CHANNEL_ACTIONS = frozenset({"open", "close", "next"})


class MessageError(FestivalError):
    """A message that is not a well-formed command; `field` names the part at fault."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message, code=code)
        self.field = field


@dataclass(frozen=True)
class Viewer:
    """Who is connected: `role` is `audience` or `moderator`; `id` is what events record
    (`r<registration>` for attendees, `<role>#<token>` for role tokens); attendees who may
    ask here have `may_ask` (as of the check; their actions check again, `acting`), and
    `token_id`, their personal link's."""

    role: str
    id: str | None
    name: str = ""
    may_ask: bool = False
    token_id: int | None = None

    def acting(self, now: datetime, *, asks_in: QaChannelInfo | None = None) -> Acting | None:
        """What an attendee's action has checked in its transaction: that their link still
        holds and, for a question, that they still attend (`festival.live.acting`)."""
        return None if self.token_id is None else Acting(self.token_id, now, asks_in)


@dataclass(frozen=True)
class Done:
    """What an ack reports: the events stored (maybe none) and the question concerned."""

    events: list[StoredEvent]
    question_id: str | None = None


async def perform(
    service: QaService,
    festival: str,
    info: QaChannelInfo,
    viewer: Viewer,
    message: Mapping[str, Any],
    now: datetime,
) -> Done:
    kind = message.get("type")
    if kind == "ask":
        return await _ask(service, festival, info, viewer, message, now)
    if kind == "vote":
        return await _vote(service, festival, info, viewer, message, now)
    if kind == "moderate":
        return await _moderate(service, festival, info, viewer, message, now)
    raise MessageError(
        "message.unknown_type",
        f"unknown message type {kind!r}; expected ask, vote, moderate or ping",
        field="type",
    )


async def _ask(
    service: QaService,
    festival: str,
    info: QaChannelInfo,
    viewer: Viewer,
    message: Mapping[str, Any],
    now: datetime,
) -> Done:
    if viewer.role != "audience" or viewer.id is None:
        raise Forbidden("questions are asked with an attendee's personal link")
    text = _string(message, "text")
    speaker = _optional_string(message, "speaker")
    anonymous = _flag(message, "anonymous")
    asker = viewer.id

    def command(state: QaChannel, seq: int) -> Outcome:
        return ask(
            state,
            f"q{seq}",
            asker_id=asker,
            asker_name=viewer.name,
            text=text,
            now=now,
            people=info.people,
            speaker=speaker,
            anonymous=anonymous,
        )

    # Whether they attend is decided with the action, on the places as stored then.
    events = await service.run(festival, info.id, command, viewer.acting(now, asks_in=info))
    return Done(events, events[0].body["question"]["id"] if events else None)


async def _vote(
    service: QaService,
    festival: str,
    info: QaChannelInfo,
    viewer: Viewer,
    message: Mapping[str, Any],
    now: datetime,
) -> Done:
    if viewer.role != "audience" or viewer.id is None:
        raise Forbidden("votes are cast with an attendee's personal link")
    question_id = _string(message, "question_id")
    withdraw = _flag(message, "withdraw")
    voter = viewer.id
    rule = unvote if withdraw else vote

    def command(state: QaChannel, _seq: int) -> Outcome:
        return rule(state, question_id, voter_id=voter, now=now)

    return Done(await service.run(festival, info.id, command, viewer.acting(now)), question_id)


async def _moderate(
    service: QaService,
    festival: str,
    info: QaChannelInfo,
    viewer: Viewer,
    message: Mapping[str, Any],
    now: datetime,
) -> Done:
    if viewer.role != "moderator" or viewer.id is None:
        raise Forbidden(f"this token may not moderate {info.id!r}")
    action = _string(message, "action")
    if action not in MODERATOR_ACTIONS:
        raise MessageError(
            "message.unknown_action",
            f"unknown action {action!r}; expected one of {', '.join(MODERATOR_ACTIONS)}",
            field="action",
        )
    question_id = "" if action in _CHANNEL_ACTIONS else _string(message, "question_id")
    command = _moderation(action, question_id, message, actor=viewer.id, now=now)
    events = await service.run(festival, info.id, command)
    if action == "next":
        picked = [e for e in events if e.type == "question.picked"]
        question_id = picked[0].body["question"]["id"] if picked else ""
    return Done(events, question_id or None)


def _moderation(
    action: str, question_id: str, message: Mapping[str, Any], *, actor: str, now: datetime
) -> Callable[[QaChannel, int], Outcome]:
    """The command for one moderator action, its fields read (and checked) up front."""
    if action == "open":
        return lambda state, _seq: open_qa(state, actor=actor, now=now)
    if action == "close":
        return lambda state, _seq: close_qa(state, actor=actor, now=now)
    if action == "next":
        speaker = _optional_string(message, "speaker")
        return lambda state, _seq: _pick_next(state, speaker, actor=actor, now=now)
    if action == "edit":
        text = _string(message, "text")
        return lambda state, _seq: edit(state, question_id, text=text, actor=actor, now=now)
    if action == "note":
        note = _string(message, "note", allow_empty=True)
        return lambda state, _seq: annotate(state, question_id, note=note, actor=actor, now=now)
    if action == "merge":
        into = _string(message, "into")
        return lambda state, _seq: merge(state, question_id, into=into, actor=actor, now=now)
    rule = _SIMPLE[action]
    return lambda state, _seq: rule(state, question_id, actor=actor, now=now)


def _pick_next(state: QaChannel, speaker: str | None, *, actor: str, now: datetime) -> Outcome:
    """Put the head of the queue on air: for one speaker, or for everyone."""
    waiting = queue(state, speaker)
    if not waiting:
        raise QaError(
            ErrorCode.UNKNOWN_QUESTION, "no approved question is waiting", field="speaker"
        )
    return pick(state, waiting[0].id, actor=actor, now=now)


_SIMPLE = {
    "approve": approve,
    "hide": hide,
    "star": star,
    "unstar": unstar,
    "pick": pick,
    "unpick": unpick,
    "answered": mark_answered,
}


def _string(message: Mapping[str, Any], name: str, *, allow_empty: bool = False) -> str:
    value = message.get(name)
    if value is None:
        raise MessageError("message.missing_field", f"{name} is required", field=name)
    if not isinstance(value, str):
        raise MessageError("message.invalid_field", f"{name} must be a string", field=name)
    if not allow_empty and not value.strip() and name != "text":
        raise MessageError("message.missing_field", f"{name} is required", field=name)
    return value


def _optional_string(message: Mapping[str, Any], name: str) -> str | None:
    value = message.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MessageError("message.invalid_field", f"{name} must be a string", field=name)
    return value


def _flag(message: Mapping[str, Any], name: str) -> bool:
    value = message.get(name, False)
    if not isinstance(value, bool):
        raise MessageError("message.invalid_field", f"{name} must be true or false", field=name)
    return value
