"""Erasing a registration in the store: ids are never handed on, nothing of the person stays.

Runs on SQLite and PostgreSQL, except the migration test, which is about SQLite's rebuild.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, select, text

from festival.programme.loading import read_programme
from festival.registration.model import RegistrationRequest
from festival.registration.service import erase, register
from festival.storage.db import MIGRATIONS, Database
from festival.storage.live_repo import NewEvent, append, lock_channel
from festival.storage.programme_repo import save_programme
from festival.storage.registration_repo import RegistrationSql
from festival.storage.tables import Base, FestivalRow, OutboxRow, PlaceRow
from tests.conftest import REFERENCE

SLUG = "agenda-sociaal-werk-2020"
NOW = datetime(2020, 11, 1, 9, 0, tzinfo=UTC)


def person(n: int, **choices: str) -> RegistrationRequest:
    return RegistrationRequest(
        name=f"Persoon{n} Achternaam{n}",
        email=f"persoon{n}@example.org",
        organisation=f"Organisatie{n}",
        language="nl",
        mode="online",
        choices={k.replace("_", "-"): v for k, v in choices.items()},
    )


async def load(database: Database) -> None:
    async with database.session() as session, session.begin():
        await save_programme(session, read_programme(REFERENCE), source="test", now=NOW)


async def everything_stored(database: Database) -> str:
    """Every value of every row of every table, as one text to search."""
    found: list[str] = []
    async with database.session() as session:
        for table in Base.metadata.sorted_tables:
            for row in await session.execute(select(table)):
                found += [json.dumps(v, ensure_ascii=False, default=str) for v in row]
    return "\n".join(found)


async def test_the_next_registrant_never_gets_an_erased_id(database: Database):
    await load(database)
    await register(RegistrationSql(database), SLUG, person(1), now=NOW)
    newest = await register(
        RegistrationSql(database), SLUG, person(2, ronde_1="huiskamer-1"), now=NOW
    )

    await erase(RegistrationSql(database), newest.registration.id, now=NOW)
    after = await register(
        RegistrationSql(database), SLUG, person(3, ronde_1="huiskamer-1"), now=NOW
    )

    assert after.registration.id > newest.registration.id
    async with database.session() as session:
        kinds = list(
            await session.scalars(
                select(OutboxRow.kind).where(OutboxRow.registration_id == after.registration.id)
            )
        )
    # Their own welcome, and invites (the plenary and their session).
    assert (kinds.count("welcome"), kinds.count("invite")) == (1, 2)


async def test_erasure_leaves_no_name_or_address_anywhere(database: Database):
    await load(database)
    keep = await register(
        RegistrationSql(database), SLUG, person(1, ronde_1="huiskamer-1"), now=NOW
    )
    gone = await register(
        RegistrationSql(database), SLUG, person(2, ronde_1="huiskamer-1"), now=NOW
    )
    async with database.writer() as session, session.begin():
        festival_id = await session.scalar(select(FestivalRow.id))
        assert festival_id is not None
        asked = {
            "question": {
                "id": "q1",
                "channel": "plenary",
                "asker_id": f"r{gone.registration.id}",
                "asker_name": "Persoon2 Achternaam2",
                "text": "Mijn vraag",
                "asked_at": NOW.isoformat(),
                "state": "approved",
                "voters": [f"r{gone.registration.id}", f"r{keep.registration.id}"],
            },
            "was": None,
        }
        seq = await lock_channel(session, festival_id, "plenary")
        await append(
            session,
            festival_id,
            "plenary",
            seq,
            [NewEvent("question.asked", f"r{gone.registration.id}", NOW, asked)],
        )
    before = await everything_stored(database)
    assert "Persoon2 Achternaam2" in before
    assert "persoon2@example.org" in before

    erased = await erase(RegistrationSql(database), gone.registration.id, now=NOW)

    stored = await everything_stored(database)
    assert "Persoon2" not in stored
    assert "persoon2@example.org" not in stored
    assert f'"r{gone.registration.id}"' not in stored
    assert "Persoon1 Achternaam1" in stored  # the other person is untouched
    assert erased.channels == ["plenary"]
    async with database.session() as session:
        body: dict[str, Any] = (
            await session.execute(text("SELECT body FROM live_events"))
        ).scalar_one()
    question = body if isinstance(body, dict) else json.loads(body)
    question = question["question"]
    # The question stays, anonymous; both votes still count.
    assert (question["text"], question["anonymous"], question["asker_name"]) == (
        "Mijn vraag",
        True,
        "",
    )
    assert question["asker_id"] == erased.stand_in
    assert sorted(question["voters"]) == sorted([erased.stand_in, f"r{keep.registration.id}"])


def _alembic(connection: Any, action: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    getattr(command, action)(config, revision)


async def test_migrating_an_old_sqlite_database_keeps_rows_and_skips_erased_ids(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'festival.db'}"
    database = Database(url)
    await database.migrate()
    await load(database)
    ids = [
        (
            await register(
                RegistrationSql(database), SLUG, person(n, ronde_1="huiskamer-1"), now=NOW
            )
        ).registration.id
        for n in (1, 2, 3)
    ]
    await database.dispose()
    # Back to the schema before AUTOINCREMENT, and erase the newest as that version did:
    # its outbox rows stay, without their registration but with its id in the payload.
    engine = create_engine(f"sqlite:///{tmp_path / 'festival.db'}")
    with engine.begin() as connection:
        _alembic(connection, "downgrade", "0006")
        newest = ids[-1]
        connection.execute(
            text(f"UPDATE outbox SET registration_id = NULL WHERE registration_id = {newest}")
        )
        for table in ("places", "tokens", "invite_states", "registrations"):
            column = "id" if table == "registrations" else "registration_id"
            connection.execute(text(f"DELETE FROM {table} WHERE {column} = {newest}"))
    engine.dispose()

    database = Database(url)
    try:
        await database.migrate()
        async with database.session() as session:
            places = list(await session.scalars(select(PlaceRow.registration_id)))
        after = await register(
            RegistrationSql(database), SLUG, person(4, ronde_1="huiskamer-1"), now=NOW
        )
        async with database.session() as session:
            welcomes = list(
                await session.scalars(
                    select(OutboxRow.dedupe_key).where(OutboxRow.kind == "welcome")
                )
            )
    finally:
        await database.dispose()

    assert sorted(places) == ids[:2]  # rebuilding registrations cascaded into nothing
    assert after.registration.id == newest + 1
    assert f"welcome:{after.registration.id}" in welcomes


@pytest.mark.parametrize("table", ["registrations", "tokens"])
async def test_sqlite_tables_keyed_by_person_use_autoincrement(tmp_path: Path, table: str):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'festival.db'}")
    try:
        await database.migrate()
        async with database.session() as session:
            sql = await session.scalar(
                text("SELECT sql FROM sqlite_master WHERE name = :t").bindparams(t=table)
            )
    finally:
        await database.dispose()
    assert "AUTOINCREMENT" in (sql or "")
