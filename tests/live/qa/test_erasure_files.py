"""Erasing one's data on SQLite leaves nothing readable in the database's files: not in the
write-ahead log (which keeps old versions of pages until a checkpoint), not in free pages of
the main file. A real server, a real file, a person who asked a question and got mail."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import httpx2

from tests.live.conftest import Site, connect
from tests.live.qa.test_feed import moderator

NAME = "Zwaantje Vlierboomsma-Quist"
EMAIL = "zwaantje.vlierboomsma@example.org"


async def test_erasure_leaves_neither_name_nor_address_in_the_sqlite_files(
    site: Site, tmp_path: Path
):
    mod = await moderator(site)
    created = httpx2.post(
        f"{site.base}/api/registrations",
        json={"name": NAME, "email": EMAIL, "consent": True, "choices": {}},
        trust_env=False,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    person = await connect(site.url("plenary", token))
    ack = await person.send({"type": "ask", "text": "Hoe lang duurt de pauze?"})
    assert ack["type"] == "ack", ack
    await mod.event("question.asked", id=ack["question_id"])
    await person.close()
    # As SQLite's own checkpoint (every 1,000 pages) would: the person is in the main file now.
    with closing(sqlite3.connect(tmp_path / "festival.db")) as database:
        database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert NAME.encode() in (tmp_path / "festival.db").read_bytes()

    erased = httpx2.delete(
        f"{site.base}/api/me", headers={"Authorization": f"Bearer {token}"}, trust_env=False
    )

    assert erased.status_code == 204, erased.text
    files = [tmp_path / f"festival.db{end}" for end in ("", "-wal", "-shm")]
    for file in [f for f in files if f.exists()]:
        content = file.read_bytes()
        for trace in (NAME, "Vlierboomsma", EMAIL):
            assert trace.encode() not in content, f"{trace} in {file.name}"
    await mod.close()
