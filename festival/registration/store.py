"""What the registration rules (`registration.service`) need of storage: SQL operations inside
one write transaction, and nothing that decides. `storage/registration_repo.py` implements
them (`RegistrationSql`).

A write transaction locks the sessions it decides about before it counts their places
(`lock_sessions`), so two requests for the last place are served one after the other. A new
registration, the busiest write, runs as one synchronous transaction in one go
(`RegistrationStore.at_once`, over a `NewRegistrationTx`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, NamedTuple, Protocol, TypeVar

from festival.invites.store import Batch, InviteStore
from festival.registration.model import Registration, RegistrationRequest

T = TypeVar("T")


class Conflict(Exception):
    """A write broke a uniqueness the store keeps (a second registration of an e-mail, a
    round assigned twice): a transaction that ran alongside did it first."""


class Holder(NamedTuple):
    """A registration as the rules about its places need it."""

    id: int
    festival_id: int
    mode: str


class Held(NamedTuple):
    """A place a registration holds, or waits for, in one session."""

    id: int
    registration_id: int
    entry_id: int  # the session's row
    session: str
    round: str
    mode: str
    status: str  # confirmed | waitlisted
    reconfirm: str | None = None  # asked | done | lapsed (`model.Reconfirm`); None: not asked


class Seats(NamedTuple):
    """A session's limits (`capacity.limit`), locked for the transaction."""

    id: int
    key: str
    seats: int | None
    capacity: int | None


class Taken(NamedTuple):
    """A session (or the plenary) as a new registration finds it, with the places of its
    way of attending."""

    id: int
    seats: int | None
    capacity: int | None
    confirmed: int
    waitlisted: int
    version: int
    cancelled: bool


class NewPlace(NamedTuple):
    registration_id: int
    entry_id: int
    round: str
    status: str


class Ranked(NamedTuple):
    """One registration's ranking of a round's sessions."""

    registration_id: int
    mode: str
    ranking: tuple[str, ...]


class NewRegistrationTx(Protocol):
    """A new registration's transaction: synchronous, so that it runs in one go."""

    def festival_id(self, slug: str) -> int | None: ...

    def sessions(
        self, festival_id: int, keys: Iterable[str], mode: str
    ) -> tuple[dict[str, Taken], Taken | None]:
        """The sessions by key, locked, with their places of `mode`; and the plenary (not
        locked; None when the festival has none)."""
        ...

    def add_registration(
        self, festival_id: int, request: RegistrationRequest, now: datetime
    ) -> int | None:
        """The new registration's id; None when the e-mail is registered already."""
        ...

    def add_places(self, mode: str, places: Sequence[NewPlace], now: datetime) -> None: ...

    def add_rankings(self, registration_id: int, rankings: dict[str, tuple[str, ...]]) -> None: ...

    def first_link(self, registration_id: int, festival_id: int, now: datetime) -> str:
        """Store the registration's first personal link; its token."""
        ...

    def queue(self, batch: Batch, now: datetime) -> None:
        """Queue mail and the invite states that record it (`invites.store.InviteStore.write`)."""
        ...


class RegistrationTx(Protocol):
    """One write transaction over registrations and places."""

    @property
    def invites(self) -> InviteStore:
        """The invite store in this transaction: a change and its mail commit together."""
        ...

    async def holder(self, registration_id: int) -> Holder | None: ...

    async def registered(self, festival: str, email_key: str) -> int | None:
        """The registration of this e-mail (folded, `fold_email`) at `festival`, if any."""
        ...

    async def place_in(self, registration_id: int, round_key: str) -> Held | None: ...

    async def places_of(self, registration_id: int) -> list[Held]: ...

    async def lock_sessions(self, festival_id: int, keys: Iterable[str]) -> dict[str, Seats]:
        """These sessions by key, their rows locked in a fixed order (by key), so two writers
        never wait on each other in a circle."""
        ...

    async def confirmed(self, entry_id: int, mode: str) -> int:
        """The confirmed places of `mode` in a session."""
        ...

    async def add_places(self, mode: str, places: Sequence[NewPlace], now: datetime) -> None: ...

    async def drop_place(self, place_id: int) -> None:
        """Delete a place read in this transaction."""
        ...

    async def give_back(self, place: Held, now: datetime) -> None:
        """Record that a confirmed place was given back (for the organiser's report); the
        record names the session and way of attending, not the person."""
        ...

    async def waiting(self, entry_id: int, mode: str, first: int | None) -> list[Held]:
        """The first `first` (None: all) places waiting in a session's line of `mode`, in
        the order they joined it."""
        ...

    async def confirm(self, places: Sequence[Held], now: datetime) -> None:
        """Confirm these places (read in this transaction by `waiting`), moved up from the
        line now; no reconfirmation is asked of them (their holders just got them)."""
        ...

    # -- reconfirmation (`registration.reconfirm`) -----------------------------------------

    async def ask_reconfirmation(self, entry_id: int, mode: str, confirmed_by: datetime) -> None:
        """Mark `asked` the confirmed places of `mode` in a session that were confirmed
        (taken, or moved up from the line) at or before `confirmed_by` and never asked."""
        ...

    async def asked(self, festival_id: int) -> list[int]:
        """The festival's registrations holding a place asked and not confirmed yet."""
        ...

    async def unconfirmed(self, entry_id: int, mode: str) -> list[Held]:
        """The confirmed places of `mode` in a session asked and not confirmed, in the
        order they were taken."""
        ...

    async def mark(self, places: Sequence[Held], reconfirm: str | None) -> None:
        """Set the reconfirmation mark of these places (read in this transaction)."""
        ...

    async def to_line_end(self, place: Held, now: datetime) -> None:
        """Put a confirmed place (read in this transaction) behind everyone waiting in its
        session's line of its mode: its row becomes a new waitlisted one, marked `lapsed`."""
        ...

    async def erase(
        self,
        registration_id: int,
        person: str,
        stand_in: str,
        anonymise: Callable[[Mapping[str, Any]], dict[str, Any]],
        now: datetime,
    ) -> list[str]:
        """Delete the registration and every row of it (places, rankings, links, invite
        states, mail to it or its address); in the live events, `person` becomes `stand_in`
        and each question record what `anonymise` makes of it. Returns the live channels
        whose events named the person."""
        ...

    async def read(self, registration_id: int) -> Registration: ...

    async def reissue_link(self, registration_id: int, now: datetime) -> tuple[str, int]:
        """A new personal link, every earlier one revoked: its token and its generation."""
        ...

    # -- assigning a round ---------------------------------------------------------------

    async def lock_festival(self, festival_id: int) -> None:
        """One assigner per festival at a time."""
        ...

    async def assigned(self, festival_id: int, round_key: str) -> tuple[int, int] | None:
        """(placed, waitlisted) of the round's assignment, if it ran."""
        ...

    async def round_sessions(self, festival_id: int, round_key: str) -> dict[str, Seats]:
        """The round's sessions still on the programme, by key."""
        ...

    async def rankings(self, festival_id: int, round_key: str) -> list[Ranked]: ...

    async def record_assignment(
        self,
        festival_id: int,
        round_key: str,
        seed: str,
        placed: int,
        waitlisted: int,
        now: datetime,
    ) -> None:
        """Note that the round is assigned; a second note of it raises `Conflict`."""
        ...


class RegistrationStore(Protocol):
    def writing(self) -> AbstractAsyncContextManager[RegistrationTx]:
        """A write transaction (read, decide, write), committed at the end of the block.
        A uniqueness broken on the way raises `Conflict`."""
        ...

    async def at_once(self, work: Callable[[NewRegistrationTx], T]) -> T:
        """Run `work` as one write transaction in one go; `Conflict` as `writing`."""
        ...

    async def festival_rounds(self, festival: str) -> tuple[int, list[str]] | None:
        """The festival's id and its rounds on the programme, in order; None: no festival."""
        ...
