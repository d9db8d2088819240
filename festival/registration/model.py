"""Registrations and the places they hold, as domain data."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from festival.programme.model import Festival, Round, Session

Attendance = Literal["online", "onsite"]
ChoiceStatus = Literal["confirmed", "waitlisted"]
# What a place is worth now: a stored status, or "cancelled" once its session is gone.
PlaceStatus = Literal["confirmed", "waitlisted", "cancelled"]
# Where a place stands in the reconfirmation (`registration.reconfirm`): its holder was asked
# to confirm it, did, or did not in time, so that it went to the end of the waitlist.
Reconfirm = Literal["asked", "done", "lapsed"]
ATTENDANCE: tuple[Attendance, ...] = ("online", "onsite")

# Limits on what one registration may carry; documented in docs/api.md.
MAX_NAME = 200
MAX_ORGANISATION = 200
MAX_EMAIL = 254

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): characters that render as
# nothing, such as soft hyphens, zero-width spaces and joiners, bidirectional marks and
# variation selectors. In an e-mail address they only make a second, invisible spelling.
DEFAULT_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)


def fold_email(address: str) -> str:
    """The one-registration-per-address key: look-alike spellings of one address fold to one
    key. Compatibility forms (full-width letters) become plain ones (NFKC), invisible
    characters go, case is folded (casefold, then NFKC again, as casefolding may undo it)."""
    plain = DEFAULT_IGNORABLE.sub("", unicodedata.normalize("NFKC", address))
    return unicodedata.normalize("NFKC", plain.strip().casefold())


@dataclass(frozen=True)
class RegistrationRequest:
    """Validated input: what a person asked for."""

    name: str
    email: str  # normalised: NFC local part, the domain in its ASCII (IDNA) form
    organisation: str
    language: str
    mode: Attendance
    choices: dict[str, str]  # round id -> session id
    # Before a preferences festival's assignment: round id -> session ids, most wanted first.
    rankings: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def email_key(self) -> str:
        """One person, one registration: addresses compared as `fold_email` folds them."""
        return fold_email(self.email)


@dataclass(frozen=True)
class Place:
    """A registration's place (or place in line) in one session of one round."""

    round_id: str
    session_id: str
    status: ChoiceStatus
    position: int | None  # 1-based place in the waitlist; None when confirmed
    promoted_at: datetime | None = None  # moved up from the waitlist at this moment
    reconfirm: Reconfirm | None = None  # None: no reconfirmation asked of this place


def place_status(place: Place, festival: Festival) -> PlaceStatus:
    """The place's status on `festival`'s programme (`status_in`); cancelled once its
    session is gone from it altogether."""
    for round_, session in festival.sessions():
        if session.id == place.session_id:
            return status_in(place, round_, session)
    return "cancelled"


def status_in(place: Place, round_: Round, session: Session) -> PlaceStatus:
    """A place in a session taken off the programme (or in a round that was) is cancelled,
    whatever it was: the place row stays, so a session that comes back brings it back, but
    until then it gives no join link and no reminder."""
    return "cancelled" if session.cancelled or round_.cancelled else place.status


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

    def place_in_session(self, session_id: str) -> Place | None:
        return next((p for p in self.places if p.session_id == session_id), None)


@dataclass(frozen=True)
class SessionCount:
    """The places taken in one session by one way of attending."""

    session: str
    mode: str
    confirmed: int
    waitlisted: int
