"""Turning ranked preferences into places, once per round (`festival assign` or at closing).

Runs `registration.assignment.assign` per round and per way of attending (online places and
on-site seats are separate capacities), writes the places and a run record in one
transaction. The run record is unique per round, so a second instance or a second command
finds the work done and changes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from festival.registration.assignment import Preference, assign
from festival.storage.db import Database
from festival.storage.invite_repo import sync_invites
from festival.storage.registration_repo import confirmed_count
from festival.storage.tables import (
    AssignmentRunRow,
    EntryRow,
    FestivalRow,
    PlaceRow,
    RankingRow,
    RegistrationRow,
)


@dataclass(frozen=True)
class RoundResult:
    round: str
    placed: int
    waitlisted: int
    already_done: bool


async def run_assignment(database: Database, festival: str, *, now: datetime) -> list[RoundResult]:
    results = []
    async with database.session() as db:
        festival_id = await db.scalar(select(FestivalRow.id).where(FestivalRow.slug == festival))
        rounds = list(
            await db.scalars(
                select(EntryRow.key)
                .where(EntryRow.festival_id == festival_id, EntryRow.kind == "round")
                .where(EntryRow.cancelled.is_(False))
                .order_by(EntryRow.position)
            )
        )
    if festival_id is None:
        return []
    for round_key in rounds:
        try:
            results.append(await _assign_round(database, festival_id, round_key, now))
        except IntegrityError:
            # Another instance finished this round between our check and our commit.
            results.append(RoundResult(round_key, 0, 0, already_done=True))
    return results


async def _assign_round(
    database: Database, festival_id: int, round_key: str, now: datetime
) -> RoundResult:
    async with database.writer() as db, db.begin():
        # One assigner per festival at a time (PostgreSQL); SQLite's writer lock does the same.
        await db.scalar(
            select(FestivalRow.id).where(FestivalRow.id == festival_id).with_for_update()
        )
        done = await db.scalar(
            select(AssignmentRunRow).where(
                AssignmentRunRow.festival_id == festival_id,
                AssignmentRunRow.round_key == round_key,
            )
        )
        if done is not None:
            return RoundResult(round_key, done.placed, done.waitlisted, already_done=True)
        sessions = {
            e.key: e
            for e in await db.scalars(
                select(EntryRow).where(
                    EntryRow.festival_id == festival_id,
                    EntryRow.kind == "session",
                    EntryRow.parent_key == round_key,
                    EntryRow.cancelled.is_(False),
                )
            )
        }
        wanted = list(
            (
                await db.execute(
                    select(RankingRow, RegistrationRow.mode)
                    .join(RegistrationRow, RegistrationRow.id == RankingRow.registration_id)
                    .where(
                        RegistrationRow.festival_id == festival_id,
                        RankingRow.round_key == round_key,
                    )
                )
            ).all()
        )
        seed = secrets.token_hex(16)  # drawn now, so nobody could know the lottery in advance
        placed = waitlisted = 0
        for mode in ("online", "onsite"):
            preferences = [
                Preference(
                    str(r.registration_id),
                    tuple(s for s in r.sessions.get("ranking", []) if s in sessions),
                )
                for r, m in wanted
                if m == mode
            ]
            if not preferences:
                continue
            capacities = {
                key: await _free(db, entry, mode, len(preferences))
                for key, entry in sessions.items()
            }
            outcome = assign(capacities, preferences, seed=f"{seed}:{round_key}:{mode}")
            for attendee, session in sorted(outcome.placed.items(), key=lambda x: int(x[0])):
                db.add(_place(int(attendee), sessions[session], round_key, mode, "confirmed", now))
                placed += 1
            first_choice = {p.attendee: p.ranking[0] for p in preferences if p.ranking}
            for session, line in outcome.waitlists.items():
                # One place per round: the unplaced wait for their first choice, in the order
                # the assignment gives (rank given, then the seeded lottery).
                for attendee in line:
                    if attendee not in outcome.placed and first_choice.get(attendee) == session:
                        db.add(
                            _place(int(attendee), sessions[session], round_key, mode,
                                   "waitlisted", now)
                        )  # fmt: skip
                        waitlisted += 1
        await db.flush()
        await sync_invites(db, [r.registration_id for r, _ in wanted], now)
        db.add(
            AssignmentRunRow(
                festival_id=festival_id,
                round_key=round_key,
                seed=seed,
                placed=placed,
                waitlisted=waitlisted,
                ran_at=now,
            )
        )
        await db.flush()
    return RoundResult(round_key, placed, waitlisted, already_done=False)


async def _free(db: AsyncSession, entry: EntryRow, mode: str, everyone: int) -> int:
    limit = entry.seats if mode == "onsite" else entry.capacity
    if limit is None:
        return everyone  # no limit: room for all who ask
    return max(0, limit - await confirmed_count(db, entry.id, mode))


def _place(
    registration_id: int, entry: EntryRow, round_key: str, mode: str, status: str, now: datetime
) -> PlaceRow:
    return PlaceRow(
        registration_id=registration_id,
        entry_id=entry.id,
        round_key=round_key,
        mode=mode,
        status=status,
        created_at=now,
        promoted_at=None,
    )


async def assignment_pending(database: Database, festival: str) -> bool:
    """Whether some round of `festival` still waits for its assignment."""
    async with database.session() as db:
        festival_id = await db.scalar(select(FestivalRow.id).where(FestivalRow.slug == festival))
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
