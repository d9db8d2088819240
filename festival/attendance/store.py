"""What the attendance rules need of storage: SQL only, nothing that decides.
`storage/attendance_repo.py` implements it (`AttendanceSql`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from festival.registration.model import Registration


@dataclass(frozen=True)
class Arrival:
    """A check-in as the store recorded it."""

    registration_id: int
    checked_in_at: datetime
    first: bool  # this call recorded it; False: it was recorded before, at `checked_in_at`


@dataclass(frozen=True)
class Joined:
    """An attendee's use of their join link for one item: the first and the latest."""

    entry: str  # session id, or "plenary"
    first: datetime
    last: datetime


@dataclass(frozen=True)
class Verified:
    """What a certificate's verification code confirms: whose it is, of which festival."""

    festival: str  # slug
    name: str
    total_minutes: int
    issued_at: datetime


class AttendanceStore(Protocol):
    async def record_join(self, registration_id: int, entry: str, at: datetime) -> None:
        """Note a join at `at`: the first join of the item is kept, the last one moves to
        `at` unless a later one is recorded already (two uses racing)."""
        ...

    async def joins(self, registration_id: int) -> list[Joined]:
        """The registration's joins, by item."""
        ...

    async def festival_joins(self, festival: str) -> dict[int, list[Joined]]:
        """Every join of the festival's registrations (by slug), per registration."""
        ...

    async def festival_checkins(self, festival: str) -> dict[int, datetime]:
        """When each of the festival's registrations (by slug) that checked in did so."""
        ...

    async def issue_certificate(
        self, registration_id: int, code: str, total_minutes: int, at: datetime
    ) -> str:
        """The registration's verification code: `code`, stored with its total, unless one
        was issued already (then that one, unchanged)."""
        ...

    async def verified(self, code: str) -> Verified | None:
        """What `code` was issued for; None for a code never issued (or whose registration
        was erased)."""
        ...

    async def checkin_code(self, registration_id: int, new_code: str) -> str:
        """The registration's check-in code; `new_code` becomes it if it has none yet."""
        ...

    async def check_in(self, festival: str, code: str, at: datetime) -> Arrival | None:
        """Check in the registration of `festival` whose code is `code`, unless it was
        already (then the first moment stays); None for a code of no registration there."""
        ...

    async def checked_in_at(self, registration_id: int) -> datetime | None: ...

    async def registration(self, registration_id: int) -> Registration | None: ...

    async def names(self, festival: str) -> list[tuple[int, str]]:
        """(id, name) of every registration of `festival`: the door's search folds and
        matches them (`attendance.checkin.found_by`)."""
        ...
