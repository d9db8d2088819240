"""Casting, confirming, withdrawing and revealing ballots, by the rules of `votes.rules`, over
a `VotesStore` in the caller's transaction. Every refusal is a FestivalError raised before
anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from festival.errors import Forbidden, NotFound, Unauthenticated
from festival.programme.model import Festival, Vote
from festival.registration.model import Registration
from festival.registration.validation import mail_address
from festival.votes.rules import (
    AlreadyVoted,
    Ballot,
    Result,
    VoteStatus,
    check_nominee,
    check_open,
    check_reveal,
    confirmation_token,
    find_vote,
    status,
    tally,
    token_hash,
    voter_key,
)
from festival.votes.store import NewBallot, Reveal, VotesStore


class BadLink(NotFound):
    """A confirmation link no ballot has: mistyped, forged, or of a ballot replaced since."""

    code = "vote.bad_link"


@dataclass(frozen=True)
class Standing:
    """A vote as it stands: its status, and the result when the viewer may see it (once it
    is revealed; admins always)."""

    vote: Vote
    status: VoteStatus
    revealed: Reveal | None
    result: Result | None


async def standing(
    store: VotesStore, festival: Festival, vote_id: str, now: datetime, *, admin: bool = False
) -> Standing:
    vote = find_vote(festival, vote_id)
    revealed = await store.reveal(festival.slug, vote.id)
    now_status = status(vote, now, revealed.at if revealed else None)
    shown = admin or revealed is not None
    result = tally(vote, await store.counts(festival.slug, vote.id)) if shown else None
    return Standing(vote, now_status, revealed, result)


async def _open_vote(
    store: VotesStore, festival: Festival, vote_id: str, nominee: object, now: datetime
) -> tuple[Vote, str]:
    vote = find_vote(festival, vote_id)
    revealed = await store.reveal(festival.slug, vote.id)
    check_open(vote, now, revealed.at if revealed else None)
    return vote, check_nominee(vote, nominee)


async def _replace_pending(
    store: VotesStore, festival: Festival, vote: Vote, voter: str, now: datetime
) -> None:
    """A counted ballot stands (409); a pending one gives way to the new ballot: its link was
    lost or its voter changed their mind before confirming."""
    before = await store.standing_ballot(festival.slug, vote.id, voter)
    if before is None:
        return
    if before.state == "counted":
        raise AlreadyVoted(f"this voter's ballot in {vote.id!r} is counted already")
    await store.set_state(before.id, "withdrawn", now)


async def cast_with_link(
    store: VotesStore,
    festival: Festival,
    vote_id: str,
    registration: Registration,
    nominee: object,
    now: datetime,
) -> Ballot:
    """A ballot by an attendee's personal link: counted at once (public and registered votes
    alike), under the key of their address, so they cannot vote again by e-mail."""
    if registration.festival != festival.slug:
        raise Forbidden(
            f"this personal link is for {registration.festival}, not this festival's vote",
            code="vote.other_festival",
        )
    vote, chosen = await _open_vote(store, festival, vote_id, nominee, now)
    voter = voter_key(await store.secret(now), registration.email)
    await _replace_pending(store, festival, vote, voter, now)
    ballot = await store.add_ballot(
        NewBallot(festival.slug, vote.id, voter, chosen, "counted", now, registration.id)
    )
    if ballot is None:
        raise AlreadyVoted(f"this voter's ballot in {vote.id!r} is counted already")
    return ballot


async def cast_by_email(
    store: VotesStore,
    festival: Festival,
    vote_id: str,
    address: object,
    nominee: object,
    *,
    language: str,
    smtputf8: bool,
    now: datetime,
) -> Ballot:
    """A public ballot by e-mail address: pending, with a mail whose link counts it. A vote
    for registered attendees takes no such ballot (401: it needs a personal link)."""
    vote, chosen = await _open_vote(store, festival, vote_id, nominee, now)
    if vote.voters == "registered":
        raise Unauthenticated(
            f"the vote {vote.id!r} is for registered attendees: vote with your personal link",
            code="vote.link_required",
        )
    email = mail_address(address, smtputf8=smtputf8, language=language)
    secret = await store.secret(now)
    voter = voter_key(secret, email)
    await _replace_pending(store, festival, vote, voter, now)
    ballot = await store.add_ballot(
        NewBallot(festival.slug, vote.id, voter, chosen, "pending", now)
    )
    if ballot is None:
        raise AlreadyVoted(f"this address has a ballot in {vote.id!r} already")
    await store.set_confirmation(ballot.id, token_hash(confirmation_token(secret, ballot)))
    await store.queue_confirmation(ballot, email, language, now)
    return ballot


async def mailed_link(store: VotesStore, ballot_id: int, now: datetime) -> tuple[Ballot, str]:
    """A pending ballot and the secret of its link, for its mail; BadLink when it no longer
    waits (confirmed, or replaced, since the mail was queued)."""
    ballot = await store.ballot(ballot_id)
    if ballot is None or ballot.state != "pending":
        raise BadLink(f"ballot {ballot_id} no longer waits for its confirmation")
    return ballot, confirmation_token(await store.secret(now), ballot)


async def linked_ballot(store: VotesStore, token: str) -> Ballot:
    """The ballot a mailed link names, whatever its state; BadLink for any other link."""
    ballot = await store.by_confirmation(token_hash(token)) if token else None
    if ballot is None:
        raise BadLink("this confirmation link is not known")
    return ballot


async def confirm(store: VotesStore, festival: Festival, ballot: Ballot, now: datetime) -> Ballot:
    """Count a pending ballot whose link was followed, while the vote is open. A counted one
    is left as it is (409), as is a withdrawn or replaced one (BadLink)."""
    vote = find_vote(festival, ballot.vote)
    if ballot.state == "counted":
        raise AlreadyVoted("this ballot was counted already")
    if ballot.state == "withdrawn":
        raise BadLink("this ballot was withdrawn or replaced by a later one")
    revealed = await store.reveal(festival.slug, vote.id)
    check_open(vote, now, revealed.at if revealed else None)
    await store.set_state(ballot.id, "counted", now)
    return await _reread(store, ballot.id)


async def withdraw(store: VotesStore, festival: Festival, ballot: Ballot, now: datetime) -> Ballot:
    """Take a pending or counted ballot back while the vote is open."""
    vote = find_vote(festival, ballot.vote)
    if ballot.state == "withdrawn":
        raise BadLink("this ballot was withdrawn or replaced by a later one")
    revealed = await store.reveal(festival.slug, vote.id)
    check_open(vote, now, revealed.at if revealed else None)
    await store.set_state(ballot.id, "withdrawn", now)
    return await _reread(store, ballot.id)


async def ballot_of(
    store: VotesStore, festival: Festival, vote_id: str, registration: Registration, now: datetime
) -> Ballot | None:
    """The attendee's pending or counted ballot in the vote, if any."""
    vote = find_vote(festival, vote_id)
    voter = voter_key(await store.secret(now), registration.email)
    return await store.standing_ballot(festival.slug, vote.id, voter)


async def reveal(
    store: VotesStore, festival: Festival, vote_id: str, *, by: str, now: datetime
) -> Standing:
    """Reveal the result (once: a second reveal changes nothing); the vote takes no ballots
    from then on."""
    vote = find_vote(festival, vote_id)
    before = await store.reveal(festival.slug, vote.id)
    check_reveal(vote, now, before.at if before else None)
    if before is None:
        await store.record_reveal(festival.slug, vote.id, Reveal(now, by))
    return await standing(store, festival, vote.id, now)


async def audit(store: VotesStore, festival: Festival, vote_id: str) -> list[Ballot]:
    """Every ballot of the vote, for the audit trail."""
    vote = find_vote(festival, vote_id)
    return await store.ballots(festival.slug, vote.id)


async def _reread(store: VotesStore, ballot_id: int) -> Ballot:
    ballot = await store.ballot(ballot_id)
    if ballot is None:  # in the same transaction it was just written in
        raise BadLink(f"ballot {ballot_id} is gone")
    return ballot
