"""The vote store (`votes.store.VotesStore`) on the database: SQL only, in the caller's
transaction; which ballot counts and when is decided in `festival.votes`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from festival.errors import NotFound
from festival.invites.store import Queued
from festival.storage.mailing_repo import enqueue
from festival.storage.tables import BallotRow, FestivalRow, VoteRevealRow
from festival.storage.token_repo import install_secret
from festival.votes.rules import Ballot, BallotState
from festival.votes.store import NewBallot, Reveal

CONFIRMATION_MAIL = "ballot"  # the outbox kind of a ballot's confirmation link
_COLUMNS = (
    BallotRow.id, FestivalRow.slug, BallotRow.vote_key, BallotRow.voter, BallotRow.nominee,
    BallotRow.state, BallotRow.cast_at, BallotRow.counted_at, BallotRow.withdrawn_at,
    BallotRow.registration_id,
)  # fmt: skip
_BALLOTS = select(*_COLUMNS).join(FestivalRow, FestivalRow.id == BallotRow.festival_id)
_STANDING = BallotRow.state != "withdrawn"


def _ballot(row: Any) -> Ballot:
    return Ballot(
        id=row.id,
        festival=row.slug,
        vote=row.vote_key,
        voter=row.voter,
        nominee=row.nominee,
        state=cast(BallotState, row.state),
        cast_at=row.cast_at,
        counted_at=row.counted_at,
        withdrawn_at=row.withdrawn_at,
        registration_id=row.registration_id,
    )


class VotesSql:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    def _insert(self) -> Any:
        return pg_insert if self.db.get_bind().dialect.name == "postgresql" else sqlite_insert

    async def _festival_id(self, slug: str) -> int:
        festival_id = await self.db.scalar(select(FestivalRow.id).where(FestivalRow.slug == slug))
        if festival_id is None:  # the caller found the festival in this transaction
            raise NotFound(f"no festival {slug!r}", code="festival.not_found")
        return festival_id

    async def secret(self, now: datetime) -> str:
        return await install_secret(self.db, now=now)

    async def reveal(self, festival: str, vote: str) -> Reveal | None:
        row = (
            await self.db.execute(
                select(VoteRevealRow.revealed_at, VoteRevealRow.revealed_by)
                .join(FestivalRow, FestivalRow.id == VoteRevealRow.festival_id)
                .where(FestivalRow.slug == festival, VoteRevealRow.vote_key == vote)
            )
        ).first()
        return Reveal(row.revealed_at, row.revealed_by) if row else None

    async def record_reveal(self, festival: str, vote: str, reveal: Reveal) -> Reveal:
        statement = self._insert()(VoteRevealRow).values(
            festival_id=await self._festival_id(festival),
            vote_key=vote,
            revealed_at=reveal.at,
            revealed_by=reveal.by,
        )
        await self.db.execute(
            statement.on_conflict_do_nothing(index_elements=["festival_id", "vote_key"])
        )
        stood = await self.reveal(festival, vote)
        return stood or reveal

    async def standing_ballot(self, festival: str, vote: str, voter: str) -> Ballot | None:
        row = (
            await self.db.execute(
                _BALLOTS.where(
                    FestivalRow.slug == festival,
                    BallotRow.vote_key == vote,
                    BallotRow.voter == voter,
                    _STANDING,
                )
            )
        ).first()
        return _ballot(row) if row else None

    async def add_ballot(self, ballot: NewBallot) -> Ballot | None:
        counted = ballot.cast_at if ballot.state == "counted" else None
        statement = (
            self._insert()(BallotRow)
            .values(
                festival_id=await self._festival_id(ballot.festival),
                vote_key=ballot.vote,
                voter=ballot.voter,
                nominee=ballot.nominee,
                state=ballot.state,
                cast_at=ballot.cast_at,
                counted_at=counted,
                registration_id=ballot.registration_id,
            )
            # The partial unique index: a voter's second standing ballot is not written.
            .on_conflict_do_nothing(
                index_elements=["festival_id", "vote_key", "voter"], index_where=_STANDING
            )
            .returning(BallotRow.id)
        )
        ballot_id = await self.db.scalar(statement)
        return None if ballot_id is None else await self.ballot(ballot_id)

    async def set_confirmation(self, ballot_id: int, token_hash: str) -> None:
        await self.db.execute(
            update(BallotRow).where(BallotRow.id == ballot_id).values(confirmation=token_hash)
        )

    async def by_confirmation(self, token_hash: str) -> Ballot | None:
        row = (await self.db.execute(_BALLOTS.where(BallotRow.confirmation == token_hash))).first()
        return _ballot(row) if row else None

    async def ballot(self, ballot_id: int) -> Ballot | None:
        row = (await self.db.execute(_BALLOTS.where(BallotRow.id == ballot_id))).first()
        return _ballot(row) if row else None

    async def set_state(self, ballot_id: int, state: BallotState, at: datetime) -> None:
        moment = {"counted_at": at} if state == "counted" else {"withdrawn_at": at}
        await self.db.execute(
            update(BallotRow).where(BallotRow.id == ballot_id).values(state=state, **moment)
        )

    async def counts(self, festival: str, vote: str) -> dict[str, int]:
        rows = await self.db.execute(
            select(BallotRow.nominee, func.count())
            .join(FestivalRow, FestivalRow.id == BallotRow.festival_id)
            .where(
                FestivalRow.slug == festival,
                BallotRow.vote_key == vote,
                BallotRow.state == "counted",
            )
            .group_by(BallotRow.nominee)
        )
        return {nominee: n for nominee, n in rows}

    async def ballots(self, festival: str, vote: str) -> list[Ballot]:
        rows = await self.db.execute(
            _BALLOTS.where(FestivalRow.slug == festival, BallotRow.vote_key == vote).order_by(
                BallotRow.cast_at, BallotRow.id
            )
        )
        return [_ballot(row) for row in rows]

    async def queue_confirmation(
        self, ballot: Ballot, recipient: str, language: str, now: datetime
    ) -> None:
        message = Queued(
            festival_id=await self._festival_id(ballot.festival),
            registration_id=None,
            kind=CONFIRMATION_MAIL,
            dedupe_key=f"ballot:{ballot.id}",
            recipient=recipient,
            payload={"ballot": ballot.id, "vote": ballot.vote, "language": language, "name": ""},
        )
        await self.db.run_sync(lambda session: enqueue(session.connection(), [message], now=now))
