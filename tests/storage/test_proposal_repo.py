"""The proposal store on SQLite and PostgreSQL: a decision is taken once, whichever of two
racing ones writes first (the conditional update decides), and the other changes nothing."""

from __future__ import annotations

from festival.proposals import NewProposal
from festival.registration.service import register
from festival.storage.db import Database
from festival.storage.proposal_repo import ProposalSql
from festival.storage.registration_repo import RegistrationSql
from tests.storage.test_erasure import NOW, SLUG, load, person


async def test_a_proposal_is_decided_once(database: Database):
    await load(database)
    ann = await register(RegistrationSql(database), SLUG, person(1), now=NOW)
    async with database.session() as session, session.begin():
        store = ProposalSql(session)
        proposal = await store.add(
            NewProposal(SLUG, "ronde-1", ann.registration.id, "Thema", "Tekst", NOW)
        )

    async with database.session() as session, session.begin():
        first = await ProposalSql(session).decide(proposal.id, "accepted", NOW)
    async with database.session() as session, session.begin():
        second = await ProposalSql(session).decide(proposal.id, "declined", NOW)
        found = await ProposalSql(session).proposal(SLUG, proposal.id)

    assert (first, second) == (True, False)
    assert found is not None
    assert (found.state, found.decided_at, found.proposer) == (
        "accepted",
        NOW,
        "Persoon1 Achternaam1",
    )
