"""What the proposal rules need of storage: SQL only, nothing that decides, in the caller's
transaction. `storage/proposal_repo.py` implements it (`ProposalSql`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from festival.programme.changes import LoadReport
from festival.programme.model import Festival, Session
from festival.proposals.rules import Proposal, ProposalState


@dataclass(frozen=True)
class NewProposal:
    festival: str  # slug
    round: str
    registration_id: int
    title: str
    description: str
    created_at: datetime


class ProposalStore(Protocol):
    async def add(self, proposal: NewProposal) -> Proposal: ...

    async def proposal(self, festival: str, proposal_id: int) -> Proposal | None: ...

    async def of_festival(self, festival: str) -> list[Proposal]:
        """Every proposal of the festival, oldest first."""
        ...

    async def of_registration(self, registration_id: int) -> list[Proposal]:
        """The registration's proposals, oldest first."""
        ...

    async def count_since(self, registration_id: int, since: datetime) -> int:
        """How many proposals the registration sent from `since` on."""
        ...

    async def decide(self, proposal_id: int, state: ProposalState, at: datetime) -> bool:
        """Move a pending proposal to `state`; False when it was not pending any more (two
        decisions raced: the store's conditional update decided)."""
        ...

    async def set_text(self, proposal_id: int, title: str, description: str) -> None: ...

    async def queue_decision(self, proposal: Proposal, now: datetime) -> None:
        """Put the mail telling the proposer of the decision in the outbox."""
        ...


class SessionStore(Protocol):
    """The stored programme, as far as accepted themes change it
    (`storage.programme_repo.ProgrammeSql`)."""

    async def save_session(
        self, festival: Festival, round_id: str, session: Session, now: datetime
    ) -> LoadReport:
        """Add the session to the round in the stored programme, or update it, recording
        the change as a programme load would."""
        ...
