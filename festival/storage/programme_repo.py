"""Programme rows: upsert a loaded `Festival` by ids, read it back as domain objects.

Re-loading never duplicates: entries are matched on (festival, id). A changed entry is
updated, its version raised and the change recorded; an entry missing from the file is
marked cancelled (its registrations stay); one that comes back is restored.

The stored programme is the file's and the themes accepted for its rounds: every load comes
through `save_programme`, which reads the accepted themes and lets their rule
(`proposals.rules.with_accepted`) add them, so a reload keeps their sessions as it keeps the
file's. An accepted theme's session is added (or edited) between loads by `save_session`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final, cast

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from festival.errors import NotFound
from festival.programme.changes import EntryChange, LoadReport, reaches_calendars
from festival.programme.model import (
    CALENDAR_SHIFT_MINUTES,
    PLENARY,
    Block,
    Festival,
    Item,
    Language,
    Materials,
    Mode,
    Nominee,
    Organiser,
    Person,
    Plenary,
    Round,
    Session,
    Venue,
    Vote,
    nominee_id,
)
from festival.proposals.rules import with_accepted
from festival.storage.db import Database
from festival.storage.proposal_repo import accepted_proposals
from festival.storage.tables import CalendarShiftRow, ChangeRow, EntryRow, FestivalRow

# Compared between loads; a difference in any of these is a recorded change.
_COMPARED = (
    "kind",
    "parent_key",
    "title",
    "starts_at",
    "ends_at",
    "capacity",
    "seats",
    "join_url",
    "details",
)


@dataclass(frozen=True)
class _Entry:
    kind: str
    key: str
    parent_key: str | None
    position: int
    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    capacity: int | None = None
    seats: int | None = None
    join_url: str = ""
    details: dict[str, Any] | None = None


async def save_programme(
    db: AsyncSession, festival: Festival, *, source: str, now: datetime
) -> LoadReport:
    """Apply `festival` to the store in the caller's transaction (the calendars follow
    through `invites.service.programme_saved`, in the same transaction)."""
    row = await db.scalar(select(FestivalRow).where(FestivalRow.slug == festival.slug))
    created = row is None
    if row is None:
        row = FestivalRow(slug=festival.slug)
        db.add(row)
    row.title = festival.title
    row.day = festival.date
    row.timezone = festival.timezone
    row.language = festival.language
    row.mode = festival.mode
    row.details = _festival_details(festival)
    row.source = source
    row.loaded_at = now
    await db.flush()
    if not created:
        festival = with_accepted(festival, await accepted_proposals(db, row.id))

    existing = {
        e.key: e for e in await db.scalars(select(EntryRow).where(EntryRow.festival_id == row.id))
    }
    changes: list[EntryChange] = []
    unchanged = 0
    wanted = list(_flatten(festival))
    for entry in wanted:
        old = existing.pop(entry.key, None)
        change = _apply(db, row.id, old, entry, now)
        if change is None:
            unchanged += 1
        else:
            changes.append(change)
    for old in existing.values():
        if not old.cancelled:
            old.cancelled = True
            old.version += 1
            old.updated_at = now
            changes.append(EntryChange(old.key, old.kind, "cancelled", {}, old.version))
    _record(db, row.id, changes, now)
    await db.flush()
    return LoadReport(festival.slug, created, tuple(changes), unchanged, festival)


def _record(db: AsyncSession, festival_id: int, changes: list[EntryChange], now: datetime) -> None:
    for c in changes:
        db.add(
            ChangeRow(
                festival_id=festival_id,
                entry_key=c.key,
                kind=c.kind,
                change=c.change,
                fields={k: [_jsonable(a), _jsonable(b)] for k, (a, b) in c.fields.items()},
                version=c.version,
                recorded_at=now,
            )
        )


class ProgrammeSql:
    """The stored programme as `proposals.store.SessionStore`."""

    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def save_session(
        self, festival: Festival, round_id: str, session: Session, now: datetime
    ) -> LoadReport:
        """Add `session` to the round (after everything stored), or update it."""
        festival_id = await festival_id_of(self.db, festival.slug)
        old = await self.db.scalar(
            select(EntryRow).where(EntryRow.festival_id == festival_id, EntryRow.key == session.id)
        )
        last = await self.db.scalar(
            select(func.max(EntryRow.position)).where(EntryRow.festival_id == festival_id)
        )
        position = old.position if old is not None else (last or 0) + 1
        change = _apply(self.db, festival_id, old, _session_entry(session, round_id, position), now)
        changes = [change] if change is not None else []
        _record(self.db, festival_id, changes, now)
        await self.db.flush()
        return LoadReport(festival.slug, False, tuple(changes), 1 - len(changes), festival)


def _apply(
    db: AsyncSession, festival_id: int, old: EntryRow | None, new: _Entry, now: datetime
) -> EntryChange | None:
    values = {name: getattr(new, name) for name in _COMPARED}
    values["details"] = new.details or {}
    if old is None:
        db.add(
            EntryRow(
                festival_id=festival_id,
                key=new.key,
                position=new.position,
                cancelled=False,
                version=1,
                updated_at=now,
                **values,
            )
        )
        return EntryChange(new.key, new.kind, "added", {}, 1)
    old.position = new.position  # order alone is not a change anyone is told about
    diff = {
        name: (getattr(old, name), value)
        for name, value in values.items()
        if getattr(old, name) != value
    }
    restored = old.cancelled
    if not diff and not restored:
        return None
    for name, value in values.items():
        setattr(old, name, value)
    old.cancelled = False
    old.updated_at = now
    if "details" in diff:
        before, after = diff.pop("details")
        diff.update(
            {
                k: (before.get(k), after.get(k))
                for k in after.keys() | before.keys()
                if before.get(k) != after.get(k)
            }
        )
    if restored or reaches_calendars(diff):
        old.version += 1
    return EntryChange(new.key, new.kind, "restored" if restored else "updated", diff, old.version)


# A festival's id by its slug: the one statement every store uses (made once: building a
# statement costs more than running it on SQLite).
FESTIVAL_ID = select(FestivalRow.id).where(FestivalRow.slug == bindparam("slug"))


async def festival_id_of(db: AsyncSession, slug: str) -> int:
    festival_id = await db.scalar(FESTIVAL_ID, {"slug": slug})
    if festival_id is None:
        raise NotFound(f"no festival {slug!r}", code="festival.not_found")
    return festival_id


async def festival_slugs(db: AsyncSession) -> list[str]:
    """Slugs of the stored festivals, most recently loaded first."""
    return list(await db.scalars(_SLUGS))


# Asked on every request: made once (building a statement and its cache key costs more than
# running it).
_SLUGS = select(FestivalRow.slug).order_by(FestivalRow.loaded_at.desc())


async def read_festivals(db: AsyncSession) -> list[Festival]:
    """Every stored festival, most recently loaded first."""
    found = [await read_festival(db, slug) for slug in await festival_slugs(db)]
    return [festival for festival in found if festival is not None]


async def read_festival(db: AsyncSession, slug: str) -> Festival | None:
    row = await db.scalar(select(FestivalRow).where(FestivalRow.slug == slug))
    if row is None:
        return None
    entries = list(
        await db.scalars(
            select(EntryRow).where(EntryRow.festival_id == row.id).order_by(EntryRow.position)
        )
    )
    festival = _festival(row, entries)
    shift = await db.scalar(
        select(CalendarShiftRow).where(
            CalendarShiftRow.festival_id == row.id, CalendarShiftRow.entry_key == PLENARY
        )
    )
    return festival if shift is None else _announced(festival, shift)


TRUST_SECONDS: Final = 2.0
"""How long a live connection or a registration takes a festival as last checked without
asking the store (see `FestivalCache.live`)."""


Choice = Callable[[Sequence[Festival], datetime], Festival | None]


def _newest(festivals: Sequence[Festival], _now: datetime) -> Festival | None:
    return festivals[0] if festivals else None


class FestivalCache:
    """Festivals as last read, for what needs one on every request (each page, each live
    connection): building one from the store costs more than twice the one small query that
    asks whether it is still the one stored (bench/festival_read_bench.py). Pages check on
    every use (`read`), so a `festival load` or a calendar shift shows at once, on every
    instance.

    Live connections come in storms, thousands a second, and ask no store (`live`): they
    take the festival as last checked until the bus tells of a change (`forget`, on
    `festival.bus.PROGRAMME_TOPIC`) or for at most TRUST_SECONDS, the safety net for a
    change no bus carries (a `festival load` without a broker); then one of them checks it
    again while the others wait for that one check."""

    def __init__(self, *, trust_seconds: float = TRUST_SECONDS, choose: Choice = _newest) -> None:
        self.trust = timedelta(seconds=trust_seconds)
        self.choose = choose  # which festival to show when the request names none
        self._known: dict[str, tuple[tuple[Any, ...], Festival]] = {}
        # What `live` trusts: by slug ("" for the newest festival), the festival and when
        # it was checked; and the checks in flight.
        self._trusted: dict[str, tuple[datetime, Festival]] = {}
        self._checking: dict[str, asyncio.Task[Festival | None]] = {}
        self._changes = 0  # how often the bus told of a change: a check older than one is stale

    async def read(self, db: AsyncSession, slug: str) -> Festival | None:
        """The festival as stored now."""
        stamp = (await db.execute(_STAMP, {"slug": slug})).first()
        if stamp is None:
            self._known.pop(slug, None)
            return None
        return await self._as_stamped(db, slug, tuple(stamp))

    async def all(self, db: AsyncSession) -> list[Festival]:
        """Every stored festival, most recently loaded first: one query for all their
        stamps, and a read of those that changed."""
        found = []
        for slug, *stamp in await db.execute(_STAMPS):
            festival = await self._as_stamped(db, slug, tuple(stamp))
            if festival is not None:
                found.append(festival)
        return found

    async def _as_stamped(
        self, db: AsyncSession, slug: str, stamp: tuple[Any, ...]
    ) -> Festival | None:
        known = self._known.get(slug)
        if known is not None and known[0] == stamp:
            return known[1]
        festival = await read_festival(db, slug)
        if festival is not None:
            # Read after the stamp: at worst newer than it, and then read again next time.
            self._known[slug] = (stamp, festival)
        return festival

    async def default(self, db: AsyncSession, now: datetime) -> Festival:
        """The festival to show when the request names none (`choose`). Raises NotFound
        `festival.none` before any programme was loaded."""
        festival = self.choose(await self.all(db), now)
        if festival is None:
            raise NotFound("no programme has been loaded yet", code="festival.none")
        return festival

    async def live(self, database: Database, slug: str, now: datetime) -> Festival | None:
        """The festival (`slug`; "" for the `default`) as last checked, if that
        was less than TRUST_SECONDS before `now` and the bus told of no change since; else
        checked once in the store for everyone asking meanwhile. None: no such festival.
        Raises NotFound `festival.none` for "" before any programme was loaded."""
        trusted = self._trusted.get(slug)
        if trusted is not None and trusted[0] <= now < trusted[0] + self.trust:
            return trusted[1]
        checking = self._checking.get(slug)
        if checking is None:
            checking = asyncio.create_task(self._check(database, slug, now))
            self._checking[slug] = checking
            checking.add_done_callback(lambda task: self._checked(slug, task))
        # Shielded: one connection that gives up must not cancel the check for the others.
        return await asyncio.shield(checking)

    async def _check(self, database: Database, slug: str, now: datetime) -> Festival | None:
        changes = self._changes
        async with database.session() as db:
            festival = await self.read(db, slug) if slug else await self.default(db, now)
        if festival is None:
            self._trusted.pop(slug, None)
        elif changes == self._changes:  # else it may have been read before the change
            self._trusted[slug] = (now, festival)
        return festival

    def _checked(self, slug: str, task: asyncio.Task[Festival | None]) -> None:
        if self._checking.get(slug) is task:
            del self._checking[slug]
        if not task.cancelled():
            task.exception()  # raised to whoever waited; never "never retrieved"

    def forget(self) -> None:
        """A programme changed somewhere: check every festival again before trusting it."""
        self._trusted.clear()
        self._changes += 1


def _stamp() -> tuple[Any, ...]:
    """What a festival is built from, in brief: its own row, and of its entries how many
    there are and their versions summed, its last recorded change (a provider link replaced
    raises no version: `programme.changes.reaches_calendars`), and the plenary's announced
    times."""
    entries = EntryRow.festival_id == FestivalRow.id
    shift = (CalendarShiftRow.festival_id == FestivalRow.id) & (
        CalendarShiftRow.entry_key == PLENARY
    )
    return (
        FestivalRow.id,
        FestivalRow.loaded_at,
        FestivalRow.title,
        FestivalRow.day,
        FestivalRow.timezone,
        FestivalRow.language,
        FestivalRow.mode,
        FestivalRow.details,
        select(func.count(EntryRow.id)).where(entries).scalar_subquery(),
        select(func.coalesce(func.sum(EntryRow.version), 0)).where(entries).scalar_subquery(),
        select(func.max(ChangeRow.id))
        .where(ChangeRow.festival_id == FestivalRow.id)
        .scalar_subquery(),
        select(CalendarShiftRow.starts_at).where(shift).scalar_subquery(),
        select(CalendarShiftRow.ends_at).where(shift).scalar_subquery(),
    )


# Asked on every request: made once, as `_SLUGS`.
_STAMP = select(*_stamp()).where(FestivalRow.slug == bindparam("slug"))
_STAMPS = select(FestivalRow.slug, *_stamp()).order_by(FestivalRow.loaded_at.desc())


def _announced(festival: Festival, shift: CalendarShiftRow) -> Festival:
    """The festival with its plenary at the times last announced to calendars."""
    p = festival.plenary
    if p is None:
        return festival
    start, end = p.plan
    moved = replace(p, start=shift.starts_at, end=shift.ends_at, planned_start=start,
                    planned_end=end)  # fmt: skip
    return replace(festival, plenary=moved)


# -- domain -> rows ------------------------------------------------------------------------


def _people(people: tuple[Person, ...]) -> list[dict[str, str]]:
    return [{"name": p.name, "role": p.role, "organisation": p.organisation} for p in people]


def _materials(m: Materials) -> dict[str, str]:
    return {"recording_url": m.recording_url, "slides_url": m.slides_url}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _festival_details(f: Festival) -> dict[str, Any]:
    return {
        **f.about(),
        "registration_opens": _iso(f.registration_opens),
        "registration_closes": _iso(f.registration_closes),
        "assignment": f.assignment,
        "assignment_closes": _iso(f.assignment_closes),
        "reminder_minutes": f.reminder_minutes,
        "calendar_shift_minutes": f.calendar_shift_minutes,
        "materials": _materials(f.materials),
        "report": f.report,
        "certificate_minimum_minutes": f.certificate_minimum_minutes,
        "accreditation": f.accreditation,
        "reconfirm_days_before": f.reconfirm_days_before,
    }


def _session_entry(s: Session, round_id: str, position: int) -> _Entry:
    details = {
        "description": s.description,
        "hosts": _people(s.hosts),
        "room": s.room,
        "language": s.language,
        "materials": _materials(s.materials),
    }
    return _Entry(
        "session",
        s.id,
        round_id,
        position,
        s.title,
        s.start,
        s.end,
        s.capacity,
        s.seats,
        s.join_url,
        details,
    )


def _round_details(r: Round) -> dict[str, Any]:
    # The proposal keys only where they are set: a round stored before they existed is not
    # changed by a load that leaves them out.
    details: dict[str, Any] = {"description": r.description}
    if r.proposals:
        details.update(proposals=True, proposals_close=_iso(r.proposals_close))
    return details


def _flatten(f: Festival) -> list[_Entry]:
    entries: list[_Entry] = []
    details: dict[str, Any]
    for r in f.rounds:
        entries.append(
            _Entry(
                "round",
                r.id,
                None,
                len(entries),
                r.title,
                r.start,
                r.end,
                r.capacity,
                r.seats,
                details=_round_details(r),
            )
        )
        for s in r.sessions:
            entries.append(_session_entry(s, r.id, len(entries)))
    if (p := f.plenary) is not None:
        details = {"description": p.description, "questions_url": p.questions_url, "room": p.room}
        entries.append(
            _Entry(
                "plenary",
                PLENARY,
                None,
                len(entries),
                p.title,
                p.start,
                p.end,
                join_url=p.stream_url,
                details=details,
            )
        )
        for b in p.blocks:
            details = {
                "kind": b.kind,
                "minutes": b.minutes,
                "people": _people(b.people),
                "description": b.description,
                "materials": _materials(b.materials),
            }
            entries.append(
                _Entry(
                    "block",
                    b.id,
                    PLENARY,
                    len(entries),
                    b.title,
                    b.start,
                    b.end,
                    details=details,
                )
            )
    for i in f.items:
        details = {
            "kind": i.kind,
            "description": i.description,
            "room": i.room,
            "people": _people(i.people),
            "topics": list(i.topics),
            "materials": _materials(i.materials),
        }
        entries.append(
            _Entry("item", i.id, None, len(entries), i.title, i.start, i.end, details=details)
        )
    for v in f.votes:
        details = {
            "description": v.description,
            "nominees": [asdict(n) for n in v.nominees],
            "voters": v.voters,
        }
        entries.append(
            _Entry("vote", v.id, None, len(entries), v.title, v.opens, v.closes, details=details)
        )
    return entries


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


# -- rows -> domain ------------------------------------------------------------------------


def _to_people(items: list[dict[str, str]] | None) -> tuple[Person, ...]:
    return tuple(Person(**p) for p in items or [])


def _to_nominees(items: list[dict[str, str]] | None) -> tuple[Nominee, ...]:
    # Stored before nominees had ids: the id the programme would give them now.
    return tuple(Nominee(**{"id": nominee_id(p["name"]), **p}) for p in items or [])


def _to_materials(d: dict[str, str] | None) -> Materials:
    return Materials(**d) if d else Materials()


def _when(value: datetime | None) -> datetime:
    if value is None:  # only votes have optional times; everything read here has them
        raise ValueError("entry without a time")
    return value


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _festival(row: FestivalRow, entries: list[EntryRow]) -> Festival:
    d = row.details
    by_parent: dict[str | None, list[EntryRow]] = {}
    for e in entries:
        by_parent.setdefault(e.parent_key, []).append(e)

    def session(e: EntryRow) -> Session:
        x = e.details
        return Session(
            id=e.key,
            title=e.title,
            start=_when(e.starts_at),
            end=_when(e.ends_at),
            description=x.get("description", ""),
            hosts=_to_people(x.get("hosts")),
            capacity=e.capacity,
            seats=e.seats,
            join_url=e.join_url,
            room=x.get("room", ""),
            language=cast(Language | None, x.get("language")),
            materials=_to_materials(x.get("materials")),
            cancelled=e.cancelled,
        )

    def block(e: EntryRow) -> Block:
        x = e.details
        return Block(
            id=e.key,
            kind=x.get("kind", "other"),
            title=e.title,
            minutes=x.get("minutes", 0),
            start=_when(e.starts_at),
            people=_to_people(x.get("people")),
            description=x.get("description", ""),
            materials=_to_materials(x.get("materials")),
            cancelled=e.cancelled,
        )

    rounds = tuple(
        Round(
            id=e.key,
            title=e.title,
            start=_when(e.starts_at),
            end=_when(e.ends_at),
            sessions=tuple(session(s) for s in by_parent.get(e.key, []) if s.kind == "session"),
            description=e.details.get("description", ""),
            cancelled=e.cancelled,
            capacity=e.capacity,
            seats=e.seats,
            proposals=bool(e.details.get("proposals", False)),
            proposals_close=_moment(e.details.get("proposals_close")),
        )
        for e in entries
        if e.kind == "round"
    )
    plenary = None
    for e in entries:
        if e.kind == "plenary" and not e.cancelled:
            plenary = Plenary(
                title=e.title,
                start=_when(e.starts_at),
                end=_when(e.ends_at),
                blocks=tuple(block(b) for b in by_parent.get(PLENARY, [])),
                description=e.details.get("description", ""),
                stream_url=e.join_url,
                questions_url=e.details.get("questions_url", ""),
                room=e.details.get("room", ""),
            )
    items = tuple(
        Item(
            id=e.key,
            kind=e.details.get("kind", "other"),
            title=e.title,
            start=_when(e.starts_at),
            end=_when(e.ends_at),
            description=e.details.get("description", ""),
            room=e.details.get("room", ""),
            people=_to_people(e.details.get("people")),
            topics=tuple(e.details.get("topics", [])),
            materials=_to_materials(e.details.get("materials")),
            cancelled=e.cancelled,
        )
        for e in entries
        if e.kind == "item"
    )
    votes = tuple(
        Vote(
            id=e.key,
            title=e.title,
            description=e.details.get("description", ""),
            opens=e.starts_at,
            closes=e.ends_at,
            nominees=_to_nominees(e.details.get("nominees")),
            voters="registered" if e.details.get("voters") == "registered" else "public",
        )
        for e in entries
        if e.kind == "vote" and not e.cancelled
    )
    venue = d.get("venue")
    organiser = d.get("organiser")
    return Festival(
        slug=row.slug,
        title=row.title,
        date=row.day,
        timezone=row.timezone,
        language=cast(Language, row.language),
        mode=cast(Mode, row.mode),
        theme=d.get("theme", ""),
        description=d.get("description", ""),
        practical=d.get("practical", ""),
        website=d.get("website", ""),
        venue=Venue(**venue) if venue else None,
        organiser=Organiser(**organiser) if organiser else None,
        registration_opens=_moment(d.get("registration_opens")),
        registration_closes=_moment(d.get("registration_closes")),
        assignment="preferences" if d.get("assignment") == "preferences" else "first-come",
        assignment_closes=_moment(d.get("assignment_closes")),
        reminder_minutes=int(d.get("reminder_minutes", 15)),
        calendar_shift_minutes=int(d.get("calendar_shift_minutes", CALENDAR_SHIFT_MINUTES)),
        report=d.get("report", ""),
        certificate_minimum_minutes=int(d.get("certificate_minimum_minutes", 0)),
        accreditation=d.get("accreditation", ""),
        reconfirm_days_before=int(d.get("reconfirm_days_before", 0)),
        materials=_to_materials(d.get("materials")),
        rounds=rounds,
        plenary=plenary,
        items=items,
        votes=votes,
    )
