"""On-site check-in at the door: the attendee's check-in code, and what door staff see.

The code is what the QR on the personal page and in the last reminder carries, and what door
staff type when a phone cannot read it. It is drawn at random per registration and is not the
personal link: a QR shown at the door, photographed over a shoulder, must not open the
personal page. It is kept as it is (not hashed), because the attendee is shown it again on
every visit of the page and in the reminder; that is safe because the code opens nothing: only
a `checkin` role token turns it into a name and places, and a check-in changes nothing but the
moment of arrival. Twelve characters of Crockford's base32 (60 bits) cannot be guessed, yet a
person can read them out and type them: the alphabet has no I, L, O or U, and typing those
(or lower case, spaces, dashes) is forgiven (`normalise_code`).

Pure: no storage, no clock.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from festival.errors import Invalid, NotFound
from festival.programme.model import Festival
from festival.registration.model import Attendance, Registration, status_in

CODE_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH: Final = 12
_MISREAD: Final = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})
SEARCH_MIN: Final = 2
SEARCH_MAX: Final = 100
SEARCH_LIMIT: Final = 20
"""At most this many people per search: the door needs a short list, not the registrations."""


def new_checkin_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str | None:
    """The code as stored, from what was typed or scanned; None if it cannot be one."""
    code = typed.strip().upper().translate(_MISREAD)
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def shown_code(code: str) -> str:
    """In groups of four, as printed beside the QR: easier to read out and type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def has_door(festival: Festival) -> bool:
    """Only a festival with a venue checks people in."""
    return festival.mode != "online"


def shows_code(festival: Festival, registration: Registration) -> bool:
    """Whether the attendee is given a QR: those who said they come on site, to a festival
    with a venue. An online registrant who turns up anyway is found by name at the door."""
    return has_door(festival) and registration.mode == "onsite"


def door_for(festival: Festival) -> None:
    """Refuse check-in for an online festival: there is no door."""
    if not has_door(festival):
        raise NotFound(f"{festival.slug} is online only: no check-in", code="checkin.online")


def search_terms(q: str) -> str:
    """The part of a name to look for, folded (`folded`); a clear refusal for one too short or
    too long."""
    needle = " ".join(q.split())
    if len(needle) < SEARCH_MIN:
        raise Invalid({"q": f"type at least {SEARCH_MIN} letters of the name"})
    if len(needle) > SEARCH_MAX:
        raise Invalid({"q": f"at most {SEARCH_MAX} characters"})
    return folded(needle)


def folded(name: str) -> str:
    """A name as the door's search compares it: case and accents aside ("ozlem" finds Özlem,
    "muller" Müller), spaces run together. Decided here rather than by the database, whose
    lower() leaves letters outside ASCII as they are on SQLite."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def found_by(names: list[tuple[int, str]], needle: str) -> list[int]:
    """The ids whose name holds `needle` (as `search_terms` gives it), by name, at most
    SEARCH_LIMIT."""
    hits = sorted((folded(name), i) for i, name in names if needle in folded(name))
    return [i for _, i in hits[:SEARCH_LIMIT]]


@dataclass(frozen=True)
class DoorPlace:
    """A confirmed place the attendee holds, as the door shows it."""

    session: str
    title: str
    start: datetime


@dataclass(frozen=True)
class CheckIn:
    """What door staff see of one attendee."""

    name: str
    organisation: str
    mode: Attendance
    code: str
    places: tuple[DoorPlace, ...]
    checked_in_at: datetime | None
    first: bool  # this request checked them in


def places_at_door(festival: Festival, registration: Registration) -> tuple[DoorPlace, ...]:
    """The sessions the attendee holds a confirmed place in that still take place, by start:
    the rooms they may go to (a place on a waitlist is no place)."""
    held = []
    for round_, session in festival.sessions():
        place = registration.place_in(round_.id)
        if place is None or place.session_id != session.id:
            continue
        if status_in(place, round_, session) == "confirmed":
            held.append(DoorPlace(session.id, session.title, session.start))
    return tuple(sorted(held, key=lambda p: (p.start, p.session)))
