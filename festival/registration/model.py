"""Registrations and the places they hold, as domain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from festival.programme.model import Festival

Attendance = Literal["online", "onsite"]
ChoiceStatus = Literal["confirmed", "waitlisted"]
# What a place is worth now: a stored status, or "cancelled" once its session is gone.
PlaceStatus = Literal["confirmed", "waitlisted", "cancelled"]
ATTENDANCE: tuple[Attendance, ...] = ("online", "onsite")

# Limits on what one registration may carry; documented in docs/api.md.
MAX_NAME = 200
MAX_ORGANISATION = 200
MAX_EMAIL = 254


@dataclass(frozen=True)
class RegistrationRequest:
    """Validated input: what a person asked for."""

    name: str
    email: str  # as typed, trimmed
    organisation: str
    language: str
    mode: Attendance
    choices: dict[str, str]  # round id -> session id
    # Before a preferences festival's assignment: round id -> session ids, most wanted first.
    rankings: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def email_key(self) -> str:
        """One person, one registration: e-mail compared trimmed and case-insensitively."""
        return self.email.strip().casefold()


@dataclass(frozen=True)
class Place:
    """A registration's place (or place in line) in one session of one round."""

    round_id: str
    session_id: str
    status: ChoiceStatus
    position: int | None  # 1-based place in the waitlist; None when confirmed
    promoted_at: datetime | None = None  # moved up from the waitlist at this moment


def place_status(place: Place, festival: Festival) -> PlaceStatus:
    """A place in a session taken off the programme (or in a round that was) is cancelled,
    whatever it was: the place row stays, so a session that comes back brings it back, but
    until then it gives no join link and no reminder."""
    for round_, session in festival.sessions():
        if session.id == place.session_id:
            return "cancelled" if session.cancelled or round_.cancelled else place.status
    return "cancelled"


@dataclass(frozen=True)
class Registration:
    id: int
    festival: str
    name: str
    email: str
    organisation: str
    language: str
    mode: Attendance
    created_at: datetime
    places: tuple[Place, ...]
    rankings: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def place_in(self, round_id: str) -> Place | None:
        return next((p for p in self.places if p.round_id == round_id), None)
