"""Who gets a place, who waits, who moves up: registering, changing and giving up a place,
erasing a registration, assigning a round.

Each operation is one write transaction of a `RegistrationStore` (storage implements it with
SQL). Every decision "is there still a place?" is taken in it after the sessions concerned
are locked (PostgreSQL: their rows, FOR UPDATE; SQLite: the whole database, its writers
taking turns), so two requests for the last place are served one after the other and a
session never holds more confirmed places than it has (`capacity`). A place freed while
people wait goes to the front of the line, at once, in the same transaction (`promote`).
What each change mails (welcome, promotion, calendar invites) is `invites.service`'s, queued
in the same transaction (`RegistrationTx.invites`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from festival.errors import FestivalError, Invalid, NotFound
from festival.invites import service as invites
from festival.invites.store import Attending, Recipient
from festival.qa.rules import anonymiser
from festival.registration.assignment import Preference, assign
from festival.registration.capacity import free, has_room, limit
from festival.registration.model import Place, Registration, RegistrationRequest
from festival.registration.store import (
    Conflict,
    NewPlace,
    NewRegistrationTx,
    RegistrationStore,
    RegistrationTx,
    Seats,
    Taken,
)


@dataclass(frozen=True)
class Registered:
    """What `register` did: a new registration with its secret token, or the existing one."""

    registration: Registration
    token: str | None  # None when the e-mail was already registered
    created: bool


class PlaceRefused(FestivalError):
    """A change of place the rules refuse; nothing changed. `key` names the text that says
    why (festival.i18n), told to the attendee in their language where the request came in."""

    code = "registration.refused"

    def __init__(self, field: str, key: str) -> None:
        super().__init__(f"{field}: {key}")
        self.field = field
        self.key = key


async def register(
    store: RegistrationStore, festival: str, request: RegistrationRequest, *, now: datetime
) -> Registered:
    """Register once per e-mail; a second attempt returns the existing registration.

    A rush runs through here, and on SQLite its transactions run one at a time: a new
    registration's transaction (`_register_new`) holds only what must be decided and written
    together, run in one go (`RegistrationStore.at_once`); the registration returned is made
    from what was written."""
    try:
        new = await store.at_once(partial(_register_new, festival, request, now))
        if new is not None:
            return new
        async with store.writing() as tx:  # registered before: the link again
            existing = await tx.registered(festival, request.email_key)
            if existing is None:  # erased since: register anew
                return await register(store, festival, request, now=now)
            await invites.link_again(tx.invites, existing, now)
            return Registered(await tx.read(existing), None, created=False)
    except Conflict:
        # Two requests with the same e-mail raced; the other one won. Show it, as above.
        async with store.writing() as tx:
            existing = await tx.registered(festival, request.email_key)
            if existing is None:
                raise
            return Registered(await tx.read(existing), None, created=False)


def _register_new(
    festival: str, request: RegistrationRequest, now: datetime, tx: NewRegistrationTx
) -> Registered | None:
    """The transaction of a new registration: its places taken (or its places in line), its
    personal link, its welcome and invites queued. None when the e-mail is registered."""
    festival_id = tx.festival_id(festival)
    if festival_id is None:
        raise NotFound(f"no festival {festival!r}", code="festival.not_found")
    sessions, plenary = tx.sessions(festival_id, request.choices.values(), request.mode)
    registration_id = tx.add_registration(festival_id, request, now)
    if registration_id is None:
        return None
    places = [
        _new_place(sessions[session_key], request.mode, round_key, session_key)
        for round_key, session_key in sorted(request.choices.items())
    ]
    if places:
        tx.add_places(
            request.mode,
            [
                NewPlace(registration_id, sessions[p.session_id].id, p.round_id, p.status)
                for p in places
            ],
            now,
        )
    rankings = dict(sorted(request.rankings.items()))
    if rankings:
        tx.add_rankings(registration_id, rankings)
    token = tx.first_link(registration_id, festival_id, now)
    recipient = Recipient(
        registration_id, festival_id, request.name, request.email, request.language
    )
    attending = [
        Attending(p.session_id, sessions[p.session_id].version)
        for p in places
        if p.status == "confirmed" and not sessions[p.session_id].cancelled
    ]
    plenary_version = None if plenary is None or plenary.cancelled else plenary.version
    tx.queue(invites.welcome(recipient, attending, plenary_version), now)
    registration = Registration(
        id=registration_id,
        festival=festival,
        name=request.name,
        email=request.email,
        organisation=request.organisation,
        language=request.language,
        mode=request.mode,
        created_at=now,
        places=tuple(places),
        rankings=rankings,
    )
    return Registered(registration, token, created=True)


def _new_place(session: Taken, mode: str, round_key: str, session_key: str) -> Place:
    """The place a new registration takes: confirmed while the session has room, else the
    next place in line (its row comes after every row there, so after everyone waiting)."""
    if has_room(limit(session, mode), session.confirmed):
        return Place(round_key, session_key, "confirmed", None, None)
    return Place(round_key, session_key, "waitlisted", session.waitlisted + 1, None)


async def change_place(
    store: RegistrationStore,
    registration_id: int,
    round_key: str,
    session_key: str | None,
    *,
    now: datetime,
) -> tuple[Registration, list[int]]:
    """Move to another session of a round, or give the place up (`session_key` None); the
    place left goes to the front of its line.

    Returns the registration and the ids of registrations promoted off a waitlist. Raises
    `PlaceRefused` for a confirmed place traded for a place in line.
    """
    async with store.writing() as tx:
        holder = await tx.holder(registration_id)
        if holder is None:
            raise NotFound("registration not found", code="registration.not_found")
        keys = [session_key] if session_key else []
        old = await tx.place_in(registration_id, round_key)
        if old is not None:
            keys.append(old.session)
        sessions = await tx.lock_sessions(holder.festival_id, keys)
        if session_key and session_key not in sessions:
            raise Invalid({f"choices.{round_key}": "unknown session"})
        promoted: list[int] = []
        if old is not None:
            if session_key and sessions[session_key].id == old.entry_id:
                return await tx.read(registration_id), []  # already there: nothing to do
            if (
                session_key
                and old.status == "confirmed"
                and not await _room(tx, sessions[session_key], holder.mode)
            ):
                # Swapping a sure place for a place in line is rarely what anyone means.
                raise PlaceRefused(f"choices.{round_key}", "err_full_keep")
            await tx.drop_place(old.id)
            if old.status == "confirmed":
                await tx.give_back(old, now)
                promoted = await promote(tx, sessions[old.session], old.mode, now)
        if session_key:
            room = await _room(tx, sessions[session_key], holder.mode)
            status = "confirmed" if room else "waitlisted"
            place = NewPlace(registration_id, sessions[session_key].id, round_key, status)
            await tx.add_places(holder.mode, [place], now)
        await invites.reconcile(tx.invites, [registration_id], now)
        return await tx.read(registration_id), promoted


async def _room(tx: RegistrationTx, session: Seats, mode: str) -> bool:
    most = limit(session, mode)
    return most is None or has_room(most, await tx.confirmed(session.id, mode))


async def promote(tx: RegistrationTx, session: Seats, mode: str, now: datetime) -> list[int]:
    """Fill free places from the front of the waitlist; returns the promoted registrations."""
    most = limit(session, mode)
    room = None if most is None else free(most, await tx.confirmed(session.id, mode))
    if room == 0:
        return []
    promoted = await tx.waiting(session.id, mode, room)
    await tx.confirm(promoted, now)
    for place in promoted:
        await invites.promoted(tx.invites, place.registration_id, place.id, place.session, now)
    await invites.reconcile(tx.invites, [p.registration_id for p in promoted], now)
    return [p.registration_id for p in promoted]


@dataclass(frozen=True)
class Erased:
    """What erasing a registration did, for the live channels to follow: who the person was
    in live events and who stands in now."""

    festival_id: int
    promoted: list[int]  # registrations moved up from a waitlist into the freed places
    person: str  # the erased registration's id in live events: r<id>
    stand_in: str  # the id their questions and votes carry now, which no viewer has
    channels: list[str]  # live channels whose stored events named them


def live_id(registration_id: int) -> str:
    """How live events name an attendee (their asker and voter id)."""
    return f"r{registration_id}"


async def erase(store: RegistrationStore, registration_id: int, *, now: datetime) -> Erased:
    """Erase a registration and every trace of it (`RegistrationTx.erase`); its places go to
    the front of their waitlists, in the same transaction."""
    async with store.writing() as tx:
        holder = await tx.holder(registration_id)
        if holder is None:
            raise NotFound("registration not found", code="registration.not_found")
        places = await tx.places_of(registration_id)
        sessions = await tx.lock_sessions(holder.festival_id, [p.session for p in places])
        person = live_id(registration_id)
        # Random, so the stand-in says nothing about who it was; unique per erasure, so
        # two erased voters still count as two votes.
        stand_in = f"erased-{secrets.token_hex(6)}"
        channels = await tx.erase(
            registration_id, person, stand_in, anonymiser(person, stand_in), now
        )
        promoted: list[int] = []
        for place in places:
            if place.status == "confirmed":
                await tx.give_back(place, now)
                promoted += await promote(tx, sessions[place.session], place.mode, now)
        return Erased(holder.festival_id, promoted, person, stand_in, channels)


async def new_link(store: RegistrationStore, registration_id: int, *, now: datetime) -> str:
    """What the attendee's "new link" button does: a new personal link, every earlier one
    revoked, and the link mailed to them, in one transaction. Every new link is mailed, even
    when a link mail went out that hour already (that one holds a link now revoked)."""
    async with store.writing() as tx:
        token, generation = await tx.reissue_link(registration_id, now)
        await invites.new_link(tx.invites, registration_id, generation, now)
        return token


# -- assigning rounds ------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundResult:
    round: str
    placed: int
    waitlisted: int
    already_done: bool


async def assign_rounds(
    store: RegistrationStore, festival: str, *, now: datetime
) -> list[RoundResult]:
    """Turn ranked preferences into places, once per round (`festival assign`, or at the
    festival's assignment_closes). A round assigned before, here or by another instance,
    is left as it is."""
    found = await store.festival_rounds(festival)
    if found is None:
        return []
    festival_id, rounds = found
    results = []
    for round_key in rounds:
        try:
            results.append(await _assign_round(store, festival_id, round_key, now))
        except Conflict:
            # Another instance finished this round between our check and our commit.
            results.append(RoundResult(round_key, 0, 0, already_done=True))
    return results


async def _assign_round(
    store: RegistrationStore, festival_id: int, round_key: str, now: datetime
) -> RoundResult:
    """One round, per way of attending (online places and on-site seats are separate
    capacities): `assignment.assign` places whom it can; the rest wait for their first
    choice."""
    async with store.writing() as tx:
        await tx.lock_festival(festival_id)
        done = await tx.assigned(festival_id, round_key)
        if done is not None:
            return RoundResult(round_key, *done, already_done=True)
        sessions = await tx.round_sessions(festival_id, round_key)
        wanted = await tx.rankings(festival_id, round_key)
        seed = secrets.token_hex(16)  # drawn now, so nobody could know the lottery in advance
        placed = waitlisted = 0
        for mode in ("online", "onsite"):
            preferences = [
                Preference(str(r.registration_id), tuple(s for s in r.ranking if s in sessions))
                for r in wanted
                if r.mode == mode
            ]
            if not preferences:
                continue
            capacities = {
                key: await _free(tx, session, mode, len(preferences))
                for key, session in sessions.items()
            }
            outcome = assign(capacities, preferences, seed=f"{seed}:{round_key}:{mode}")
            new: list[NewPlace] = []
            for attendee, session in sorted(outcome.placed.items(), key=lambda x: int(x[0])):
                new.append(NewPlace(int(attendee), sessions[session].id, round_key, "confirmed"))
                placed += 1
            first_choice = {p.attendee: p.ranking[0] for p in preferences if p.ranking}
            for session, line in outcome.waitlists.items():
                # One place per round: the unplaced wait for their first choice, in the order
                # the assignment gives (rank given, then the seeded lottery).
                for attendee in line:
                    if attendee not in outcome.placed and first_choice.get(attendee) == session:
                        place = NewPlace(
                            int(attendee), sessions[session].id, round_key, "waitlisted"
                        )
                        new.append(place)
                        waitlisted += 1
            await tx.add_places(mode, new, now)
        await invites.reconcile(tx.invites, [r.registration_id for r in wanted], now)
        await tx.record_assignment(festival_id, round_key, seed, placed, waitlisted, now)
    return RoundResult(round_key, placed, waitlisted, already_done=False)


async def _free(tx: RegistrationTx, session: Seats, mode: str, everyone: int) -> int:
    most = limit(session, mode)
    if most is None:
        return everyone  # no limit: room for all who ask
    return free(most, await tx.confirmed(session.id, mode))
