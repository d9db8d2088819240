"""What each viewer of a Q&A channel receives: snapshots and events, as wire messages.

Roles: `moderator` gets everything (`festival.qa.event_for_moderator`); `audience` gets the
public view. An audience event is serialised once for everyone; only the question's asker and
the event's actor get their own copy, with `mine` and `voted` filled in. In the shared copy
those two fields are left out, which the protocol defines as "unchanged": a page keeps what
its own snapshot and acks told it.

Live, a vote or a poll's answer is not an event of its own for anyone: it is a count change
(`Counts`), which the hub coalesces into `counts` messages (`questions`, `polls`). Replays
after `since` and the HTTP API still give each as its event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from festival.live.hub import Counts, Rendered, wire
from festival.qa import (
    EventType,
    PollAnswer,
    QaChannel,
    Question,
    event_for_audience,
    event_for_moderator,
    snapshot_for_audience,
    snapshot_for_moderator,
)
from festival.qa.model import answer_counts
from festival.qa.records import event_from_parts
from festival.storage.live_repo import StoredEvent

MODERATOR: Final = "moderator"
AUDIENCE: Final = "audience"
_PERSONAL_FIELDS = ("mine", "voted")
_VOTES = frozenset({EventType.VOTED.value, EventType.UNVOTED.value})


def render_qa(stored: StoredEvent) -> Rendered:
    """An event as it goes out live: a vote or a poll's answer as the count change it is,
    the rest in full."""
    if stored.type == EventType.POLL_ANSWERED.value:
        event = event_from_parts(stored.type, stored.channel, stored.actor, stored.at, stored.body)
        assert event.answer is not None  # an answer always carries its poll's counts
        answer = event.answer
        return Rendered(
            by_role={},
            counts=Counts(
                "polls",
                answer.poll_id,
                lambda _role: _poll_counts(answer),
                {event.actor: {"answer": answer.option}},
            ),
        )
    if stored.type not in _VOTES:
        return render_event(stored)
    event = event_from_parts(stored.type, stored.channel, stored.actor, stored.at, stored.body)
    question = event.question
    assert question is not None  # a vote is always on a question
    voted = {"voted": stored.type == EventType.VOTED.value}
    return Rendered(
        by_role={},
        counts=Counts(
            "questions", question.id, lambda role: _votes(question, role), {event.actor: voted}
        ),
    )


def _poll_counts(answer: PollAnswer) -> dict[str, Any]:
    """A poll's entry in a `counts` message: the same for everyone (nobody sees who answered)."""
    return dict(answer_counts(answer))


def _votes(question: Question, role: str) -> dict[str, Any] | None:
    """A question's entry in a `counts` message."""
    if role == MODERATOR:
        return {"id": question.id, "votes": question.votes, "voters": sorted(question.voters)}
    if role == AUDIENCE and question.public:
        return {"id": question.id, "votes": question.votes}
    return None


def render_event(stored: StoredEvent) -> Rendered:
    """An event in full, for each role and for its asker and actor."""
    event = event_from_parts(stored.type, stored.channel, stored.actor, stored.at, stored.body)

    def message(view: dict[str, Any] | None) -> str | None:
        if view is None:
            return None
        return wire({"type": "event", "channel": stored.channel, "seq": stored.seq, "event": view})

    shared = event_for_audience(event, None)
    question = shared.get("question") if shared is not None else None
    if isinstance(question, dict):
        for name in _PERSONAL_FIELDS:
            question.pop(name, None)
    personal: dict[str, str | None] = {}
    people = {event.actor}
    if event.question is not None:
        people.add(event.question.asker_id)
    for viewer in people:
        personal[viewer] = message(event_for_audience(event, viewer))
    return Rendered(
        by_role={MODERATOR: message(event_for_moderator(event)), AUDIENCE: message(shared)},
        personal=personal,
    )


def qa_snapshot(
    state: QaChannel,
    seq: int,
    *,
    role: str,
    viewer_id: str | None,
    people: tuple[str, ...],
    title: str,
    now: datetime | None,
) -> dict[str, Any]:
    """The `snapshot` message: the whole channel as this viewer may see it. Without `now`,
    no `server_time`: a snapshot shared by many connections gets each one's added to it."""
    view = (
        snapshot_for_moderator(state)
        if role == MODERATOR
        else snapshot_for_audience(state, viewer_id)
    )
    message: dict[str, Any] = {
        "type": "snapshot",
        "channel": state.channel,
        "seq": seq,
        "role": role,
        "title": title,
        "people": list(people),
    }
    if now is not None:
        message["server_time"] = now.isoformat()
    message["qa"] = view
    return message


def qa_event_message(stored: StoredEvent, *, role: str, viewer_id: str | None) -> str | None:
    """One stored event for one viewer (replays after `since`), or None when not theirs."""
    rendered = render_event(stored)
    if viewer_id is not None and viewer_id in rendered.personal:
        return rendered.personal[viewer_id]
    return rendered.by_role.get(role)
