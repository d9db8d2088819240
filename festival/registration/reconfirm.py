"""Reconfirmation of places: the one rule, and the transactions that follow it.

A festival whose programme sets `reconfirm_days_before` (N; 0 or absent: never) asks, at
09:00 in its own zone N days before its date (`ASK_AT`), every attendee holding a confirmed
place in a session of limited places to confirm it. Only those places hold a place someone
else could have: a session without a limit for the attendee's way of attending, and the
plenary, ask nothing. A place taken or moved up after that moment counts as confirmed: its
holder just chose it. The deadline is 48 hours later (`WINDOW`), but at the latest 12 hours
before the festival's first start (`MARGIN`), so whoever moves up still hears of it in time.

At the deadline the places still unconfirmed go to the end of their session's waitlist, and
the places they free go to the front of the line at once (`service.promote`, the one rule of
promotion), each in one transaction that locks the sessions first; the one who lost a place
and the one who moved up each get a mail. When fewer wait than places are freed, the first
unconfirmed places simply stay with their holders: moving them behind nobody would only
bring them back. A place asked once is never asked again, so repeating a step (a restart, a
second instance) changes nothing; and a place only goes to the waitlist if its holder was
asked, so a service that was down over the whole window moves nobody.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal

from festival.errors import NotFound
from festival.invites import service as invites
from festival.programme.model import Festival
from festival.registration.capacity import free, limit
from festival.registration.model import ATTENDANCE, Registration
from festival.registration.service import promote
from festival.registration.store import Held, RegistrationStore, RegistrationTx, Seats

ASK_AT = time(9, 0)  # in the festival's zone, `reconfirm_days_before` days before its date
WINDOW = timedelta(hours=48)  # from the asking to the deadline
MARGIN = timedelta(hours=12)  # the deadline is at least this long before the first start

Standing = Literal["off", "coming", "not_asked", "asked", "done", "lapsed"]
"""A registration's reconfirmation: `off` the festival asks none; `coming` the asking is still
to come and they hold a place it would ask about; `not_asked` nothing of theirs needs
confirming (their places came after the asking, or have no limit); `asked` a place waits for
their confirmation; `done` they confirmed; `lapsed` a place went (or goes, the deadline
passed) to the waitlist because it was not confirmed in time."""

Outcome = Literal["confirmed", "already", "lapsed", "nothing"]
"""What the confirm button did: confirmed now; confirmed before; too late (the place went or
goes to the waitlist); nothing to confirm."""


@dataclass(frozen=True)
class Window:
    """When a festival asks, and until when its attendees may confirm."""

    asks: datetime
    deadline: datetime


def window(festival: Festival) -> Window | None:
    """The festival's reconfirmation window; None when it asks none."""
    days = festival.reconfirm_days_before
    if days == 0:
        return None
    day = festival.date - timedelta(days=days)
    asks = datetime.combine(day, ASK_AT, tzinfo=festival.zone).astimezone(UTC)
    return Window(asks, min(asks + WINDOW, festival.span()[0] - MARGIN))


def ask_moment(festival: Festival, now: datetime) -> datetime | None:
    """When the scheduler asks: at the window's start, or now when a service that was down
    then is back before the deadline. None: no asking (any more)."""
    found = window(festival)
    if found is None or now >= found.deadline:
        return None
    return max(found.asks, now)


def deadline_moment(festival: Festival, now: datetime) -> datetime | None:
    """When the scheduler moves the unconfirmed places: at the deadline, or now when a
    service that was down then is back before the festival starts. None: not (any more)."""
    found = window(festival)
    if found is None or now >= festival.span()[0]:
        return None
    return max(found.deadline, now)


def standing(festival: Festival, registration: Registration, now: datetime) -> Standing:
    """Where the attendee stands, from their places' marks."""
    found = window(festival)
    if found is None:
        return "off"
    marks = {p.reconfirm for p in registration.places}
    if "lapsed" in marks or ("asked" in marks and now >= found.deadline):
        return "lapsed"
    if "asked" in marks:
        return "asked"
    if "done" in marks:
        return "done"
    limited = set(_limited(festival))
    held = any(
        p.status == "confirmed" and (p.session_id, registration.mode) in limited
        for p in registration.places
    )
    return "coming" if held and now < found.asks else "not_asked"


def _limited(festival: Festival) -> list[tuple[str, str]]:
    """(session, way of attending) of every place that is asked: sessions on the programme
    with a limit for that way of attending."""
    return [
        (session.id, mode)
        for round_, session in festival.sessions()
        if not (round_.cancelled or session.cancelled)
        for mode in ATTENDANCE
        if limit(session, mode) is not None
    ]


async def _festival_id(store: RegistrationStore, festival: Festival) -> int:
    found = await store.festival_rounds(festival.slug)
    if found is None:
        raise NotFound(f"no festival {festival.slug!r}", code="festival.not_found")
    return found[0]


async def ask(store: RegistrationStore, festival: Festival, *, now: datetime) -> int | None:
    """Ask every holder of a confirmed place of limited places, taken before the asking, to
    confirm it: their places are marked and one mail each is queued (once ever: its key).
    Returns how many attendees are waited for; None outside the window (nothing done)."""
    found = window(festival)
    if found is None or not found.asks <= now < found.deadline:
        return None
    festival_id = await _festival_id(store, festival)
    wanted = _limited(festival)
    async with store.writing() as tx:
        sessions = await tx.lock_sessions(festival_id, {key for key, _ in wanted})
        for key, mode in wanted:
            if key in sessions:
                await tx.ask_reconfirmation(sessions[key].id, mode, found.asks)
        asked = await tx.asked(festival_id)
        await invites.reconfirm_asked(tx.invites, asked, now)
    return len(asked)


async def lapse(store: RegistrationStore, festival: Festival, *, now: datetime) -> list[int] | None:
    """At the deadline: every place still unconfirmed goes to the end of its line and the
    places freed go to the next in line (`promote`), with the mails of both. Returns the
    registrations that lost a place; None before the deadline (nothing done)."""
    found = window(festival)
    if found is None or now < found.deadline:
        return None
    festival_id = await _festival_id(store, festival)
    wanted = _limited(festival)
    lost: list[int] = []
    async with store.writing() as tx:
        sessions = await tx.lock_sessions(festival_id, {key for key, _ in wanted})
        for key, mode in wanted:
            if key in sessions:
                lost += await _lapse_line(tx, sessions[key], mode, now)
    return lost


async def _lapse_line(tx: RegistrationTx, seats: Seats, mode: str, now: datetime) -> list[int]:
    """One session's line of one way of attending (its row locked by the caller)."""
    unconfirmed = await tx.unconfirmed(seats.id, mode)
    most = limit(seats, mode)
    if not unconfirmed or most is None:
        return []
    waiting = len(await tx.waiting(seats.id, mode, None))
    freed = free(most, await tx.confirmed(seats.id, mode) - len(unconfirmed))
    kept, moved = split(unconfirmed, waiting, freed)
    await tx.mark(kept, None)  # kept for want of anyone to give them to: no longer asked
    for place in moved:
        # Not recorded as given back (`give_back`): its holder did not give it up.
        await tx.to_line_end(place, now)
        await invites.reconfirm_lapsed(tx.invites, place.registration_id, seats.key, now)
    await promote(tx, seats, mode, now)
    await invites.reconcile(tx.invites, [p.registration_id for p in moved], now)
    return [p.registration_id for p in moved]


def split(unconfirmed: Sequence[Held], waiting: int, freed: int) -> tuple[list[Held], list[Held]]:
    """(kept, moved): the unconfirmed places go behind the `waiting` and `freed` places are
    filled from the front of that line, so the first `freed - waiting` of them come straight
    back; those stay where they are."""
    keep = max(0, min(len(unconfirmed), freed - waiting))
    return list(unconfirmed[:keep]), list(unconfirmed[keep:])


async def confirm(
    store: RegistrationStore, festival: Festival, registration_id: int, *, now: datetime
) -> Outcome:
    """The attendee's button: confirm every place asked of them, before the deadline. After
    it, or twice, nothing changes: the outcome says why."""
    found = window(festival)
    async with store.writing() as tx:
        holder = await tx.holder(registration_id)
        if holder is None:
            raise NotFound("registration not found", code="registration.not_found")
        # The sessions locked first, so the deadline's move cannot take a place meanwhile.
        keys = {p.session for p in await tx.places_of(registration_id)}
        await tx.lock_sessions(holder.festival_id, keys)
        places = await tx.places_of(registration_id)
        asked = [p for p in places if p.status == "confirmed" and p.reconfirm == "asked"]
        marks = {p.reconfirm for p in places}
        if found is None:
            return "nothing"
        if "lapsed" in marks or (asked and now >= found.deadline):
            return "lapsed"
        if asked:
            await tx.mark(asked, "done")
            return "confirmed"
        return "already" if "done" in marks else "nothing"
