"""Which rounds of a festival still wait for their assignment (the scheduler asks at closing).

The assignment itself is `registration.service.assign_rounds`, over the registration store
(`storage/registration_repo.py`); its run records are what is read here.
"""

from __future__ import annotations

from sqlalchemy import select

from festival.storage.db import Database
from festival.storage.programme_repo import FESTIVAL_ID
from festival.storage.tables import AssignmentRunRow, EntryRow


async def assignment_pending(database: Database, festival: str) -> bool:
    """Whether some round of `festival` still waits for its assignment."""
    async with database.session() as db:
        festival_id = await db.scalar(FESTIVAL_ID, {"slug": festival})
        rounds = set(
            await db.scalars(
                select(EntryRow.key).where(
                    EntryRow.festival_id == festival_id,
                    EntryRow.kind == "round",
                    EntryRow.cancelled.is_(False),
                )
            )
        )
        done = set(
            await db.scalars(
                select(AssignmentRunRow.round_key).where(
                    AssignmentRunRow.festival_id == festival_id
                )
            )
        )
    return bool(rounds - done)
