"""Text people type in the Q&A (questions, edits, notes) follows the one rule for user text
(festival/text.py): NUL and controls become a space, bidirectional controls go, line breaks
stay. Over a real websocket on a real server, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from festival.storage.db import Database
from tests.live.conftest import Site, sqlite_env, start
from tests.live.qa.test_feed import attendee, moderator
from tests.servers import MANY_REGISTRATIONS

ASKED = "Wat\x00 is\u202e dit?\r\nTweede\x07regel\t "
EDITED = "Wat is\u202e dit\x00 nu?"
NOTED = "na de\x00pauze\u202e\u2066"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    if request.param == "sqlite":
        env = sqlite_env(tmp_path)
    else:
        env = {
            "FESTIVAL_DATABASE_URL": request.getfixturevalue("postgres_url"),
            "FESTIVAL_VAR_DIR": str(tmp_path),
            **MANY_REGISTRATIONS,
        }
    with start(env) as base:
        yield Site(base, env)


async def stored_bodies(site: Site) -> str:
    database = Database(site.env["FESTIVAL_DATABASE_URL"])
    try:
        async with database.session() as session:
            rows = (await session.execute(text("SELECT body FROM live_events"))).scalars()
            return "\n".join(
                b if isinstance(b, str) else json.dumps(b, ensure_ascii=False) for b in rows
            )
    finally:
        await database.dispose()


async def test_questions_edits_and_notes_lose_nul_and_bidi_overrides(any_site: Site):
    mod = await moderator(any_site)
    person = await attendee(any_site, "Vrager")

    ack = await person.send({"type": "ask", "text": ASKED})
    assert ack["type"] == "ack", ack
    qid = ack["question_id"]
    asked = await mod.event("question.asked", id=qid)
    edit = await mod.send(
        {"type": "moderate", "action": "edit", "question_id": qid, "text": EDITED}
    )
    note = await mod.send({"type": "moderate", "action": "note", "question_id": qid, "note": NOTED})
    edited = await mod.event("question.edited", id=qid)
    noted = await mod.event("question.noted", id=qid)

    assert (edit["type"], note["type"]) == ("ack", "ack")
    question: dict[str, Any] = asked["event"]["question"]
    assert question["text"] == "Wat  is dit?\nTweede regel"
    assert edited["event"]["question"]["text"] == "Wat is dit  nu?"
    assert edited["event"]["question"]["original_text"] == "Wat  is dit?\nTweede regel"
    assert noted["event"]["question"]["note"] == "na de pauze"
    stored = await stored_bodies(any_site)
    assert "Wat is dit  nu?" in stored
    for bad in ("\x00", "\\u0000", "\u202e", "\\u202e", "\u2066", "\x07", "\r"):
        assert bad not in stored
    for client in (mod, person):
        await client.close()
