"""What every live channel's client messages share: their shape, who sends them, how they
are dispatched, and what a refusal of a malformed one says.

A channel kind (`festival.live.kinds`) lists the messages it takes in one table, message
type -> `Action`: the role the sender needs, what the refusal says to anyone else, and the
handler. `perform` looks the message up and checks the role, in this one place, before the
handler runs; handlers read their fields with the readers below, so a malformed message gets
the same `message.*` errors whatever the channel (docs/live-protocol.md, "Errors").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from festival.errors import FestivalError, Forbidden, Unauthenticated
from festival.storage.live_repo import StoredEvent

Room = TypeVar("Room")


class MessageError(FestivalError):
    """A message that is not a well-formed command; `field` names the part at fault."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message, code=code)
        self.field = field


@dataclass(frozen=True)
class Viewer:
    """Who is connected: `role` is one of the channel kind's roles; `id` is what the events
    of their actions record (`r<registration>` for attendees, `<role>#<token>` for role
    tokens), None for whoever may only watch. An attendee has `name`, `may_ask` (where the
    Q&A lets them, as of the check; each action checks again) and `token_id`, their
    personal link's."""

    role: str
    id: str | None = None
    name: str = ""
    may_ask: bool = False
    token_id: int | None = None

    def may(self, role: str) -> bool:
        """Whether the viewer may send a message that needs `role`: an action is always
        someone's, so a viewer without an id (the public, a presenter) may send none."""
        return self.role == role and self.id is not None

    @property
    def actor(self) -> str:
        """Who the events of the viewer's action record: `id`, which every viewer that
        `may` act has."""
        return self.id or ""


@dataclass(frozen=True)
class Done:
    """What an ack reports: the events stored (maybe none) and the question or poll
    concerned."""

    events: list[StoredEvent]
    question_id: str | None = None
    poll_id: str | None = None


def ack(done: Done) -> dict[str, Any]:
    """The `ack` of a message carried out, without its `ref`."""
    message: dict[str, Any] = {"type": "ack", "seq": done.events[-1].seq if done.events else None}
    if done.question_id:
        message["question_id"] = done.question_id
    if done.poll_id:
        message["poll_id"] = done.poll_id
    return message


Run = Callable[[Room, Viewer, Mapping[str, Any], datetime], Awaitable[Done]]
"""Carries out one message on a channel (`Room`, the kind's) for a viewer at a moment."""


@dataclass(frozen=True)
class Action(Generic[Room]):
    """One message type of a channel kind: the role its sender needs (`Viewer.may`), the
    refusal anyone else gets (`{channel!r}` names the channel), the handler, and the HTTP
    status of its ack over `POST …/actions`."""

    role: str
    refusal: str
    run: Run[Room]
    http_status: int = 200


@dataclass(frozen=True)
class Choice(Generic[Room]):
    """A message type whose messages name one of several actions in `action` (`moderate`,
    `host`): every one of them needs the role of the `Action` it is the handler of."""

    runs: Mapping[str, Run[Room]]

    async def __call__(
        self, room: Room, viewer: Viewer, message: Mapping[str, Any], now: datetime
    ) -> Done:
        name = string(message, "action")
        run = self.runs.get(name)
        if run is None:
            raise MessageError(
                "message.unknown_action",
                f"unknown action {name!r}; expected one of {', '.join(self.runs)}",
                field="action",
            )
        return await run(room, viewer, message, now)


def action_for(
    actions: Mapping[str, Action[Room]], channel: str, viewer: Viewer, message: Mapping[str, Any]
) -> Action[Room]:
    """The action a message asks for, once its sender is found to have the role it needs."""
    kind = message.get("type")
    action = actions.get(kind) if isinstance(kind, str) else None
    if action is None:
        raise MessageError(
            "message.unknown_type",
            f"unknown message type {kind!r}; expected {', '.join(actions)} or ping",
            field="type",
        )
    if not viewer.may(action.role):
        raise Forbidden(action.refusal.format(channel=channel))
    return action


async def perform(
    actions: Mapping[str, Action[Room]],
    room: Room,
    channel: str,
    viewer: Viewer,
    message: Mapping[str, Any],
    now: datetime,
) -> Done:
    """Carry out one client message; every refusal is a FestivalError with its code, and
    then nothing is stored."""
    action = action_for(actions, channel, viewer, message)
    return await action.run(room, viewer, message, now)


def refusal_before_reading(
    actions: Mapping[str, Action[Room]], viewer: Viewer, *, token: bool
) -> FestivalError | None:
    """Over HTTP, a kind whose every message needs one role (the show: hosts) turns anyone
    else away before reading the body: without a token as unauthenticated (401), with one
    as forbidden (403). None when the message decides."""
    roles = {action.role for action in actions.values()}
    if len(roles) != 1 or viewer.may(next(iter(roles))):
        return None
    refusal = next(iter(actions.values())).refusal
    return Forbidden(refusal) if token else Unauthenticated(refusal)


# The fields of a message -------------------------------------------------------------------


def string(message: Mapping[str, Any], name: str, *, empty: bool = False) -> str:
    """A required string; blank counts as missing unless `empty` (a note may be cleared,
    and a question's text is judged by the Q&A rules)."""
    value = message.get(name)
    if value is None:
        raise MessageError("message.missing_field", f"{name} is required", field=name)
    if not isinstance(value, str):
        raise MessageError("message.invalid_field", f"{name} must be a string", field=name)
    if not empty and not value.strip():
        raise MessageError("message.missing_field", f"{name} is required", field=name)
    return value


def optional_string(message: Mapping[str, Any], name: str) -> str | None:
    value = message.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MessageError("message.invalid_field", f"{name} must be a string", field=name)
    return value


def flag(message: Mapping[str, Any], name: str) -> bool:
    value = message.get(name, False)
    if not isinstance(value, bool):
        raise MessageError("message.invalid_field", f"{name} must be true or false", field=name)
    return value


def whole(message: Mapping[str, Any], name: str) -> int:
    value = message.get(name)
    if value is None:
        raise MessageError("message.missing_field", f"{name} is required", field=name)
    # True is an int to Python, but not a number of minutes to anyone.
    if not isinstance(value, int) or isinstance(value, bool):
        raise MessageError("message.invalid_field", f"{name} must be a whole number", field=name)
    return value
