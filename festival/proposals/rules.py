"""Themes attendees bring to a table round (a round with `proposals = true`): what a
proposal may say, until when a round takes them, how many one attendee may send, and the one
rule that turns accepted themes into sessions of their round (`with_accepted`), which every
load of the programme applies, so that they survive a reload of the programme file.

Pure: no storage, no web. Raises `festival.errors` and the two errors below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from festival.errors import FestivalError, Forbidden, Invalid, NotFound
from festival.programme.model import PROPOSAL_ID_PREFIX, Festival, Person, Round, Session

ProposalState = Literal["pending", "accepted", "declined"]
STATES: tuple[ProposalState, ...] = ("pending", "accepted", "declined")

MAX_TITLE: Final = 120
MAX_DESCRIPTION: Final = 1_000
PROPOSALS_PER_HOUR: Final = 5
"""How many themes one registration may propose within an hour (a flood is refused, 429)."""
FLOOD_WINDOW: Final = timedelta(hours=1)


class TooManyProposals(FestivalError):
    """More than PROPOSALS_PER_HOUR from one registration: HTTP 429."""

    status = 429
    code = "proposal.too_many"


class AlreadyDecided(FestivalError):
    """Accepting or declining a theme that was accepted or declined before: HTTP 409."""

    status = 409
    code = "proposal.decided"


@dataclass(frozen=True)
class Proposal:
    """A theme brought to `round` by a registration (`proposer`, `organisation`: its name and
    organisation as registered, which an accepted theme shows as its host). An accepted theme
    whose proposer erased their registration has neither, nor a `registration_id`."""

    id: int
    festival: str
    round: str
    registration_id: int | None
    proposer: str
    organisation: str
    title: str
    description: str
    state: ProposalState
    created_at: datetime
    decided_at: datetime | None = None

    @property
    def session_id(self) -> str:
        """The id of its session once accepted: stable, and never one a programme file takes
        (`programme.model.PROPOSAL_ID_PREFIX`)."""
        return f"{PROPOSAL_ID_PREFIX}{self.id}"


def proposal_round(festival: Festival, round_id: str) -> Round:
    """The round of that id (NotFound `proposal.round_not_found`)."""
    found = next((r for r in festival.rounds if r.id == round_id and not r.cancelled), None)
    if found is None:
        raise NotFound(f"no round {round_id!r}", code="proposal.round_not_found")
    return found


def closes_at(festival: Festival, round_: Round) -> datetime:
    """Until when the round takes themes: its `proposals_close`, else when registration
    closes, else when the round starts (whichever comes first of the last two)."""
    if round_.proposals_close is not None:
        return round_.proposals_close
    closes = festival.registration_closes
    return min(closes, round_.start) if closes is not None else round_.start


def check_open(festival: Festival, round_: Round, now: datetime) -> None:
    """Forbidden unless the round takes themes now."""
    if not round_.proposals:
        raise Forbidden(
            f"the round {round_.id!r} takes no proposed themes", code="proposal.not_taken"
        )
    if now >= closes_at(festival, round_):
        raise Forbidden(
            f"the round {round_.id!r} took themes until {closes_at(festival, round_).isoformat()}",
            code="proposal.closed",
        )


def read_fields(data: dict[str, Any]) -> tuple[str, str]:
    """The title and description of a request body or form: both required text, at most
    MAX_TITLE and MAX_DESCRIPTION characters once trimmed. Invalid names every bad field."""
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - {"title", "description"})
    if unknown:
        errors["body"] = f"unknown fields: {', '.join(unknown)}; send title and description"
    found = {}
    for key, limit in (("title", MAX_TITLE), ("description", MAX_DESCRIPTION)):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            errors[key] = f"{key} is required text"
        elif len(value.strip()) > limit:
            errors[key] = f"{key} is longer than {limit} characters"
        elif "\x00" in value:
            errors[key] = f"{key} contains a NUL character"
        else:
            found[key] = value.strip()
    if errors:
        raise Invalid(errors)
    return found["title"], found["description"]


def check_pending(proposal: Proposal) -> None:
    if proposal.state != "pending":
        raise AlreadyDecided(f"this theme was {proposal.state} already")


def as_session(round_: Round, proposal: Proposal) -> Session:
    """An accepted theme as a session of its round: the round's times and default places,
    the proposer as host (none once they erased their registration)."""
    hosts = (Person(proposal.proposer, organisation=proposal.organisation),)
    return Session(
        id=proposal.session_id,
        title=proposal.title,
        start=round_.start,
        end=round_.end,
        description=proposal.description,
        hosts=hosts if proposal.proposer else (),
        capacity=round_.capacity,
        seats=round_.seats,
    )


def with_accepted(festival: Festival, accepted: Iterable[Proposal]) -> Festival:
    """The festival of a programme file with the accepted themes as sessions of their rounds,
    after the file's own. A theme whose round left the file goes with it (its session is then
    cancelled, as any session removed from the file)."""
    by_round: dict[str, list[Proposal]] = {}
    for proposal in sorted(accepted, key=lambda p: p.id):
        by_round.setdefault(proposal.round, []).append(proposal)
    rounds = tuple(
        replace(r, sessions=r.sessions + tuple(as_session(r, p) for p in by_round[r.id]))
        if r.id in by_round
        else r
        for r in festival.rounds
    )
    return replace(festival, rounds=rounds)
