"""Programme storage on SQLite and PostgreSQL: upsert by ids, change records, cancellation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from festival.programme.loading import parse_programme, read_programme
from festival.programme.model import Festival
from festival.storage.db import Database
from festival.storage.programme_repo import (
    FestivalCache,
    festival_slugs,
    read_festival,
    save_programme,
)
from festival.storage.shift_repo import record_shift
from festival.storage.tables import Base, ChangeRow, EntryRow
from tests.conftest import REFERENCE, SCHEDULES

NOW = datetime(2020, 11, 1, 9, 0, tzinfo=UTC)
SLUG = "agenda-sociaal-werk-2020"


async def _save(db: Database, text: str, now: datetime = NOW):
    festival = parse_programme(text, "test.toml")
    async with db.session() as session, session.begin():
        return await save_programme(session, festival, source="test.toml", now=now)


async def _entries(db: Database) -> dict[str, EntryRow]:
    async with db.session() as session:
        return {e.key: e for e in await session.scalars(select(EntryRow))}


async def test_migrations_match_the_tables(database: Database):
    def diff(connection):
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)

    async with database.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_migrate_twice_is_harmless(database: Database):
    await database.migrate()

    assert await _entries(database) == {}


async def test_save_reference_programme_then_read_it_back_equal(database: Database):
    festival = read_programme(REFERENCE)

    async with database.session() as session, session.begin():
        report = await save_programme(session, festival, source="ref", now=NOW)
    async with database.session() as session:
        stored = await read_festival(session, festival.slug)

    assert report.created
    assert report.count("added") == 22
    assert stored == festival


async def test_times_come_back_aware_in_utc(database: Database):
    festival = read_programme(REFERENCE)
    async with database.session() as session, session.begin():
        await save_programme(session, festival, source="ref", now=NOW)

    entries = await _entries(database)

    assert entries["ronde-1"].starts_at == datetime(2020, 11, 19, 9, 30, tzinfo=UTC)
    assert entries["plenary"].ends_at == datetime(2020, 11, 19, 14, 15, tzinfo=UTC)


async def test_reload_unchanged_changes_nothing(database: Database):
    text = REFERENCE.read_text()
    await _save(database, text)

    report = await _save(database, text)

    assert (report.created, report.changes, report.unchanged) == (False, (), 22)
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(EntryRow)) == 22


async def test_reload_with_changed_time_and_link_updates_rows_and_records_change(
    database: Database,
):
    text = REFERENCE.read_text()
    await _save(database, text)
    changed = text.replace(
        "start = 10:30:00\nend = 11:30:00", "start = 10:45:00\nend = 11:30:00", 1
    ).replace("https://zoom.example.org/huiskamer-1", "https://zoom.example.org/nieuw-1")

    report = await _save(database, changed)

    entries = await _entries(database)
    summary = {(c.key, c.change, tuple(sorted(c.fields))) for c in report.changes}
    assert ("ronde-1", "updated", ("starts_at",)) in summary
    assert ("huiskamer-1", "updated", ("join_url", "starts_at")) in summary
    assert entries["huiskamer-1"].join_url == "https://zoom.example.org/nieuw-1"
    assert entries["huiskamer-1"].starts_at == datetime(2020, 11, 19, 9, 45, tzinfo=UTC)
    assert entries["huiskamer-1"].version == 2
    assert entries["huiskamer-6"].version == 1
    async with database.session() as session:
        rows = list(
            await session.scalars(select(ChangeRow).where(ChangeRow.entry_key == "huiskamer-1"))
        )
    assert [(r.change, r.version) for r in rows] == [("added", 1), ("updated", 2)]
    assert rows[1].fields["join_url"] == [
        "https://zoom.example.org/huiskamer-1",
        "https://zoom.example.org/nieuw-1",
    ]


async def test_removed_session_is_cancelled_not_deleted_and_comes_back_restored(
    database: Database,
):
    text = REFERENCE.read_text()
    await _save(database, text)
    start = text.index('  [[round.session]]\n  id = "huiskamer-2"')
    end = text.index("  [[round.session]]", start + 10)
    without = text[:start] + text[end:]

    removed = await _save(database, without)
    async with database.session() as session:
        festival = await read_festival(session, "agenda-sociaal-werk-2020")
    restored = await _save(database, text)

    assert [(c.key, c.change) for c in removed.changes] == [("huiskamer-2", "cancelled")]
    assert festival is not None
    cancelled = {s.id for _, s in festival.sessions() if s.cancelled}
    assert cancelled == {"huiskamer-2"}
    assert [(c.key, c.change, c.version) for c in restored.changes] == [
        ("huiskamer-2", "restored", 3)
    ]


async def test_several_festivals_live_side_by_side(database: Database):
    for path in sorted(SCHEDULES.glob("*.toml")):
        await _save(database, path.read_text())

    async with database.session() as session:
        slugs = await festival_slugs(session)

    assert sorted(slugs) == sorted(read_programme(p).slug for p in SCHEDULES.glob("*.toml"))


async def test_festival_slugs_lists_most_recent_load_first(database: Database):
    files = sorted(SCHEDULES.glob("*.toml"))
    for hour, path in enumerate(files):
        await _save(database, path.read_text(), now=NOW.replace(hour=hour))

    async with database.session() as session:
        slugs = await festival_slugs(session)

    assert slugs[0] == read_programme(files[-1]).slug


async def test_read_unknown_festival_is_none(database: Database):
    async with database.session() as session:
        assert await read_festival(session, "nope") is None


async def test_the_festival_cache_gives_what_read_festival_gives_and_follows_every_change(
    database: Database,
):
    """Every reload here happens at the same moment (`loaded_at` unchanged): the cache must
    still see each change, whether to an entry, the festival itself, or announced times."""
    cache = FestivalCache()
    text = REFERENCE.read_text()
    await _save(database, text)

    async def both() -> tuple[Festival | None, Festival | None]:
        async with database.session() as session:
            return await cache.read(session, SLUG), await read_festival(session, SLUG)

    first, fresh = await both()
    again, _ = await both()
    assert first == fresh
    assert again is first  # unchanged: not built again

    await _save(database, text.replace("https://zoom.example.org/huiskamer-1", "https://x.example"))
    moved, fresh = await both()
    assert moved == fresh
    assert moved != first

    retitled_text = text.replace(
        'title = "De agenda van het sociaal werk 2020"', 'title = "Een andere titel"', 1
    )
    await _save(
        database, retitled_text.replace("https://zoom.example.org/huiskamer-1", "https://x.example")
    )
    retitled, fresh = await both()
    assert retitled == fresh
    assert retitled is not None
    assert retitled.title == "Een andere titel"

    plenary = retitled.plenary
    assert plenary is not None
    later = timedelta(minutes=20)
    async with database.writer() as session, session.begin():
        await record_shift(
            session, SLUG, start=plenary.start + later, end=plenary.end + later,
            delay_minutes=20, now=NOW,
        )  # fmt: skip
    shifted, fresh = await both()
    assert shifted == fresh
    assert shifted is not None
    assert shifted.plenary is not None
    assert shifted.plenary.start == plenary.start + later

    async with database.session() as session:
        assert await cache.read(session, "no-such-festival") is None
