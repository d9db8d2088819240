"""Registrations and places: capacity, waitlists and promotion, safe under concurrency.

Every decision "is there still a place?" is taken inside a write transaction that first locks
the session's row (PostgreSQL: SELECT … FOR UPDATE; SQLite: the whole database, through
BEGIN IMMEDIATE in `Database.writer`). So two requests for the last place are served one after
the other, and a session never holds more confirmed places than it has.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import Connection, Select, Table, bindparam, delete, func, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from festival.errors import Invalid, NotFound
from festival.i18n import translate
from festival.invites.plan import Attending
from festival.registration.model import (
    Attendance,
    ChoiceStatus,
    Place,
    Registration,
    RegistrationRequest,
)
from festival.storage.db import Database
from festival.storage.invite_repo import (
    PLENARY,
    Recipient,
    queue_link_again,
    queue_promoted,
    queue_registered,
    sync_invites,
)
from festival.storage.live_repo import forget_person
from festival.storage.tables import (
    EntryRow,
    FestivalRow,
    InviteStateRow,
    OutboxRow,
    PlaceRow,
    RankingRow,
    RegistrationRow,
    TokenRow,
)
from festival.storage.token_repo import RegistrationRef, first_personal_token

S = TypeVar("S", bound=Select[Any])


@dataclass(frozen=True)
class Registered:
    """What `register` did: a new registration with its secret token, or the existing one."""

    registration: Registration
    token: str | None  # None when the e-mail was already registered
    created: bool


async def _festival_id(db: AsyncSession, slug: str) -> int:
    festival_id = await db.scalar(select(FestivalRow.id).where(FestivalRow.slug == slug))
    if festival_id is None:
        raise NotFound(f"no festival {slug!r}", code="festival.not_found")
    return festival_id


async def _session_entries(
    db: AsyncSession, festival_id: int, session_ids: Iterable[str]
) -> dict[str, EntryRow]:
    wanted = sorted(set(session_ids))
    if not wanted:
        return {}
    rows = await db.scalars(_locking(select(EntryRow), festival_id, wanted))
    return {row.key: row for row in rows}


def _locking(
    query: S,
    festival_id: int | BindParameter[Any],
    session_keys: list[str] | BindParameter[Any],
) -> S:
    """`query` over these sessions' rows, locking them (PostgreSQL; SQLite's writers hold the
    whole database) in a fixed order, by key, so two writers never wait on each other in a
    circle."""
    return (
        query.where(EntryRow.festival_id == festival_id, EntryRow.kind == "session")
        .where(EntryRow.key.in_(session_keys))
        .order_by(EntryRow.key)
        .with_for_update()
    )


def _limit(entry: EntryRow, mode: str) -> int | None:
    return entry.seats if mode == "onsite" else entry.capacity


async def confirmed_count(db: AsyncSession, entry_id: int, mode: str) -> int:
    count = await db.scalar(
        select(func.count())
        .select_from(PlaceRow)
        .where(PlaceRow.entry_id == entry_id, PlaceRow.mode == mode)
        .where(PlaceRow.status == "confirmed")
    )
    return count or 0


async def _take_place(
    db: AsyncSession, registration_id: int, entry: EntryRow, round_key: str, mode: str,
    now: datetime,
) -> None:  # fmt: skip
    limit = _limit(entry, mode)
    full = limit is not None and await confirmed_count(db, entry.id, mode) >= limit
    db.add(
        PlaceRow(
            registration_id=registration_id,
            entry_id=entry.id,
            round_key=round_key,
            mode=mode,
            status="waitlisted" if full else "confirmed",
            created_at=now,
            promoted_at=None,
        )
    )
    await db.flush()


async def _promote(db: AsyncSession, entry: EntryRow, mode: str, now: datetime) -> list[int]:
    """Fill free places from the front of the waitlist; returns the promoted registrations."""
    limit = _limit(entry, mode)
    free = None if limit is None else limit - await confirmed_count(db, entry.id, mode)
    query = (
        select(PlaceRow)
        .where(PlaceRow.entry_id == entry.id, PlaceRow.mode == mode)
        .where(PlaceRow.status == "waitlisted")
        .order_by(PlaceRow.id)
    )
    if free is not None:
        if free <= 0:
            return []
        query = query.limit(free)
    promoted = list(await db.scalars(query))
    for place in promoted:
        place.status = "confirmed"
        place.promoted_at = now
        await queue_promoted(db, place, entry.key, now)
    await db.flush()
    await sync_invites(db, [p.registration_id for p in promoted], now)
    return [p.registration_id for p in promoted]


async def register(
    database: Database, festival: str, request: RegistrationRequest, *, now: datetime
) -> Registered:
    """Register once per e-mail; a second attempt returns the existing registration.

    A rush runs through here, and on SQLite its transactions run one at a time: a new
    registration's transaction (`_register_new`) holds only what must be decided and written
    together, in few Core statements, run at once (`Database.at_once`); the registration
    returned is made from what was written."""
    try:
        new = await database.at_once(partial(_register_new, festival, request, now))
        if new is not None:
            return new
        async with database.writer() as db, db.begin():  # registered before: the link again
            existing = await _existing(db, festival, request)
            if existing is None:  # erased since: register anew
                return await register(database, festival, request, now=now)
            await queue_link_again(db, existing, now)
            return Registered(await _read(db, existing), None, created=False)
    except IntegrityError:
        # Two requests with the same e-mail raced; the other one won. Show it, as above.
        async with database.session() as db:
            existing = await _existing(db, festival, request)
            if existing is None:
                raise
            return Registered(await _read(db, existing), None, created=False)


async def _existing(db: AsyncSession, festival: str, request: RegistrationRequest) -> int | None:
    found: int | None = await db.scalar(
        select(RegistrationRow.id)
        .join(FestivalRow, FestivalRow.id == RegistrationRow.festival_id)
        .where(FestivalRow.slug == festival, RegistrationRow.email_key == request.email_key)
    )
    return found


def _register_new(
    festival: str, request: RegistrationRequest, now: datetime, conn: Connection
) -> Registered | None:
    """The transaction of a new registration: its places taken (or its places in line), its
    personal link, its welcome and invites queued. None when the e-mail is registered."""
    festival_id = conn.scalar(_FESTIVAL_ID, {"slug": festival})
    if festival_id is None:
        raise NotFound(f"no festival {festival!r}", code="festival.not_found")
    entries = _places_taken(conn, festival_id, request.choices.values(), request.mode)
    registration_id = conn.scalar(
        _NEW_REGISTRATION[conn.dialect.name],
        dict(
            festival_id=festival_id,
            name=request.name,
            email=request.email,
            email_key=request.email_key,
            organisation=request.organisation,
            language=request.language,
            mode=request.mode,
            created_at=now,
        ),
    )
    if registration_id is None:
        return None
    places = [
        _new_place(entries[session_key], round_key, session_key)
        for round_key, session_key in sorted(request.choices.items())
    ]
    if places:
        conn.execute(
            _NEW_PLACE,
            [
                dict(
                    registration_id=registration_id, entry_id=entries[p.session_id].id,
                    round_key=p.round_id, mode=request.mode, status=p.status, created_at=now,
                    promoted_at=None,
                )
                for p in places
            ],
        )  # fmt: skip
    rankings = dict(sorted(request.rankings.items()))
    if rankings:
        conn.execute(
            _NEW_RANKING,
            [
                dict(
                    registration_id=registration_id,
                    round_key=round_key,
                    sessions={"ranking": list(ranking)},
                )
                for round_key, ranking in rankings.items()
            ],
        )
    token = first_personal_token(conn, RegistrationRef(registration_id, festival_id, now), now=now)
    confirmed = [
        Attending(p.session_id, entries[p.session_id].version)
        for p in places
        if p.status == "confirmed" and not entries[p.session_id].cancelled
    ]
    plenary = entries.get(PLENARY)
    recipient = Recipient(
        registration_id, festival_id, request.name, request.email, request.language
    )
    queue_registered(
        conn,
        recipient,
        confirmed,
        None if plenary is None or plenary.cancelled else plenary.version,
        now,
    )
    registration = Registration(
        id=registration_id,
        festival=festival,
        name=request.name,
        email=request.email,
        organisation=request.organisation,
        language=request.language,
        mode=request.mode,
        created_at=now,
        places=tuple(places),
        rankings=rankings,
    )
    return Registered(registration, token, created=True)


class _Taken(NamedTuple):
    """A session (or the plenary) as a new registration finds it."""

    id: int
    limit: int | None  # places for the registration's way of attending (`_limit`); None: any
    confirmed: int
    waitlisted: int
    version: int
    cancelled: bool


def _places_taken(
    conn: Connection, festival_id: int, session_keys: Iterable[str], mode: str
) -> dict[str, _Taken]:
    """The chosen sessions, locked (see `_locking`), with their places of `mode` taken and
    waiting; and the plenary, under PLENARY, for its invite (not locked)."""
    wanted = sorted(set(session_keys))
    if wanted and conn.dialect.name == "postgresql":
        # Lock first, then count in a statement of its own: a statement sees the database as
        # it was when it began, so counting while waiting for a lock would count too few.
        conn.execute(_LOCK_SESSIONS, {"festival_id": festival_id, "keys": wanted})
    rows = conn.execute(
        _TAKEN[mode == "onsite"], {"festival_id": festival_id, "keys": wanted, "mode": mode}
    )
    return {PLENARY if kind == "plenary" else key: _Taken(*taken) for key, kind, *taken in rows}


def _taken(onsite: bool) -> Select[Any]:
    places = (
        select(func.count())
        .select_from(PlaceRow)
        .where(PlaceRow.entry_id == EntryRow.id, PlaceRow.mode == bindparam("mode"))
        .correlate(EntryRow)
    )
    return select(
        EntryRow.key, EntryRow.kind, EntryRow.id,
        EntryRow.seats if onsite else EntryRow.capacity,  # as `_limit`
        places.where(PlaceRow.status == "confirmed").scalar_subquery(),
        places.where(PlaceRow.status == "waitlisted").scalar_subquery(),
        EntryRow.version, EntryRow.cancelled,
    ).where(
        EntryRow.festival_id == bindparam("festival_id"),
        or_(
            (EntryRow.kind == "session") & EntryRow.key.in_(bindparam("keys", expanding=True)),
            EntryRow.kind == "plenary",
        ),
    )  # fmt: skip


# A registration's statements, made once: building one (and its cache key) costs more than
# running it on SQLite.
_FESTIVAL_ID = select(FestivalRow.id).where(FestivalRow.slug == bindparam("slug"))
_TAKEN = {onsite: _taken(onsite) for onsite in (False, True)}
_LOCK_SESSIONS = _locking(
    select(EntryRow.id), bindparam("festival_id"), bindparam("keys", expanding=True)
)
_REGISTRATIONS = cast(Table, RegistrationRow.__table__)
_NEW_REGISTRATION = {
    dialect: upsert(_REGISTRATIONS)
    .on_conflict_do_nothing(index_elements=["festival_id", "email_key"])
    .returning(_REGISTRATIONS.c.id)
    for dialect, upsert in (("postgresql", postgres_insert), ("sqlite", sqlite_insert))
}
_NEW_PLACE = insert(cast(Table, PlaceRow.__table__))
_NEW_RANKING = insert(cast(Table, RankingRow.__table__))


def _new_place(entry: _Taken, round_key: str, session_key: str) -> Place:
    """The place a new registration takes: confirmed while the session has room, else the
    next place in line (its row comes after every row there, so after everyone waiting)."""
    if entry.limit is None or entry.confirmed < entry.limit:
        return Place(round_key, session_key, "confirmed", None, None)
    return Place(round_key, session_key, "waitlisted", entry.waitlisted + 1, None)


async def change_place(
    database: Database,
    registration_id: int,
    round_key: str,
    session_key: str | None,
    *,
    now: datetime,
) -> tuple[Registration, list[int]]:
    """Move to another session of a round (or to none); frees the old place for the line.

    Returns the registration and the ids of registrations promoted off a waitlist.
    """
    async with database.writer() as db, db.begin():
        registration = await db.get(RegistrationRow, registration_id)
        if registration is None:
            raise NotFound("registration not found", code="registration.not_found")
        keys = [session_key] if session_key else []
        old = await db.scalar(
            select(PlaceRow).where(
                PlaceRow.registration_id == registration_id, PlaceRow.round_key == round_key
            )
        )
        if old is not None:
            old_entry = await db.get(EntryRow, old.entry_id)
            if old_entry is not None:
                keys.append(old_entry.key)
        entries = await _session_entries(db, registration.festival_id, keys)
        if session_key and session_key not in entries:
            raise Invalid({f"choices.{round_key}": "unknown session"})
        promoted: list[int] = []
        if old is not None:
            if session_key and entries[session_key].id == old.entry_id:
                return await _read(db, registration_id), []  # already there: nothing to do
            if (
                session_key
                and old.status == "confirmed"
                and await _full(db, entries[session_key], registration.mode)
            ):
                # Swapping a sure place for a place in line is rarely what anyone means.
                raise Invalid(
                    {f"choices.{round_key}": translate("err_full_keep", registration.language)}
                )
            await db.delete(old)
            await db.flush()
            if old.status == "confirmed":
                promoted = await _promote(db, await _entry(db, old.entry_id), old.mode, now)
        if session_key:
            await _take_place(
                db, registration_id, entries[session_key], round_key, registration.mode, now
            )
        await sync_invites(db, [registration_id], now)
        return await _read(db, registration_id), promoted


async def _full(db: AsyncSession, entry: EntryRow, mode: str) -> bool:
    limit = _limit(entry, mode)
    return limit is not None and await confirmed_count(db, entry.id, mode) >= limit


async def _entry(db: AsyncSession, entry_id: int) -> EntryRow:
    entry = await db.get(EntryRow, entry_id)
    assert entry is not None  # places cascade with their entry
    return entry


@dataclass(frozen=True)
class Erased:
    """What erasing a registration did, for the live channels to follow (see
    `forget_in_live_events`): who the person was in live events and who stands in now."""

    festival_id: int
    promoted: list[int]  # registrations moved up from a waitlist into the freed places
    person: str  # the erased registration's id in live events: r<id>
    stand_in: str  # the id their questions and votes carry now, which no viewer has
    channels: list[str]  # live channels whose stored events named them


def live_id(registration_id: int) -> str:
    """How live events name an attendee (their asker and voter id)."""
    return f"r{registration_id}"


async def remove_registration(database: Database, registration_id: int, *, now: datetime) -> Erased:
    """Erase a registration and every trace of it; its places go to the waitlists.

    Gone with it, in the same transaction: its places, rankings, tokens and invite states;
    every outbox row for it or to its address, whatever the status (pending mail to the
    person is dropped: mail that was never sent cannot be sent without their address); its
    name in the live events, where its questions stay as anonymous text (`forget_person`).
    """
    async with database.writer() as db, db.begin():
        registration = await db.get(RegistrationRow, registration_id)
        if registration is None:
            raise NotFound("registration not found", code="registration.not_found")
        places = list(
            await db.scalars(select(PlaceRow).where(PlaceRow.registration_id == registration_id))
        )
        entries = await _session_entries(
            db,
            registration.festival_id,
            [(await _entry(db, p.entry_id)).key for p in places],
        )
        by_id = {e.id: e for e in entries.values()}
        await db.execute(delete(TokenRow).where(TokenRow.registration_id == registration_id))
        await db.execute(delete(PlaceRow).where(PlaceRow.registration_id == registration_id))
        await db.execute(delete(RankingRow).where(RankingRow.registration_id == registration_id))
        await db.execute(
            delete(InviteStateRow).where(InviteStateRow.registration_id == registration_id)
        )
        await db.execute(
            delete(OutboxRow).where(
                or_(
                    OutboxRow.registration_id == registration_id,
                    (OutboxRow.festival_id == registration.festival_id)
                    & (func.lower(OutboxRow.recipient) == registration.email.lower()),
                )
            )
        )
        person = live_id(registration_id)
        # Random, so the stand-in says nothing about who it was; unique per erasure, so
        # two erased voters still count as two votes.
        stand_in = f"erased-{secrets.token_hex(6)}"
        channels = await forget_person(db, registration.festival_id, person, stand_in)
        festival_id = registration.festival_id
        await db.delete(registration)
        await db.flush()
        promoted: list[int] = []
        for place in places:
            if place.status == "confirmed":
                promoted += await _promote(db, by_id[place.entry_id], place.mode, now)
        return Erased(festival_id, promoted, person, stand_in, channels)


async def forget_in_live_events(database: Database, erased: Erased) -> None:
    """Rewrite the stored live events once more: an instance that had not yet heard of the
    erasure may have stored an event built on its older view of the channel meanwhile."""
    async with database.writer() as db, db.begin():
        await forget_person(db, erased.festival_id, erased.person, erased.stand_in)


async def read_registration(db: AsyncSession, registration_id: int) -> Registration | None:
    if await db.get(RegistrationRow, registration_id) is None:
        return None
    return await _read(db, registration_id)


async def _position(db: AsyncSession, place: PlaceRow) -> int:
    ahead = await db.scalar(
        select(func.count())
        .select_from(PlaceRow)
        .where(PlaceRow.entry_id == place.entry_id, PlaceRow.mode == place.mode)
        .where(PlaceRow.status == "waitlisted", PlaceRow.id < place.id)
    )
    return (ahead or 0) + 1


async def _read(db: AsyncSession, registration_id: int) -> Registration:
    row = await db.get(RegistrationRow, registration_id, populate_existing=True)
    if row is None:
        raise NotFound("registration not found", code="registration.not_found")
    slug = await db.scalar(select(FestivalRow.slug).where(FestivalRow.id == row.festival_id))
    rows = await db.execute(
        select(PlaceRow, EntryRow.key)
        .join(EntryRow, EntryRow.id == PlaceRow.entry_id)
        .where(PlaceRow.registration_id == registration_id)
        .order_by(PlaceRow.round_key)
    )
    places = []
    for place, session_key in rows:
        position = await _position(db, place) if place.status == "waitlisted" else None
        status = _status(place.status)
        places.append(Place(place.round_key, session_key, status, position, place.promoted_at))
    rankings = {
        r.round_key: tuple(r.sessions.get("ranking", []))
        for r in await db.scalars(
            select(RankingRow)
            .where(RankingRow.registration_id == registration_id)
            .order_by(RankingRow.round_key)
        )
    }
    return _registration(row, slug or "", places, rankings)


def _registration(
    row: RegistrationRow,
    festival: str,
    places: list[Place],
    rankings: dict[str, tuple[str, ...]],
) -> Registration:
    return Registration(
        id=row.id,
        festival=festival,
        name=row.name,
        email=row.email,
        organisation=row.organisation,
        language=row.language,
        mode=_mode(row.mode),
        created_at=row.created_at,
        places=tuple(places),
        rankings=rankings,
    )


def _status(value: str) -> ChoiceStatus:
    return "waitlisted" if value == "waitlisted" else "confirmed"


def _mode(value: str) -> Attendance:
    return "onsite" if value == "onsite" else "online"


@dataclass(frozen=True)
class SessionCount:
    session: str
    mode: str
    confirmed: int
    waitlisted: int


async def session_counts(db: AsyncSession, festival: str) -> dict[str, list[SessionCount]]:
    """Confirmed and waitlisted places per session and mode (for places left and admins)."""
    rows = await db.execute(
        select(EntryRow.key, PlaceRow.mode, PlaceRow.status, func.count())
        .join(PlaceRow, PlaceRow.entry_id == EntryRow.id)
        .join(FestivalRow, FestivalRow.id == EntryRow.festival_id)
        .where(FestivalRow.slug == festival)
        .group_by(EntryRow.key, PlaceRow.mode, PlaceRow.status)
    )
    tally: dict[tuple[str, str], dict[str, int]] = {}
    for key, mode, status, count in rows:
        tally.setdefault((key, mode), {})[status] = count
    out: dict[str, list[SessionCount]] = {}
    for (key, mode), counts in sorted(tally.items()):
        out.setdefault(key, []).append(
            SessionCount(key, mode, counts.get("confirmed", 0), counts.get("waitlisted", 0))
        )
    return out


async def registrations_of(db: AsyncSession, festival: str) -> Sequence[Registration]:
    """Every registration of a festival with its places and rankings, in three queries
    whatever the number of people (the organiser view and exports read all of them)."""
    registrations = list(
        await db.scalars(
            select(RegistrationRow)
            .join(FestivalRow, FestivalRow.id == RegistrationRow.festival_id)
            .where(FestivalRow.slug == festival)
            .order_by(RegistrationRow.id)
        )
    )
    ids = [r.id for r in registrations]
    # A waitlisted place's position is its rank among the session's waitlisted places of the
    # same mode; one window over the festival's places gives every position at once.
    position = (
        func.row_number()
        .over(
            partition_by=(PlaceRow.entry_id, PlaceRow.mode, PlaceRow.status), order_by=PlaceRow.id
        )
        .label("position")
    )
    ranked = (
        select(PlaceRow.id.label("place_id"), position)
        .join(EntryRow, EntryRow.id == PlaceRow.entry_id)
        .join(FestivalRow, FestivalRow.id == EntryRow.festival_id)
        .where(FestivalRow.slug == festival)
        .subquery()
    )
    places: dict[int, list[Place]] = {i: [] for i in ids}
    for place, session_key, rank in await db.execute(
        select(PlaceRow, EntryRow.key, ranked.c.position)
        .join(EntryRow, EntryRow.id == PlaceRow.entry_id)
        .join(ranked, ranked.c.place_id == PlaceRow.id)
        .order_by(PlaceRow.registration_id, PlaceRow.round_key)
    ):
        status = _status(place.status)
        places.setdefault(place.registration_id, []).append(
            Place(
                place.round_key,
                session_key,
                status,
                rank if status == "waitlisted" else None,
                place.promoted_at,
            )
        )
    rankings: dict[int, dict[str, tuple[str, ...]]] = {i: {} for i in ids}
    for ranking in await db.scalars(
        select(RankingRow)
        .join(RegistrationRow, RegistrationRow.id == RankingRow.registration_id)
        .join(FestivalRow, FestivalRow.id == RegistrationRow.festival_id)
        .where(FestivalRow.slug == festival)
        .order_by(RankingRow.registration_id, RankingRow.round_key)
    ):
        rankings.setdefault(ranking.registration_id, {})[ranking.round_key] = tuple(
            ranking.sessions.get("ranking", [])
        )
    return [_registration(row, festival, places[row.id], rankings[row.id]) for row in registrations]


async def set_ranking(
    database: Database, registration_id: int, round_key: str, ranking: tuple[str, ...]
) -> Registration:
    """Replace one round's ranking (an empty one removes it)."""
    async with database.writer() as db, db.begin():
        await db.execute(
            delete(RankingRow).where(
                RankingRow.registration_id == registration_id, RankingRow.round_key == round_key
            )
        )
        if ranking:
            db.add(
                RankingRow(
                    registration_id=registration_id,
                    round_key=round_key,
                    sessions={"ranking": list(ranking)},
                )
            )
        await db.flush()
        return await _read(db, registration_id)
