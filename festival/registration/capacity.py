"""The capacity rule, once: how many places a session has for a way of attending, how many
are free, and how full the programme shows it.

Online attendees take the session's places (`capacity`), on-site attendees its seats
(`seats`): two separate limits, each counting only the confirmed places of its own mode.
None means no limit. Registering, promoting off a waitlist, assigning a round and the pages
all ask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, overload

from festival.programme.model import Festival
from festival.registration.model import SessionCount


class Limited(Protocol):
    """Anything that carries a session's two limits (a programme session, a stored one)."""

    @property
    def seats(self) -> int | None: ...

    @property
    def capacity(self) -> int | None: ...


def limit(session: Limited, mode: str) -> int | None:
    """The places of `session` for attendees of `mode`; None: no limit."""
    return session.seats if mode == "onsite" else session.capacity


@overload
def free(limit: int, taken: int) -> int: ...
@overload
def free(limit: None, taken: int) -> None: ...
def free(limit: int | None, taken: int) -> int | None:
    """Places left of `limit` when `taken` are confirmed; None: no limit. Never negative: a
    session whose limit was lowered below its confirmed places is simply full."""
    return None if limit is None else max(0, limit - taken)


def has_room(limit: int | None, taken: int) -> bool:
    """Whether one more attendee gets a confirmed place rather than a place in line."""
    return limit is None or free(limit, taken) > 0


@dataclass(frozen=True)
class Availability:
    """How full a session is, per way of attending."""

    confirmed: int
    waitlisted: int
    places_left: int | None  # online; None = no limit
    seats_left: int | None  # on site; None = no limit

    @property
    def full(self) -> bool:
        return self.places_left == 0 or self.seats_left == 0


def availability(
    festival: Festival, counts: dict[str, list[SessionCount]]
) -> dict[str, Availability]:
    """Every session's availability, from the places taken (`session_counts` in storage)."""
    out = {}
    for _, s in festival.sessions():
        by_mode = {c.mode: c for c in counts.get(s.id, [])}
        online, onsite = by_mode.get("online"), by_mode.get("onsite")
        out[s.id] = Availability(
            confirmed=sum(c.confirmed for c in by_mode.values()),
            waitlisted=sum(c.waitlisted for c in by_mode.values()),
            places_left=free(limit(s, "online"), online.confirmed if online else 0),
            seats_left=free(limit(s, "onsite"), onsite.confirmed if onsite else 0),
        )
    return out
