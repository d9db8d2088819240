"""The rules of an audience vote, in one place: when it takes ballots, who a voter is, which
ballot counts, and what the result is.

A voter is a keyed hash of their e-mail address (`voter_key`), whether they vote by e-mail or
by their personal link, which knows their address: so one person has one counted ballot per
vote however they vote. The key is an HMAC under the installation's secret, so the audit
trail names nobody to whoever reads it, yet an organiser holding an address can still find its
ballot. A public ballot counts only once the link mailed to the address is followed; that
link's secret is derived the same way (`confirmation_token`), so no store holds it.

Pure: stdlib and the programme only.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

from festival.errors import FestivalError, Forbidden, Invalid, NotFound
from festival.programme.model import Festival, Vote

VoteStatus = Literal["upcoming", "open", "closed", "revealed"]
BallotState = Literal["pending", "counted", "withdrawn"]
STATES: Final[tuple[BallotState, ...]] = ("pending", "counted", "withdrawn")


class AlreadyVoted(FestivalError):
    """A second ballot from a voter whose first one counts: HTTP 409."""

    code = "vote.already_voted"
    status = 409


class NotYetOpen(FestivalError):
    """A reveal asked for before the vote opened: HTTP 409."""

    code = "vote.not_open"
    status = 409


@dataclass(frozen=True)
class Ballot:
    """One ballot as stored: `voter` is the voter's key (`voter_key`), never an address."""

    id: int
    festival: str
    vote: str
    voter: str
    nominee: str
    state: BallotState
    cast_at: datetime
    counted_at: datetime | None = None
    withdrawn_at: datetime | None = None
    registration_id: int | None = None  # cast with a personal link


@dataclass(frozen=True)
class Result:
    """Counted ballots per nominee (every nominee, in programme order) and the winners:
    those with the most, more than one on a tie, none without a single counted ballot."""

    counts: Mapping[str, int]
    winners: tuple[str, ...]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def find_vote(festival: Festival, vote_id: str) -> Vote:
    """The festival's vote `vote_id`; another festival's vote is not found here."""
    for vote in festival.votes:
        if vote.id == vote_id:
            return vote
    raise NotFound(f"{festival.slug} has no vote {vote_id!r}", code="vote.not_found")


def status(vote: Vote, now: datetime, revealed_at: datetime | None) -> VoteStatus:
    """`revealed` once a host revealed the result (it takes no ballots from then on), else
    `upcoming` before `opens`, `closed` from `closes`, `open` between."""
    if revealed_at is not None:
        return "revealed"
    if vote.opens is not None and now < vote.opens:
        return "upcoming"
    if vote.closes is not None and now >= vote.closes:
        return "closed"
    return "open"


def check_open(vote: Vote, now: datetime, revealed_at: datetime | None) -> None:
    """Ballots (cast, confirmed or withdrawn) only while the vote is open: 403 otherwise."""
    now_status = status(vote, now, revealed_at)
    if now_status == "upcoming":
        raise Forbidden(f"the vote {vote.id!r} is not open yet", code="vote.not_open")
    if now_status != "open":
        raise Forbidden(f"the vote {vote.id!r} is {now_status}", code=f"vote.{now_status}")


def check_nominee(vote: Vote, nominee: object) -> str:
    """The nominee a ballot names, if the vote has it: 422 otherwise."""
    if not isinstance(nominee, str) or vote.nominee(nominee) is None:
        known = ", ".join(n.id for n in vote.nominees)
        raise Invalid({"nominee": f"not a nominee of this vote; one of: {known}"})
    return nominee


def check_reveal(vote: Vote, now: datetime, revealed_at: datetime | None) -> None:
    if status(vote, now, revealed_at) == "upcoming":
        raise NotYetOpen(f"the vote {vote.id!r} has not opened yet: nothing to reveal")


def voter_key(secret: str, address: str) -> str:
    """Who a voter is in the store and the audit trail: a keyed hash of their normalised
    address (lower case: mail servers take `Anna@` and `anna@` as one mailbox)."""
    message = f"voter:{address.strip().lower()}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def confirmation_token(secret: str, ballot: Ballot) -> str:
    """The secret of a public ballot's mailed link: derived from the ballot (its id makes it
    unique; the moment it was cast keeps an id ever given again from reaching it), so that
    composing the mail again gives the same link and the store keeps only its hash."""
    moment = ballot.cast_at.astimezone(UTC).isoformat()
    message = f"ballot:{ballot.id}:{ballot.festival}:{ballot.vote}:{moment}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tally(vote: Vote, counted: Mapping[str, int]) -> Result:
    """The result from the counted ballots per nominee; a nominee taken off the programme
    since is left out."""
    counts = {n.id: counted.get(n.id, 0) for n in vote.nominees}
    most = max(counts.values(), default=0)
    winners = tuple(n for n, c in counts.items() if most and c == most)
    return Result(counts, winners)
