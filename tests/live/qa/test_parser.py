"""Any text frame gets an answer from the documented set, never an exception.

`answer_message` is what a live socket does with each text frame; here it is driven directly,
with the real Q&A and show handlers on a real (SQLite) store, by a few hundred generated
frames: garbage, arbitrary JSON (NaN, huge numbers, deep nesting included) and messages shaped
like ours with arbitrary fields. Every answer must be a `pong`, an `ack` or an `error` whose
code docs/live-protocol.md lists, and must serialise as strict JSON. One test sends the
nastiest of them over a real socket (tests/live/qa/test_abuse.py)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from festival.bus import InProcessBus
from festival.clock import FixedClock
from festival.config import Settings
from festival.live.kinds import ChannelKind
from festival.live.log import EventLog
from festival.live.protocol import Viewer, ack, perform
from festival.live.qa_kind import QaRoom
from festival.live.qa_service import QaService
from festival.live.qa_views import AUDIENCE, MODERATOR
from festival.live.show_kind import ShowRoom
from festival.live.show_service import ShowService
from festival.live.show_views import HOST
from festival.programme.loading import parse_programme
from festival.programme.model import Festival
from festival.qa import open_qa
from festival.qa.channels import qa_channels
from festival.storage.db import Database
from festival.storage.programme_repo import save_programme
from festival.web.channel_io import Handler, answer_message
from festival.web.limits import LimitRules, Limits
from tests.conftest import REFERENCE, ROOT

NOW = datetime(2020, 11, 19, 12, 45, tzinfo=UTC)


def documented_codes() -> set[str]:
    """Every `code` in the first column of docs/live-protocol.md's error tables (those headed
    `code`), dotted as they all are."""
    codes: set[str] = set()
    in_errors = False
    for line in (ROOT / "docs" / "live-protocol.md").read_text().splitlines():
        if re.match(r"\| `?code`? \|", line):
            in_errors = True
        elif not line.startswith("|"):
            in_errors = False
        elif in_errors:
            first_cell = line.split("|")[1]
            codes.update(re.findall(r"`([a-z_]+\.[a-z_]+)`", first_cell))
    return codes


@dataclass
class Channels:
    loop: asyncio.AbstractEventLoop
    handlers: dict[str, Handler]
    limits: Limits


async def _parts(db: Database) -> tuple[Festival, QaService, ShowService, InProcessBus]:
    await db.migrate()
    festival = parse_programme(REFERENCE.read_text(), "f.toml")
    async with db.session() as session, session.begin():
        await save_programme(session, festival, source="f", now=NOW)
    bus = InProcessBus()
    await bus.start()
    log = EventLog(db)
    qa = QaService(log, bus)
    await qa.run(festival.slug, "plenary", lambda s, _n: open_qa(s, actor="test", now=NOW))
    return festival, qa, ShowService(log, bus, qa), bus


@pytest.fixture(scope="module")
def channels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Channels]:
    """The real handlers of the plenary (an attendee's and a moderator's) and of the show (a
    host's), on one event loop that every example runs on."""
    folder: Path = tmp_path_factory.mktemp("parser")
    loop = asyncio.new_event_loop()
    db = Database(f"sqlite+aiosqlite:///{folder / 'festival.db'}")
    festival, qa, show, bus = loop.run_until_complete(_parts(db))
    plenary = QaRoom(qa, festival, qa_channels(festival)["plenary"])

    def handler(room: ChannelKind, viewer: Viewer) -> Handler:
        async def handle(message: dict[str, Any], now: datetime) -> dict[str, Any]:
            return ack(await perform(room.actions, room, room.channel, viewer, message, now))

        return handle

    handlers = {
        "attendee": handler(plenary, Viewer(AUDIENCE, "r1", "Anna", may_ask=True)),
        "moderator": handler(plenary, Viewer(MODERATOR, "moderator#1")),
        "host": handler(ShowRoom(show, festival), Viewer(HOST, "host#1")),
    }
    # The message limit counts every frame, as on a socket; set high, so the examples reach
    # the handlers instead of all being refused as too many.
    generous = Settings(rate_live_messages="1000000/second")
    limits = Limits.start(generous, LimitRules.from_settings(generous))
    try:
        yield Channels(loop, handlers, limits)
    finally:
        loop.run_until_complete(limits.close())
        loop.run_until_complete(bus.close())
        loop.run_until_complete(db.dispose())
        loop.close()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities included: json.dumps writes them as NaN/Infinity
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
ids = st.sampled_from(["q1", "q2", "welkomstwoord", "pauze", ""]) | json_values
our_shapes = st.fixed_dictionaries(
    {"type": st.sampled_from(["ask", "vote", "moderate", "host", "ping", "shout"]) | json_values},
    optional={
        "ref": json_values,
        "action": st.sampled_from(["approve", "edit", "merge", "next", "extend", "live", "move"])
        | json_values,
        "text": st.text(max_size=600) | json_values,
        "question_id": ids,
        "block_id": ids,
        "into": ids,
        "minutes": st.integers(-5, 200) | json_values,
        "position": st.integers(-2, 30) | json_values,
        "withdraw": json_values,
        "anonymous": json_values,
        "speaker": st.text(max_size=20) | json_values,
    },
)
frames = st.one_of(
    st.text(max_size=200),
    json_values.map(json.dumps),
    our_shapes.map(json.dumps),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    st.sampled_from(['{"type":"ping","ref":1e999}', '{"type":"ping","ref":NaN}', '{"a":1,"a":2}']),
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(frame=frames, who=st.sampled_from(["attendee", "moderator", "host"]))
def test_any_frame_gets_a_documented_answer(channels: Channels, frame: str, who: str):
    answer = channels.loop.run_until_complete(
        answer_message(
            frame,
            lambda: channels.limits.check_message(who, shared=False),
            channels.handlers[who],
            FixedClock(NOW),
        )
    )

    assert answer["type"] in {"ack", "error", "pong"}
    if answer["type"] == "error":
        assert answer["code"] in documented_codes(), answer
        assert answer["code"] != "internal", answer
    json.dumps(answer, allow_nan=False)  # what goes out is JSON: no NaN, no Infinity


def test_documented_codes_are_read_from_the_protocol_page():
    codes = documented_codes()

    assert {
        "message.invalid_json",
        "message.too_large",
        "qa.rate_limited",
        "show.bad_minutes",
    } <= codes
    assert "question.asked" not in codes  # an event, not an error
