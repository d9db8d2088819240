"""Who gets a certificate of attendance, for which minutes: the one rule.

An attendee attended an item from the moment they first joined it online (their personal join
link, `attendance.service.join`) or checked in on site, whichever came first, until the item's
end; never before its start, so an item counts at most its own length. A check-in counts for
the plenary and for every session the attendee holds a confirmed place in. The festival gives
certificates when its programme sets `certificate_minimum_minutes` (absent or 0: none), after
its end, to those whose minutes add up to at least that. Pure: the caller passes in the joins,
the check-in and `now`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from festival.attendance.store import Joined
from festival.invites.watch_again import CATCH_UP
from festival.programme.model import PLENARY, Festival
from festival.registration.model import Registration, status_in

Standing = Literal["none", "not_yet", "below", "ready"]
"""`none`: the festival gives no certificates. `not_yet`: it has not ended. `below`: the
attendee attended fewer minutes than the minimum. `ready`: the certificate can be made."""

# Unambiguous on paper and read aloud: no 0/O, 1/I/L, 5/S, 2/Z, 8/B.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_GROUPS = 4  # of four characters: 25**16, about 2**74 codes; guessing one is hopeless


@dataclass(frozen=True)
class Attended:
    """One item the attendee attended, with its minutes."""

    entry: str  # session id, or "plenary"
    title: str
    start: datetime
    minutes: int


@dataclass(frozen=True)
class Eligibility:
    """Whether the attendee gets a certificate now, and what it would say."""

    standing: Standing
    items: tuple[Attended, ...]
    minimum: int
    ends: datetime  # the festival's end, when certificates can first be had

    @property
    def total(self) -> int:
        return sum(item.minutes for item in self.items)


def attended_minutes(
    festival: Festival,
    registration: Registration,
    joins: Iterable[Joined],
    checked_in_at: datetime | None,
) -> list[Attended]:
    """The items `registration` attended, in programme order, each with its whole minutes;
    items attended for less than a minute are left out."""
    first_join = {j.entry: j.first for j in joins}
    confirmed = {
        session.id
        for round_, session in festival.sessions()
        for place in registration.places
        if place.session_id == session.id and status_in(place, round_, session) == "confirmed"
    }
    # (entry, title, start, end) of every item on the programme an attendee can attend.
    items = [
        (s.id, s.title, s.start, s.end)
        for r, s in festival.sessions()
        if not (s.cancelled or r.cancelled)
    ]
    if (plenary := festival.plenary) is not None:
        items.append((PLENARY, plenary.title, plenary.start, plenary.end))
    attended: list[Attended] = []
    for entry, title, start, end in sorted(items, key=lambda item: (item[2], item[0])):
        came = [first_join[entry]] if entry in first_join else []
        if checked_in_at is not None and (entry == PLENARY or entry in confirmed):
            came.append(checked_in_at)
        if not came:
            continue
        minutes = (end - max(min(came), start)) // timedelta(minutes=1)
        if minutes > 0:
            attended.append(Attended(entry, title, start, minutes))
    return attended


def eligibility(festival: Festival, attended: Iterable[Attended], now: datetime) -> Eligibility:
    """Where the attendee stands: no certificates, not yet, too few minutes, or ready."""
    minimum = festival.certificate_minimum_minutes
    ends = festival.span()[1]
    items = tuple(attended)
    standing: Standing
    if minimum == 0:
        standing = "none"
    elif now < ends:
        standing = "not_yet"
    elif sum(item.minutes for item in items) < minimum:
        standing = "below"
    else:
        standing = "ready"
    return Eligibility(standing, items, minimum, ends)


def certificate_mail_moment(festival: Festival, now: datetime) -> datetime | None:
    """When the scheduler mails those who earned a certificate: at the festival's end (or
    now, catching up within a day after a service down over the end, as the watch-again mail
    does). None for a festival without certificates, or one that ended longer ago."""
    end = festival.span()[1]
    if festival.certificate_minimum_minutes == 0 or now >= end + CATCH_UP:
        return None
    return max(end, now)


def new_code() -> str:
    """A fresh verification code, e.g. `K7QD-3MXA-RTN9-CW4H`: random, so it says nothing of
    the attendee and cannot be derived from anything."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(4 * CODE_GROUPS))
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


def normal_code(typed: str) -> str:
    """A code as typed or read from paper (lower case, spaces, missing dashes) in the form
    it is stored in; anything that cannot be a code comes back as "" (matches nothing)."""
    chars = "".join(c for c in typed.upper() if c not in " -")
    if len(chars) != 4 * CODE_GROUPS or any(c not in CODE_ALPHABET for c in chars):
        return ""
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))
