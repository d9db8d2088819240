"""Themes brought to the table: attendees propose them for a round with `proposals = true`,
the organiser accepts, edits or declines them, and each accepted theme is a session of its
round with the proposer as host."""

from festival.proposals.rules import (
    MAX_DESCRIPTION,
    MAX_TITLE,
    PROPOSALS_PER_HOUR,
    STATES,
    AlreadyDecided,
    Proposal,
    ProposalState,
    TooManyProposals,
    as_session,
    closes_at,
    with_accepted,
)
from festival.proposals.service import accept, decline, edit, find, propose
from festival.proposals.store import NewProposal, ProposalStore, SessionStore

__all__ = [
    "MAX_DESCRIPTION",
    "MAX_TITLE",
    "PROPOSALS_PER_HOUR",
    "STATES",
    "AlreadyDecided",
    "NewProposal",
    "Proposal",
    "ProposalState",
    "ProposalStore",
    "SessionStore",
    "TooManyProposals",
    "accept",
    "as_session",
    "closes_at",
    "decline",
    "edit",
    "find",
    "propose",
    "with_accepted",
]
