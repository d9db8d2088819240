"""What the vote rules need of storage: SQL only, nothing that decides, in the caller's
transaction. `storage/votes_repo.py` implements it (`VotesSql`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from festival.votes.rules import Ballot, BallotState


@dataclass(frozen=True)
class NewBallot:
    festival: str  # slug
    vote: str
    voter: str
    nominee: str
    state: BallotState
    cast_at: datetime
    registration_id: int | None = None


@dataclass(frozen=True)
class Reveal:
    at: datetime
    by: str  # who revealed it: a host or admin token, as live events name it


class VotesStore(Protocol):
    async def secret(self, now: datetime) -> str:
        """The installation's secret (made now if there is none yet)."""
        ...

    async def reveal(self, festival: str, vote: str) -> Reveal | None: ...

    async def record_reveal(self, festival: str, vote: str, reveal: Reveal) -> Reveal:
        """Record the reveal unless one was recorded already; the one that stands."""
        ...

    async def standing_ballot(self, festival: str, vote: str, voter: str) -> Ballot | None:
        """The voter's ballot that is pending or counted, if any."""
        ...

    async def add_ballot(self, ballot: NewBallot) -> Ballot | None:
        """Store the ballot; None when the voter has a pending or counted one already (two
        requests raced: the store's unique index decided)."""
        ...

    async def set_confirmation(self, ballot_id: int, token_hash: str) -> None: ...

    async def by_confirmation(self, token_hash: str) -> Ballot | None: ...

    async def ballot(self, ballot_id: int) -> Ballot | None: ...

    async def set_state(self, ballot_id: int, state: BallotState, at: datetime) -> None:
        """Move the ballot to `state` (counted or withdrawn), noting when."""
        ...

    async def counts(self, festival: str, vote: str) -> dict[str, int]:
        """Counted ballots per nominee."""
        ...

    async def ballots(self, festival: str, vote: str) -> list[Ballot]:
        """Every ballot of the vote, withdrawn ones too, in the order they were cast."""
        ...

    async def queue_confirmation(
        self, ballot: Ballot, recipient: str, language: str, now: datetime
    ) -> None:
        """Put the mail with the ballot's confirmation link in the outbox."""
        ...
