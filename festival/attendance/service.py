"""Attendance as it is recorded, and what it earns: a use of a personal join link, decided
by the join window (`attendance.window`) and recorded when it leads to the item's link; a
check-in at the door, by the rules of `attendance.checkin`; and the certificate of attendance
(`attendance.certificate`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from festival.attendance.certificate import (
    Eligibility,
    attended_minutes,
    eligibility,
    new_code,
)
from festival.attendance.checkin import (
    CheckIn,
    door_for,
    found_by,
    new_checkin_code,
    normalise_code,
    places_at_door,
    search_terms,
)
from festival.attendance.store import AttendanceStore
from festival.attendance.window import JoinDecision, join_decision
from festival.errors import NotFound
from festival.invites import service as invites
from festival.invites.store import InviteStore
from festival.programme.model import Festival
from festival.registration.model import Registration
from festival.show import Show


async def join(
    store: AttendanceStore,
    festival: Festival,
    registration: Registration,
    entry: str,
    *,
    now: datetime,
    lead_minutes: int,
    show: Show | None,
    record: bool = True,
) -> JoinDecision:
    """Where the link leads now; a use that opens the item counts as attending it. `record`
    False: only look (a HEAD request, which no person makes to join)."""
    decision = join_decision(
        festival, registration, entry, now, lead_minutes=lead_minutes, show=show
    )
    if record and decision.outcome == "open":
        await store.record_join(registration.id, entry, now)
    return decision


@dataclass(frozen=True)
class Certificate:
    """An attendee's certificate as it stands: what it says, and its verification code once
    it can be had (`eligibility.standing == "ready"`), else ""."""

    festival: Festival
    registration: Registration
    eligibility: Eligibility
    code: str


async def certificate(
    store: AttendanceStore,
    festival: Festival,
    registration: Registration,
    *,
    now: datetime,
) -> Certificate:
    """The attendee's certificate: where they stand, and when it can be had, its code (issued
    now if this is the first time; the same one ever after)."""
    attended = attended_minutes(
        festival,
        registration,
        await store.joins(registration.id),
        await store.checked_in_at(registration.id),
    )
    standing = eligibility(festival, attended, now)
    code = ""
    if standing.standing == "ready":
        code = await store.issue_certificate(registration.id, new_code(), standing.total, now)
    return Certificate(festival, registration, standing, code)


async def checkin_code(store: AttendanceStore, registration_id: int) -> str:
    """The attendee's check-in code, drawn the first time it is asked for (the personal page,
    `/api/me`, the last reminder, a search at the door): one code per registration, kept."""
    return await store.checkin_code(registration_id, new_checkin_code())


async def check_in(
    store: AttendanceStore, festival: Festival, typed: str, now: datetime
) -> CheckIn:
    """Check in the holder of the code `typed` at `festival`. Counted once: the same code again
    (a retry after a dropped connection, a second scan) answers with the first moment."""
    door_for(festival)
    code = normalise_code(typed)
    arrival = await store.check_in(festival.slug, code, now) if code else None
    registration = await store.registration(arrival.registration_id) if arrival else None
    if code is None or arrival is None or registration is None:
        # A made-up code and another festival's look alike: nothing tells them apart.
        raise NotFound(f"no registration of {festival.slug} has this code", code="checkin.unknown")
    return _at_door(festival, registration, code, arrival.checked_in_at, first=arrival.first)


async def search(store: AttendanceStore, festival: Festival, q: str) -> list[CheckIn]:
    """The festival's attendees whose name holds `q`, for someone without their code."""
    door_for(festival)
    found = []
    needle = search_terms(q)
    for registration_id in found_by(await store.names(festival.slug), needle):
        registration = await store.registration(registration_id)
        if registration is not None:
            code = await checkin_code(store, registration_id)
            arrived = await store.checked_in_at(registration_id)
            found.append(_at_door(festival, registration, code, arrived, first=False))
    return found


def _at_door(
    festival: Festival, r: Registration, code: str, arrived: datetime | None, *, first: bool
) -> CheckIn:
    places = places_at_door(festival, r)
    return CheckIn(r.name, r.organisation, r.mode, code, places, arrived, first)


async def certificate_mail(
    store: AttendanceStore,
    invite_store: InviteStore,
    festival: Festival,
    registrations: Iterable[Registration],
    *,
    now: datetime,
) -> int:
    """After the festival's end, the "after the day" mail for each of `registrations` (the
    festival's) who earned a certificate, once each (`invites.service.certificate_ready`);
    returns how many earned one. Nothing before the end or for a festival without them."""
    joins = await store.festival_joins(festival.slug)
    arrivals = await store.festival_checkins(festival.slug)
    ready = [
        r.id
        for r in registrations
        if eligibility(
            festival, attended_minutes(festival, r, joins.get(r.id, []), arrivals.get(r.id)), now
        ).standing
        == "ready"
    ]
    await invites.certificate_ready(invite_store, ready, now)
    return len(ready)
