"""Proposing a theme, and the organiser's decisions: accept (the theme becomes a session of
its round), decline, edit. Over `ProposalStore`, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from festival.errors import NotFound
from festival.programme.changes import LoadReport
from festival.programme.model import Festival
from festival.proposals.rules import (
    FLOOD_WINDOW,
    PROPOSALS_PER_HOUR,
    AlreadyDecided,
    Proposal,
    TooManyProposals,
    as_session,
    check_open,
    check_pending,
    proposal_round,
    read_fields,
)
from festival.proposals.store import NewProposal, ProposalStore, SessionStore
from festival.registration.model import Registration


async def propose(
    store: ProposalStore,
    festival: Festival,
    round_id: str,
    registration: Registration,
    data: dict[str, Any],
    now: datetime,
) -> Proposal:
    """Store the registration's theme for the round. NotFound for an unknown round,
    Forbidden when the round takes none (now), Invalid for bad fields, TooManyProposals
    past PROPOSALS_PER_HOUR; nothing is stored then."""
    round_ = proposal_round(festival, round_id)
    check_open(festival, round_, now)
    title, description = read_fields(data)
    if await store.count_since(registration.id, now - FLOOD_WINDOW) >= PROPOSALS_PER_HOUR:
        raise TooManyProposals(
            f"at most {PROPOSALS_PER_HOUR} proposed themes an hour; try again later"
        )
    return await store.add(
        NewProposal(festival.slug, round_.id, registration.id, title, description, now)
    )


async def find(store: ProposalStore, festival: Festival, proposal_id: int) -> Proposal:
    found = await store.proposal(festival.slug, proposal_id)
    if found is None:
        raise NotFound(f"no proposal {proposal_id}", code="proposal.not_found")
    return found


async def accept(
    store: ProposalStore,
    sessions: SessionStore,
    festival: Festival,
    proposal_id: int,
    now: datetime,
) -> Proposal:
    """The pending theme accepted: a session of its round from now on, and a mail to the
    proposer."""
    proposal = await find(store, festival, proposal_id)
    check_pending(proposal)
    round_ = proposal_round(festival, proposal.round)
    if not await store.decide(proposal.id, "accepted", now):
        raise AlreadyDecided("this theme was decided on meanwhile")
    await sessions.save_session(festival, round_.id, as_session(round_, proposal), now)
    accepted = await find(store, festival, proposal_id)
    await store.queue_decision(accepted, now)
    return accepted


async def decline(
    store: ProposalStore, festival: Festival, proposal_id: int, now: datetime
) -> Proposal:
    """The pending theme declined, with a mail to the proposer."""
    proposal = await find(store, festival, proposal_id)
    check_pending(proposal)
    if not await store.decide(proposal.id, "declined", now):
        raise AlreadyDecided("this theme was decided on meanwhile")
    declined = await find(store, festival, proposal_id)
    await store.queue_decision(declined, now)
    return declined


async def edit(
    store: ProposalStore,
    sessions: SessionStore,
    festival: Festival,
    proposal_id: int,
    data: dict[str, Any],
    now: datetime,
) -> tuple[Proposal, LoadReport | None]:
    """A new title and description (the same rules as proposing); an accepted theme's
    session follows, and the report of that change is returned for the calendars."""
    proposal = await find(store, festival, proposal_id)
    title, description = read_fields(data)
    await store.set_text(proposal.id, title, description)
    edited = await find(store, festival, proposal_id)
    if edited.state != "accepted":
        return edited, None
    round_ = proposal_round(festival, edited.round)
    report = await sessions.save_session(festival, round_.id, as_session(round_, edited), now)
    return edited, report
