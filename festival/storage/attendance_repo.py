"""The attendance store (`attendance.store.AttendanceStore`) on the database: SQL only, in the
caller's transaction; whether a use of a join link counts, and what a check-in shows, is
decided in `attendance`."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from festival.attendance.store import Arrival, Joined, Verified
from festival.registration.model import Registration
from festival.storage.registration_repo import read_registration
from festival.storage.tables import (
    CertificateRow,
    CheckinRow,
    FestivalRow,
    JoinRow,
    RegistrationRow,
)


class AttendanceSql:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    def _insert(self) -> Any:
        return pg_insert if self.db.get_bind().dialect.name == "postgresql" else sqlite_insert

    async def record_join(self, registration_id: int, entry: str, at: datetime) -> None:
        # One statement, so two uses at once cannot both insert; the latest join wins.
        statement = self._insert()(JoinRow).values(
            registration_id=registration_id, entry_key=entry, first_at=at, last_at=at
        )
        await self.db.execute(
            statement.on_conflict_do_update(
                index_elements=["registration_id", "entry_key"],
                set_={"last_at": statement.excluded.last_at},
                where=statement.excluded.last_at > JoinRow.last_at,
            )
        )

    async def joins(self, registration_id: int) -> list[Joined]:
        rows = await self.db.execute(
            select(JoinRow.entry_key, JoinRow.first_at, JoinRow.last_at)
            .where(JoinRow.registration_id == registration_id)
            .order_by(JoinRow.entry_key)
        )
        return [Joined(entry, first, last) for entry, first, last in rows]

    async def festival_joins(self, festival: str) -> dict[int, list[Joined]]:
        rows = await self.db.execute(
            select(JoinRow.registration_id, JoinRow.entry_key, JoinRow.first_at, JoinRow.last_at)
            .join(RegistrationRow, RegistrationRow.id == JoinRow.registration_id)
            .join(FestivalRow, FestivalRow.id == RegistrationRow.festival_id)
            .where(FestivalRow.slug == festival)
            .order_by(JoinRow.registration_id, JoinRow.entry_key)
        )
        joins: dict[int, list[Joined]] = defaultdict(list)
        for registration_id, entry, first, last in rows:
            joins[registration_id].append(Joined(entry, first, last))
        return dict(joins)

    async def festival_checkins(self, festival: str) -> dict[int, datetime]:
        rows = await self.db.execute(
            select(CheckinRow.registration_id, CheckinRow.checked_in_at)
            .join(RegistrationRow, RegistrationRow.id == CheckinRow.registration_id)
            .join(FestivalRow, FestivalRow.id == RegistrationRow.festival_id)
            .where(FestivalRow.slug == festival)
        )
        return {registration_id: at for registration_id, at in rows if at is not None}

    async def issue_certificate(
        self, registration_id: int, code: str, total_minutes: int, at: datetime
    ) -> str:
        # Insert-or-keep in one statement: two downloads at once issue one code.
        await self.db.execute(
            self._insert()(CertificateRow)
            .values(
                registration_id=registration_id,
                code=code,
                total_minutes=total_minutes,
                issued_at=at,
            )
            .on_conflict_do_nothing(index_elements=["registration_id"])
        )
        issued = await self.db.scalar(
            select(CertificateRow.code).where(CertificateRow.registration_id == registration_id)
        )
        assert issued is not None  # inserted just now, or before
        return issued

    async def verified(self, code: str) -> Verified | None:
        row = (
            await self.db.execute(
                select(
                    FestivalRow.slug,
                    RegistrationRow.name,
                    CertificateRow.total_minutes,
                    CertificateRow.issued_at,
                )
                .join(RegistrationRow, RegistrationRow.id == CertificateRow.registration_id)
                .join(FestivalRow, FestivalRow.id == RegistrationRow.festival_id)
                .where(CertificateRow.code == code)
            )
        ).first()
        return Verified(*row) if row is not None else None

    async def checkin_code(self, registration_id: int, new_code: str) -> str:
        # Two first asks at once: one insert wins, both read its code.
        await self.db.execute(
            self._insert()(CheckinRow)
            .values(registration_id=registration_id, code=new_code, checked_in_at=None)
            .on_conflict_do_nothing(index_elements=["registration_id"])
        )
        code = await self.db.scalar(
            select(CheckinRow.code).where(CheckinRow.registration_id == registration_id)
        )
        assert code is not None  # inserted just now, in this transaction
        return code

    async def check_in(self, festival: str, code: str, at: datetime) -> Arrival | None:
        registration_id = await self.db.scalar(
            select(CheckinRow.registration_id)
            .join(RegistrationRow, RegistrationRow.id == CheckinRow.registration_id)
            .join(FestivalRow, FestivalRow.id == RegistrationRow.festival_id)
            .where(CheckinRow.code == code, FestivalRow.slug == festival)
        )
        if registration_id is None:
            return None
        # Only the first check-in writes: a retry racing it finds the moment set, and waits
        # for the other's row lock on PostgreSQL before it looks.
        result = await self.db.execute(
            update(CheckinRow)
            .where(CheckinRow.registration_id == registration_id)
            .where(CheckinRow.checked_in_at.is_(None))
            .values(checked_in_at=at)
        )
        first = int(getattr(result, "rowcount", 0) or 0) == 1
        arrived = await self.checked_in_at(registration_id)
        assert arrived is not None  # set by this call or an earlier one
        return Arrival(registration_id, arrived, first)

    async def checked_in_at(self, registration_id: int) -> datetime | None:
        return await self.db.scalar(
            select(CheckinRow.checked_in_at).where(CheckinRow.registration_id == registration_id)
        )

    async def registration(self, registration_id: int) -> Registration | None:
        return await read_registration(self.db, registration_id)

    async def names(self, festival: str) -> list[tuple[int, str]]:
        rows = await self.db.execute(
            select(RegistrationRow.id, RegistrationRow.name)
            .join(FestivalRow, FestivalRow.id == RegistrationRow.festival_id)
            .where(FestivalRow.slug == festival)
        )
        return [(registration_id, name) for registration_id, name in rows]
