"""The proposal store (`proposals.store.ProposalStore`) on the database: SQL only, in the
caller's transaction; what may be proposed, accepted or declined is decided in
`festival.proposals`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from festival.errors import NotFound
from festival.invites.store import Queued
from festival.proposals.rules import Proposal, ProposalState
from festival.proposals.store import NewProposal
from festival.storage.mailing_repo import enqueue
from festival.storage.tables import ChangeRow, EntryRow, FestivalRow, ProposalRow, RegistrationRow

DECISION_MAIL = "proposal"  # the outbox kind of the mail telling a proposer the decision
_PROPOSALS = (
    select(
        ProposalRow.id,
        FestivalRow.slug,
        ProposalRow.round_key,
        ProposalRow.registration_id,
        RegistrationRow.name,
        RegistrationRow.organisation,
        ProposalRow.title,
        ProposalRow.description,
        ProposalRow.state,
        ProposalRow.created_at,
        ProposalRow.decided_at,
    )
    .join(FestivalRow, FestivalRow.id == ProposalRow.festival_id)
    # Outer: an accepted theme outlives its proposer's erasure.
    .outerjoin(RegistrationRow, RegistrationRow.id == ProposalRow.registration_id)
    .order_by(ProposalRow.id)
)


def _proposal(row: Any) -> Proposal:
    return Proposal(
        id=row.id,
        festival=row.slug,
        round=row.round_key,
        registration_id=row.registration_id,
        proposer=row.name or "",
        organisation=row.organisation or "",
        title=row.title,
        description=row.description,
        state=cast(ProposalState, row.state),
        created_at=row.created_at,
        decided_at=row.decided_at,
    )


async def accepted_proposals(db: AsyncSession, festival_id: int) -> list[Proposal]:
    """The festival's accepted themes (what every programme load merges in)."""
    rows = await db.execute(
        _PROPOSALS.where(ProposalRow.festival_id == festival_id, ProposalRow.state == "accepted")
    )
    return [_proposal(row) for row in rows]


async def forget_proposer(db: AsyncSession, registration_id: int, now: datetime) -> None:
    """Before a registration is erased: its pending and declined themes go; its accepted ones
    stay (the row's registration becomes null), and their sessions lose their host, the
    change recorded (without the name) so every page reads the programme again."""
    accepted = [
        _proposal(row)
        for row in await db.execute(
            _PROPOSALS.where(
                ProposalRow.registration_id == registration_id, ProposalRow.state == "accepted"
            )
        )
    ]
    await db.execute(
        delete(ProposalRow).where(
            ProposalRow.registration_id == registration_id, ProposalRow.state != "accepted"
        )
    )
    for proposal in accepted:
        entry = await db.scalar(
            select(EntryRow)
            .join(FestivalRow, FestivalRow.id == EntryRow.festival_id)
            .where(FestivalRow.slug == proposal.festival, EntryRow.key == proposal.session_id)
        )
        if entry is None or not entry.details.get("hosts"):
            continue
        entry.details = {**entry.details, "hosts": []}
        entry.updated_at = now
        db.add(
            ChangeRow(
                festival_id=entry.festival_id, entry_key=entry.key, kind=entry.kind,
                change="updated", fields={"hosts": [None, []]}, version=entry.version,
                recorded_at=now,
            )
        )  # fmt: skip


class ProposalSql:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def _festival_id(self, slug: str) -> int:
        festival_id = await self.db.scalar(select(FestivalRow.id).where(FestivalRow.slug == slug))
        if festival_id is None:  # the caller found the festival in this transaction
            raise NotFound(f"no festival {slug!r}", code="festival.not_found")
        return festival_id

    async def add(self, proposal: NewProposal) -> Proposal:
        row = ProposalRow(
            festival_id=await self._festival_id(proposal.festival),
            round_key=proposal.round,
            registration_id=proposal.registration_id,
            title=proposal.title,
            description=proposal.description,
            state="pending",
            created_at=proposal.created_at,
            decided_at=None,
        )
        self.db.add(row)
        await self.db.flush()
        found = await self.proposal(proposal.festival, row.id)
        assert found is not None  # just written in this transaction
        return found

    async def proposal(self, festival: str, proposal_id: int) -> Proposal | None:
        row = (
            await self.db.execute(
                _PROPOSALS.where(FestivalRow.slug == festival, ProposalRow.id == proposal_id)
            )
        ).first()
        return _proposal(row) if row else None

    async def of_festival(self, festival: str) -> list[Proposal]:
        rows = await self.db.execute(_PROPOSALS.where(FestivalRow.slug == festival))
        return [_proposal(row) for row in rows]

    async def of_registration(self, registration_id: int) -> list[Proposal]:
        rows = await self.db.execute(
            _PROPOSALS.where(ProposalRow.registration_id == registration_id)
        )
        return [_proposal(row) for row in rows]

    async def count_since(self, registration_id: int, since: datetime) -> int:
        count = await self.db.scalar(
            select(func.count(ProposalRow.id)).where(
                ProposalRow.registration_id == registration_id, ProposalRow.created_at >= since
            )
        )
        return int(count or 0)

    async def decide(self, proposal_id: int, state: ProposalState, at: datetime) -> bool:
        result = await self.db.execute(
            update(ProposalRow)
            .where(ProposalRow.id == proposal_id, ProposalRow.state == "pending")
            .values(state=state, decided_at=at)
        )
        return bool(cast(Any, result).rowcount)

    async def set_text(self, proposal_id: int, title: str, description: str) -> None:
        await self.db.execute(
            update(ProposalRow)
            .where(ProposalRow.id == proposal_id)
            .values(title=title, description=description)
        )

    async def queue_decision(self, proposal: Proposal, now: datetime) -> None:
        if proposal.registration_id is None:
            return  # erased: nobody to tell
        row = (
            await self.db.execute(
                select(RegistrationRow.email, RegistrationRow.language, RegistrationRow.name).where(
                    RegistrationRow.id == proposal.registration_id
                )
            )
        ).one()
        message = Queued(
            festival_id=await self._festival_id(proposal.festival),
            registration_id=proposal.registration_id,
            kind=DECISION_MAIL,
            dedupe_key=f"proposal:{proposal.id}:{proposal.state}",
            recipient=row.email,
            payload={"proposal": proposal.id, "language": row.language, "name": row.name},
        )
        await self.db.run_sync(lambda session: enqueue(session.connection(), [message], now=now))
