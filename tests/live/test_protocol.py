"""The role column of every channel kind's action table, checked before any handler runs.

Walks the tables themselves, so an action added to any kind (and any action named in a
`moderate` or `host` message) is covered: whoever lacks its role gets `auth.forbidden`
with the kind's documented refusal, and nothing of the channel is touched."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from festival.errors import Forbidden, Unauthenticated
from festival.live.protocol import (
    Action,
    Choice,
    MessageError,
    Viewer,
    perform,
    refusal_before_reading,
)
from festival.live.qa_kind import QA_ACTIONS
from festival.live.qa_views import AUDIENCE, MODERATOR
from festival.live.show_kind import SHOW_ACTIONS
from festival.live.show_views import HOST, PRESENTER, PUBLIC

NOW = datetime(2020, 11, 19, 12, 45, tzinfo=UTC)
KINDS: dict[str, Mapping[str, Action[Any]]] = {"plenary": QA_ACTIONS, "show": SHOW_ACTIONS}
VIEWERS = (
    Viewer(AUDIENCE),  # the public
    Viewer(AUDIENCE, "r1", "Anna", may_ask=True, token_id=1),  # an attendee
    Viewer(MODERATOR, "moderator#2"),
    Viewer(HOST, "host#3"),
    Viewer(PRESENTER),
    Viewer(PUBLIC),
)


class Untouchable:
    """A channel that fails the test if a refused message reaches it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a refused message reached the channel ({name})")


def messages() -> Iterator[tuple[str, Action[Any], dict[str, Any]]]:
    """Every message of every kind: each type, and each action a type names."""
    for channel, actions in KINDS.items():
        for kind, action in actions.items():
            if isinstance(action.run, Choice):
                for name in action.run.runs:
                    yield channel, action, {"type": kind, "action": name}
            else:
                yield channel, action, {"type": kind}


@pytest.mark.parametrize(
    ("channel", "action", "message"),
    list(messages()),
    ids=lambda v: v.get("action", v["type"]) if isinstance(v, dict) else None,
)
async def test_every_action_is_refused_to_whoever_lacks_its_role(
    channel: str, action: Action[Any], message: dict[str, Any]
):
    refused = [v for v in VIEWERS if not v.may(action.role)]
    answers = []
    for viewer in refused:
        with pytest.raises(Forbidden) as caught:
            await perform(KINDS[channel], Untouchable(), channel, viewer, message, NOW)
        answers.append((caught.value.code, caught.value.message))

    assert Viewer(AUDIENCE) in refused  # the public acts nowhere
    assert answers == [("auth.forbidden", action.refusal.format(channel=channel))] * len(refused)


def test_the_refusals_are_the_documented_ones():
    assert {kind: a.refusal.format(channel="plenary") for kind, a in QA_ACTIONS.items()} == {
        "ask": "questions are asked with an attendee's personal link",
        "vote": "votes are cast with an attendee's personal link",
        "answer": "polls are answered with an attendee's personal link",
        "moderate": "this token may not moderate 'plenary'",
    }
    assert SHOW_ACTIONS["host"].refusal == "host actions need a host token"


async def test_a_viewer_with_the_role_gets_past_the_check_to_the_message():
    attendee, moderator = VIEWERS[1], VIEWERS[2]
    with pytest.raises(MessageError) as missing:
        await perform(QA_ACTIONS, Untouchable(), "plenary", attendee, {"type": "vote"}, NOW)
    with pytest.raises(MessageError) as unknown:
        await perform(
            QA_ACTIONS,
            Untouchable(),
            "plenary",
            moderator,
            {"type": "moderate", "action": "delete"},
            NOW,
        )

    assert (missing.value.code, missing.value.field) == ("message.missing_field", "question_id")
    assert (unknown.value.code, unknown.value.field) == ("message.unknown_action", "action")


def test_over_http_the_show_turns_away_non_hosts_before_reading():
    anonymous = refusal_before_reading(SHOW_ACTIONS, Viewer(PUBLIC), token=False)
    presenter = refusal_before_reading(SHOW_ACTIONS, Viewer(PRESENTER), token=True)

    assert isinstance(anonymous, Unauthenticated)
    assert isinstance(presenter, Forbidden)
    assert refusal_before_reading(SHOW_ACTIONS, Viewer(HOST, "host#3"), token=True) is None
    # The Q&A's messages need different roles: each message decides.
    assert refusal_before_reading(QA_ACTIONS, Viewer(AUDIENCE), token=False) is None
