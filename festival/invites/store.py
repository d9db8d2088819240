"""What the invite rules (`invites.service`) read and write, and the messages they queue.

The service decides; a store only reads and writes, inside its caller's transaction, so a
registration and the mail it causes are committed together. `storage.invite_repo.InviteSql`
is the store on the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol


@dataclass(frozen=True)
class Attending:
    entry: str  # session id, or "plenary"
    # The entry's version: raised whenever its time or text changes, or its join link comes
    # or goes (`programme.changes.reaches_calendars`).
    version: int


class Recipient(NamedTuple):
    """What a message needs of its registration."""

    id: int
    festival_id: int
    name: str
    email: str
    language: str


class SentState(NamedTuple):
    """The last invite queued for one attendee and item."""

    id: int
    registration_id: int
    entry_key: str
    sequence: int
    method: str
    version: int


class NewState(NamedTuple):
    """The first invite queued for an attendee and item."""

    registration_id: int
    entry_key: str
    sequence: int
    method: str
    version: int


class ChangedState(NamedTuple):
    """A later invite queued for an attendee and item (`SentState.id`)."""

    state_id: int
    sequence: int
    method: str
    version: int


@dataclass(frozen=True)
class Queued:
    """A message for the outbox; its dedupe key lets it in once."""

    festival_id: int
    registration_id: int | None
    kind: str
    dedupe_key: str
    recipient: str
    payload: dict[str, Any]


@dataclass
class Batch:
    """Messages to queue and the invite states that record them, written together."""

    messages: list[Queued] = field(default_factory=list)
    new_states: list[NewState] = field(default_factory=list)
    changed_states: list[ChangedState] = field(default_factory=list)


class Item(NamedTuple):
    """An item of the programme as reminders need it."""

    id: int
    festival_id: int
    kind: str
    cancelled: bool
    starts_at: datetime | None
    ends_at: datetime | None


class InviteStore(Protocol):
    async def recipients(self, registration_ids: Sequence[int]) -> list[Recipient]:
        """These registrations (those that still exist), by id."""
        ...

    async def registrations(self, festival: str) -> list[int]:
        """Every registration of a festival (by its slug)."""
        ...

    async def sessions_attended(
        self, registration_ids: Sequence[int]
    ) -> dict[int, list[Attending]]:
        """Per registration, the sessions not cancelled where it holds a confirmed place."""
        ...

    async def plenaries(self, festival_ids: set[int]) -> dict[int, int]:
        """Per festival, its plenary's version, if it has one not cancelled."""
        ...

    async def sent(self, registration_ids: Sequence[int]) -> list[SentState]:
        """The last invite queued per registration and item."""
        ...

    async def item(self, festival: str, entry_key: str) -> Item | None: ...

    async def festival_recipients(self, festival_id: int) -> list[Recipient]: ...

    async def session_recipients(self, entry_id: int) -> list[Recipient]:
        """Whoever holds a confirmed place in this session."""
        ...

    async def write(self, batch: Batch, *, now: datetime) -> None:
        """Queue the messages (in order; one whose key is queued already is left out) and
        record the invite states."""
        ...
