"""Registrations and places in SQL: the registration store (`RegistrationSql`, see
`registration.store`) and the reads of pages and exports.

The rules (who gets a place, who waits, who moves up) are `registration.service`'s; here is
how their transactions lock and count. A write locks the sessions it decides about (PostgreSQL:
SELECT … FOR UPDATE; SQLite: the whole database, through BEGIN IMMEDIATE in `Database.writer`)
before it counts their places.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Connection,
    Select,
    Table,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from festival.errors import NotFound
from festival.invites.store import Batch
from festival.registration.model import (
    Attendance,
    ChoiceStatus,
    Place,
    Reconfirm,
    Registration,
    RegistrationRequest,
    SessionCount,
)
from festival.registration.store import (
    Conflict,
    Held,
    Holder,
    NewPlace,
    NewRegistrationTx,
    Ranked,
    RegistrationTx,
    Seats,
    Taken,
)
from festival.storage.db import Database
from festival.storage.invite_repo import InviteSql, write_now
from festival.storage.live_repo import forget_person
from festival.storage.programme_repo import FESTIVAL_ID
from festival.storage.proposal_repo import forget_proposer
from festival.storage.tables import (
    AssignmentRunRow,
    EntryRow,
    FestivalRow,
    GivenBackRow,
    InviteStateRow,
    OutboxRow,
    PlaceRow,
    RankingRow,
    RegistrationRow,
    TokenRow,
)
from festival.storage.token_repo import (
    RegistrationRef,
    first_personal_token,
    reissue_personal_token,
)

T = TypeVar("T")
S = TypeVar("S", bound=Select[*tuple[Any, ...]])


class RegistrationSql:
    """The registration store (`registration.store.RegistrationStore`) on a database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[RegistrationTx]:
        try:
            async with self.database.writer() as db, db.begin():
                yield _Tx(db)
        except IntegrityError as error:
            raise Conflict(str(error)) from error

    async def at_once(self, work: Callable[[NewRegistrationTx], T]) -> T:
        try:
            return await self.database.at_once(lambda conn: work(_NewTx(conn)))
        except IntegrityError as error:
            raise Conflict(str(error)) from error

    async def festival_rounds(self, festival: str) -> tuple[int, list[str]] | None:
        async with self.database.session() as db:
            festival_id = await db.scalar(FESTIVAL_ID, {"slug": festival})
            if festival_id is None:
                return None
            rounds = await db.scalars(
                select(EntryRow.key)
                .where(EntryRow.festival_id == festival_id, EntryRow.kind == "round")
                .where(EntryRow.cancelled.is_(False))
                .order_by(EntryRow.position)
            )
            return festival_id, list(rounds)


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


class _Tx:
    """A `RegistrationTx` on a writer session (`Database.writer`): read, decide, write."""

    def __init__(self, db: AsyncSession) -> None:
        self.db = db
        self.invites = InviteSql(db)
        # The places read, as loaded: dropping or promoting one later writes it without
        # reading it again (the session only holds its rows weakly).
        self.places: dict[int, PlaceRow] = {}

    async def holder(self, registration_id: int) -> Holder | None:
        row = await self.db.get(RegistrationRow, registration_id)
        return None if row is None else Holder(row.id, row.festival_id, row.mode)

    async def registered(self, festival: str, email_key: str) -> int | None:
        found: int | None = await self.db.scalar(
            select(RegistrationRow.id)
            .join(FestivalRow, FestivalRow.id == RegistrationRow.festival_id)
            .where(FestivalRow.slug == festival, RegistrationRow.email_key == email_key)
        )
        return found

    async def place_in(self, registration_id: int, round_key: str) -> Held | None:
        found = (
            await self.db.execute(
                _held().where(
                    PlaceRow.registration_id == registration_id, PlaceRow.round_key == round_key
                )
            )
        ).first()
        return None if found is None else self._held(*found)

    async def places_of(self, registration_id: int) -> list[Held]:
        rows = await self.db.execute(_held().where(PlaceRow.registration_id == registration_id))
        return [self._held(*row) for row in rows]

    async def lock_sessions(self, festival_id: int, keys: Iterable[str]) -> dict[str, Seats]:
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        rows = await self.db.execute(
            _locking(
                select(EntryRow.id, EntryRow.key, EntryRow.seats, EntryRow.capacity),
                festival_id,
                wanted,
            )
        )
        return {row.key: Seats(*row) for row in rows}

    async def confirmed(self, entry_id: int, mode: str) -> int:
        count = await self.db.scalar(
            select(func.count())
            .select_from(PlaceRow)
            .where(PlaceRow.entry_id == entry_id, PlaceRow.mode == mode)
            .where(PlaceRow.status == "confirmed")
        )
        return count or 0

    async def add_places(self, mode: str, places: Sequence[NewPlace], now: datetime) -> None:
        self.db.add_all(
            PlaceRow(
                registration_id=p.registration_id,
                entry_id=p.entry_id,
                round_key=p.round,
                mode=mode,
                status=p.status,
                created_at=now,
                promoted_at=None,
            )
            for p in places
        )
        await self.db.flush()

    async def drop_place(self, place_id: int) -> None:
        await self.db.delete(self.places.pop(place_id))
        await self.db.flush()

    async def give_back(self, place: Held, now: datetime) -> None:
        self.db.add(GivenBackRow(entry_id=place.entry_id, mode=place.mode, given_at=now))
        await self.db.flush()

    async def waiting(self, entry_id: int, mode: str, first: int | None) -> list[Held]:
        query = (
            _held()
            .where(PlaceRow.entry_id == entry_id, PlaceRow.mode == mode)
            .where(PlaceRow.status == "waitlisted")
            .order_by(PlaceRow.id)
        )
        if first is not None:
            query = query.limit(first)
        return [self._held(*row) for row in await self.db.execute(query)]

    async def confirm(self, places: Sequence[Held], now: datetime) -> None:
        for held in places:
            place = self.places[held.id]
            place.status = "confirmed"
            place.promoted_at = now
            place.reconfirm = None
        await self.db.flush()

    async def ask_reconfirmation(self, entry_id: int, mode: str, confirmed_by: datetime) -> None:
        await self.db.execute(
            update(PlaceRow)
            .where(PlaceRow.entry_id == entry_id, PlaceRow.mode == mode)
            .where(PlaceRow.status == "confirmed", PlaceRow.reconfirm.is_(None))
            .where(func.coalesce(PlaceRow.promoted_at, PlaceRow.created_at) <= confirmed_by)
            .values(reconfirm="asked")
            .execution_options(synchronize_session=False)
        )

    async def asked(self, festival_id: int) -> list[int]:
        found = await self.db.scalars(
            select(PlaceRow.registration_id)
            .join(RegistrationRow, RegistrationRow.id == PlaceRow.registration_id)
            .where(RegistrationRow.festival_id == festival_id)
            .where(PlaceRow.status == "confirmed", PlaceRow.reconfirm == "asked")
            .distinct()
            .order_by(PlaceRow.registration_id)
        )
        return list(found)

    async def unconfirmed(self, entry_id: int, mode: str) -> list[Held]:
        rows = await self.db.execute(
            _held()
            .where(PlaceRow.entry_id == entry_id, PlaceRow.mode == mode)
            .where(PlaceRow.status == "confirmed", PlaceRow.reconfirm == "asked")
            .order_by(PlaceRow.id)
        )
        return [self._held(*row) for row in rows]

    async def mark(self, places: Sequence[Held], reconfirm: str | None) -> None:
        for held in places:
            self.places[held.id].reconfirm = reconfirm
        await self.db.flush()

    async def to_line_end(self, place: Held, now: datetime) -> None:
        # A new row: the line is in the order of rows (`waiting`), so it comes after all.
        await self.db.delete(self.places.pop(place.id))
        await self.db.flush()  # gone before its successor comes: one place per round
        self.db.add(
            PlaceRow(
                registration_id=place.registration_id,
                entry_id=place.entry_id,
                round_key=place.round,
                mode=place.mode,
                status="waitlisted",
                created_at=now,
                promoted_at=None,
                reconfirm="lapsed",
            )
        )
        await self.db.flush()

    async def erase(
        self,
        registration_id: int,
        person: str,
        stand_in: str,
        anonymise: Callable[[Mapping[str, Any]], dict[str, Any]],
        now: datetime,
    ) -> list[str]:
        """Gone with it: its places, rankings, tokens and invite states; every outbox row for
        it or to its address, whatever the status (pending mail to the person is dropped: mail
        that was never sent cannot be sent without their address); its name in the live
        events, where its questions stay as anonymous text (`forget_person`); its proposed
        themes but the accepted ones, whose sessions lose it as host (`forget_proposer`). Its
        joins and its certificate's verification code go with the registration row (ON DELETE
        CASCADE), so the code no longer verifies."""
        db = self.db
        registration = await db.get(RegistrationRow, registration_id)
        assert registration is not None  # the caller holds it
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
        channels = await forget_person(db, registration.festival_id, person, stand_in, anonymise)
        await forget_proposer(db, registration_id, now)
        await db.delete(registration)
        await db.flush()
        return channels

    def _held(self, place: PlaceRow, session: str) -> Held:
        self.places[place.id] = place
        return Held(
            place.id, place.registration_id, place.entry_id, session, place.round_key, place.mode,
            place.status, place.reconfirm,
        )  # fmt: skip

    async def read(self, registration_id: int) -> Registration:
        return await _read(self.db, registration_id)

    async def reissue_link(self, registration_id: int, now: datetime) -> tuple[str, int]:
        return await reissue_personal_token(self.db, registration_id, now=now)

    async def lock_festival(self, festival_id: int) -> None:
        await self.db.scalar(
            select(FestivalRow.id).where(FestivalRow.id == festival_id).with_for_update()
        )

    async def assigned(self, festival_id: int, round_key: str) -> tuple[int, int] | None:
        done = (
            await self.db.execute(
                select(AssignmentRunRow.placed, AssignmentRunRow.waitlisted).where(
                    AssignmentRunRow.festival_id == festival_id,
                    AssignmentRunRow.round_key == round_key,
                )
            )
        ).first()
        return None if done is None else (done.placed, done.waitlisted)

    async def round_sessions(self, festival_id: int, round_key: str) -> dict[str, Seats]:
        rows = await self.db.execute(
            select(EntryRow.id, EntryRow.key, EntryRow.seats, EntryRow.capacity).where(
                EntryRow.festival_id == festival_id,
                EntryRow.kind == "session",
                EntryRow.parent_key == round_key,
                EntryRow.cancelled.is_(False),
            )
        )
        return {row.key: Seats(*row) for row in rows}

    async def rankings(self, festival_id: int, round_key: str) -> list[Ranked]:
        rows = await self.db.execute(
            select(RankingRow.registration_id, RegistrationRow.mode, RankingRow.sessions)
            .join(RegistrationRow, RegistrationRow.id == RankingRow.registration_id)
            .where(RegistrationRow.festival_id == festival_id, RankingRow.round_key == round_key)
        )
        return [
            Ranked(registration_id, mode, tuple(sessions.get("ranking", [])))
            for registration_id, mode, sessions in rows
        ]

    async def record_assignment(
        self,
        festival_id: int,
        round_key: str,
        seed: str,
        placed: int,
        waitlisted: int,
        now: datetime,
    ) -> None:
        self.db.add(
            AssignmentRunRow(
                festival_id=festival_id,
                round_key=round_key,
                seed=seed,
                placed=placed,
                waitlisted=waitlisted,
                ran_at=now,
            )
        )
        await self.db.flush()


def _held() -> Select[PlaceRow, str]:
    return select(PlaceRow, EntryRow.key).join(EntryRow, EntryRow.id == PlaceRow.entry_id)


class _NewTx:
    """A `NewRegistrationTx` on the connection of `Database.at_once`: few Core statements."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def festival_id(self, slug: str) -> int | None:
        found: int | None = self.conn.scalar(FESTIVAL_ID, {"slug": slug})
        return found

    def sessions(
        self, festival_id: int, keys: Iterable[str], mode: str
    ) -> tuple[dict[str, Taken], Taken | None]:
        """The sessions locked (see `_locking`), then counted; the plenary is not locked."""
        wanted = sorted(set(keys))
        conn = self.conn
        if wanted and conn.dialect.name == "postgresql":
            # Lock first, then count in a statement of its own: a statement sees the database
            # as it was when it began, so counting while waiting for a lock would count too few.
            conn.execute(_LOCK_SESSIONS, {"festival_id": festival_id, "keys": wanted})
        sessions: dict[str, Taken] = {}
        plenary = None
        for key, kind, *taken in conn.execute(
            _TAKEN, {"festival_id": festival_id, "keys": wanted, "mode": mode}
        ):
            if kind == "plenary":
                plenary = Taken(*taken)
            else:
                sessions[key] = Taken(*taken)
        return sessions, plenary

    def add_registration(
        self, festival_id: int, request: RegistrationRequest, now: datetime
    ) -> int | None:
        found: int | None = self.conn.scalar(
            _NEW_REGISTRATION[self.conn.dialect.name],
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
        return found

    def add_places(self, mode: str, places: Sequence[NewPlace], now: datetime) -> None:
        self.conn.execute(
            _NEW_PLACE,
            [
                dict(
                    registration_id=p.registration_id, entry_id=p.entry_id, round_key=p.round,
                    mode=mode, status=p.status, created_at=now, promoted_at=None,
                )
                for p in places
            ],
        )  # fmt: skip

    def add_rankings(self, registration_id: int, rankings: dict[str, tuple[str, ...]]) -> None:
        self.conn.execute(
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

    def first_link(self, registration_id: int, festival_id: int, now: datetime) -> str:
        return first_personal_token(
            self.conn, RegistrationRef(registration_id, festival_id, now), now=now
        )

    def queue(self, batch: Batch, now: datetime) -> None:
        write_now(self.conn, batch, now=now)


def _taken() -> Select[Any]:
    places = (
        select(func.count())
        .select_from(PlaceRow)
        .where(PlaceRow.entry_id == EntryRow.id, PlaceRow.mode == bindparam("mode"))
        .correlate(EntryRow)
    )
    return select(
        EntryRow.key, EntryRow.kind, EntryRow.id, EntryRow.seats, EntryRow.capacity,
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
_TAKEN = _taken()
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


async def forget_in_live_events(
    database: Database,
    festival_id: int,
    person: str,
    stand_in: str,
    anonymise: Callable[[Mapping[str, Any]], dict[str, Any]],
) -> None:
    """Rewrite the stored live events once more: an instance that had not yet heard of the
    erasure may have stored an event built on its older view of the channel meanwhile."""
    async with database.writer() as db, db.begin():
        await forget_person(db, festival_id, person, stand_in, anonymise)


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
        places.append(
            Place(
                place.round_key,
                session_key,
                status,
                position,
                place.promoted_at,
                _reconfirm(place.reconfirm),
            )
        )
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


_RECONFIRM: dict[str | None, Reconfirm] = {"asked": "asked", "done": "done", "lapsed": "lapsed"}


def _reconfirm(value: str | None) -> Reconfirm | None:
    return _RECONFIRM.get(value)


def _mode(value: str) -> Attendance:
    return "onsite" if value == "onsite" else "online"


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


async def given_back_counts(db: AsyncSession, festival: str) -> dict[str, int]:
    """Confirmed places given back per session (recorded since migration 0010)."""
    rows = await db.execute(
        select(EntryRow.key, func.count())
        .join(GivenBackRow, GivenBackRow.entry_id == EntryRow.id)
        .join(FestivalRow, FestivalRow.id == EntryRow.festival_id)
        .where(FestivalRow.slug == festival)
        .group_by(EntryRow.key)
    )
    return {key: count for key, count in rows}


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
                _reconfirm(place.reconfirm),
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
