"""Q&A events as plain records, for storing them and sending them between instances.

A record is a JSON-ready mapping: the event's type, channel, actor and time are kept beside it
by the adapter (as columns), the body holds the rest (the question after the change and its
state before). Reading a record back gives an equal `QaEvent`, so replaying the stored log
rebuilds a channel exactly. Stdlib and `festival.qa.model` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from festival.qa.model import (
    EventType,
    Poll,
    PollAnswer,
    PollState,
    QaEvent,
    Question,
    QuestionState,
)


def event_body(event: QaEvent) -> dict[str, Any]:
    """What a stored event holds beyond its type, channel, actor and time."""
    if event.poll is not None:
        return {"poll": poll_record(event.poll)}
    if event.answer is not None:
        answer = event.answer
        return {"poll_id": answer.poll_id, "option": answer.option, "counts": list(answer.counts)}
    return {
        "question": None if event.question is None else question_record(event.question),
        "was": None if event.was is None else event.was.value,
    }


def event_from_parts(
    type_: str, channel: str, actor: str, at: datetime, body: Mapping[str, Any]
) -> QaEvent:
    poll = body.get("poll")
    if poll is not None:
        return QaEvent(EventType(type_), channel, actor, at, poll=poll_from_record(poll))
    if "poll_id" in body:
        answer = PollAnswer(
            str(body["poll_id"]), int(body["option"]), tuple(int(n) for n in body["counts"])
        )
        return QaEvent(EventType(type_), channel, actor, at, answer=answer)
    question = body.get("question")
    was = body.get("was")
    return QaEvent(
        type=EventType(type_),
        channel=channel,
        actor=actor,
        at=at,
        question=None if question is None else question_from_record(question),
        was=None if was is None else QuestionState(was),
    )


def question_record(question: Question) -> dict[str, Any]:
    return {
        "id": question.id,
        "channel": question.channel,
        "asker_id": question.asker_id,
        "asker_name": question.asker_name,
        "text": question.text,
        "asked_at": question.asked_at.isoformat(),
        "state": question.state.value,
        "speaker": question.speaker,
        "anonymous": question.anonymous,
        # Sorted, so equal questions give equal records (and equal stored bytes).
        "voters": sorted(question.voters),
        "starred": question.starred,
        "original_text": question.original_text,
        "note": question.note,
        "merged_into": question.merged_into,
    }


def question_from_record(record: Mapping[str, Any]) -> Question:
    return Question(
        id=str(record["id"]),
        channel=str(record["channel"]),
        asker_id=str(record["asker_id"]),
        asker_name=str(record["asker_name"]),
        text=str(record["text"]),
        asked_at=datetime.fromisoformat(record["asked_at"]),
        state=QuestionState(record["state"]),
        speaker=record.get("speaker"),
        anonymous=bool(record.get("anonymous", False)),
        voters=frozenset(str(v) for v in record.get("voters", ())),
        starred=bool(record.get("starred", False)),
        original_text=record.get("original_text"),
        note=str(record.get("note", "")),
        merged_into=record.get("merged_into"),
    )


def poll_record(poll: Poll) -> dict[str, Any]:
    return {
        "id": poll.id,
        "channel": poll.channel,
        "question": poll.question,
        "options": list(poll.options),
        "opened_at": poll.opened_at.isoformat(),
        "state": poll.state.value,
        "shown": poll.shown,
        "counts": list(poll.counts),
    }


def poll_from_record(record: Mapping[str, Any]) -> Poll:
    return Poll(
        id=str(record["id"]),
        channel=str(record["channel"]),
        question=str(record["question"]),
        options=tuple(str(o) for o in record["options"]),
        opened_at=datetime.fromisoformat(record["opened_at"]),
        state=PollState(record["state"]),
        shown=bool(record.get("shown", True)),
        counts=tuple(int(n) for n in record["counts"]),
    )
