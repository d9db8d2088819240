"""Host actions on the `show` channel (websocket or JSON API) turned into checked commands.

A host action is `{"type": "host", "action": ACTION, …}`; `perform_host` checks its shape and
that the sender is a host, then runs it through the show service. Refusals are FestivalErrors
with a specific code (`message.*`, `auth.forbidden`, or the rules' `show.*`); nothing is
stored then. Both transports come through here, so the rules live in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

from festival.errors import Forbidden
from festival.live.qa_actions import MessageError
from festival.live.show_service import Command, ShowService
from festival.live.show_views import HOST
from festival.programme.model import Festival
from festival.show import (
    Outcome,
    end_block,
    end_show,
    extend_block,
    go_live,
    message_presenter,
    message_rooms,
    move_block,
    next_block,
    pause_block,
    reset_show,
    restore_block,
    resume_block,
    shorten_block,
    skip_block,
    start_block,
)
from festival.storage.live_repo import StoredEvent

_BlockRule = Callable[..., Outcome]
_BLOCK_ACTIONS: Final[dict[str, _BlockRule]] = {
    "start": start_block,
    "end": end_block,
    "next": next_block,
    "pause": pause_block,
    "resume": resume_block,
    "skip": skip_block,
    "restore": restore_block,
}
_MINUTES_ACTIONS: Final[dict[str, _BlockRule]] = {"extend": extend_block, "shorten": shorten_block}
_SHOW_ACTIONS: Final[dict[str, _BlockRule]] = {
    "live": go_live,
    "end_show": end_show,
    "reset": reset_show,
}
_MESSAGE_ACTIONS: Final[dict[str, _BlockRule]] = {
    "message_presenter": message_presenter,
    "message_rooms": message_rooms,
}
HOST_ACTIONS: Final = (
    *_SHOW_ACTIONS,
    *_BLOCK_ACTIONS,
    *_MINUTES_ACTIONS,
    "move",
    *_MESSAGE_ACTIONS,
)


async def perform_host(
    service: ShowService,
    festival: Festival,
    role: str,
    actor: str,
    message: Mapping[str, Any],
    now: datetime,
) -> list[StoredEvent]:
    """Run one host message; returns the events stored (none when it changed nothing)."""
    if message.get("type") != "host":
        raise MessageError(
            "message.unknown_type",
            f"unknown message type {message.get('type')!r}; expected host or ping",
            field="type",
        )
    if role != HOST:
        raise Forbidden("host actions need a host token")
    command = host_command(message, actor=actor, now=now)
    return await service.run(festival, command, now=now)


def host_command(message: Mapping[str, Any], *, actor: str, now: datetime) -> Command:
    """The command for one host message, its fields read (and checked) up front."""
    action = message.get("action")
    if not isinstance(action, str) or action not in HOST_ACTIONS:
        raise MessageError(
            "message.unknown_action",
            f"unknown action {action!r}; expected one of {', '.join(HOST_ACTIONS)}",
            field="action",
        )
    if action in _SHOW_ACTIONS:
        show_rule = _SHOW_ACTIONS[action]
        return lambda show: show_rule(show, at=now, by=actor)
    if action in _MESSAGE_ACTIONS:
        text = _text(message)
        message_rule = _MESSAGE_ACTIONS[action]
        return lambda show: message_rule(show, text, at=now, by=actor)
    block_id = _block_id(message)
    if action in _MINUTES_ACTIONS:
        minutes = _whole(message, "minutes")
        minutes_rule = _MINUTES_ACTIONS[action]
        return lambda show: minutes_rule(show, block_id, minutes, at=now, by=actor)
    if action == "move":
        position = _whole(message, "position")
        return lambda show: move_block(show, block_id, position, at=now, by=actor)
    block_rule = _BLOCK_ACTIONS[action]
    return lambda show: block_rule(show, block_id, at=now, by=actor)


def _block_id(message: Mapping[str, Any]) -> str:
    value = message.get("block_id")
    if value is None or value == "":
        raise MessageError("message.missing_field", "block_id is required", field="block_id")
    if not isinstance(value, str):
        raise MessageError("message.invalid_field", "block_id must be a string", field="block_id")
    return value


def _whole(message: Mapping[str, Any], name: str) -> int:
    value = message.get(name)
    if value is None:
        raise MessageError("message.missing_field", f"{name} is required", field=name)
    # True is an int to Python, but not a number of minutes to anyone.
    if not isinstance(value, int) or isinstance(value, bool):
        raise MessageError("message.invalid_field", f"{name} must be a whole number", field=name)
    return value


def _text(message: Mapping[str, Any]) -> str:
    value = message.get("text", "")
    if not isinstance(value, str):
        raise MessageError("message.invalid_field", "text must be a string", field="text")
    return value
