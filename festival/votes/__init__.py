"""The audience vote (the programme's `[[vote]]`): ballots by e-mail address confirmed by a
mailed link, or by personal link; results hidden until a host reveals them."""

from festival.votes.rules import (
    AlreadyVoted,
    Ballot,
    BallotState,
    NotYetOpen,
    Result,
    VoteStatus,
    find_vote,
    status,
    tally,
    voter_key,
)
from festival.votes.service import (
    BadLink,
    Standing,
    audit,
    ballot_of,
    cast_by_email,
    cast_with_link,
    confirm,
    linked_ballot,
    mailed_link,
    reveal,
    standing,
    withdraw,
)
from festival.votes.store import NewBallot, Reveal, VotesStore

__all__ = [
    "AlreadyVoted",
    "BadLink",
    "Ballot",
    "BallotState",
    "NewBallot",
    "NotYetOpen",
    "Result",
    "Reveal",
    "Standing",
    "VoteStatus",
    "VotesStore",
    "audit",
    "ballot_of",
    "cast_by_email",
    "cast_with_link",
    "confirm",
    "find_vote",
    "linked_ballot",
    "mailed_link",
    "reveal",
    "standing",
    "status",
    "tally",
    "voter_key",
    "withdraw",
]
