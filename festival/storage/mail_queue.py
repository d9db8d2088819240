"""What goes into the outbox when registrations change, in the same transaction as the change.

Calendar invites are reconciled (`invites.plan_invites`) from what the attendee attends now
and what was last sent, so every caller just says "these registrations may have changed".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from festival.invites.plan import Attending, Sent, plan_invites
from festival.storage.outbox_repo import enqueue
from festival.storage.tables import EntryRow, InviteStateRow, PlaceRow, RegistrationRow

PLENARY = "plenary"


async def queue_for(
    db: AsyncSession,
    registration: RegistrationRow,
    kind: str,
    dedupe_key: str,
    now: datetime,
    **extra: object,
) -> None:
    """Queue one message to `registration`; the payload keeps what a mail needs even after
    the registration itself is erased (name, language, and its id for calendar UIDs)."""
    await enqueue(
        db,
        festival_id=registration.festival_id,
        registration_id=registration.id,
        kind=kind,
        dedupe_key=dedupe_key,
        recipient=registration.email,
        payload={
            "name": registration.name,
            "language": registration.language,
            "registration_id": registration.id,
            **extra,
        },
        now=now,
    )


async def queue_welcome(db: AsyncSession, registration: RegistrationRow, now: datetime) -> None:
    await queue_for(db, registration, "welcome", f"welcome:{registration.id}", now)


async def queue_link_again(db: AsyncSession, registration_id: int, now: datetime) -> None:
    """The personal link once more, for someone who registered again; at most once an hour."""
    registration = await db.get(RegistrationRow, registration_id)
    if registration is None:
        return
    await queue_for(db, registration, "link", f"link:{registration.id}:{now:%Y%m%d%H}", now)


async def queue_promoted(db: AsyncSession, place: PlaceRow, entry_key: str, now: datetime) -> None:
    registration = await db.get(RegistrationRow, place.registration_id)
    if registration is None:
        return
    key = f"promoted:{place.id}:{now.isoformat()}"
    await queue_for(db, registration, "promoted", key, now, entry=entry_key)


async def sync_invites(db: AsyncSession, registration_ids: Iterable[int], now: datetime) -> int:
    """Queue the REQUESTs and CANCELs that make these attendees' calendars true; returns how
    many were queued. Safe to call any number of times.

    What each attendee attends and was last sent is read for many attendees at once: a
    programme change reconciles every registration of the festival."""
    ids = sorted(set(registration_ids))
    queued = 0
    for start in range(0, len(ids), _READ_AT_ONCE):
        chunk = ids[start : start + _READ_AT_ONCE]
        registrations = list(
            await db.scalars(
                select(RegistrationRow)
                .where(RegistrationRow.id.in_(chunk))
                .order_by(RegistrationRow.id)
            )
        )
        attending = await _attending(db, registrations)
        states: dict[int, dict[str, InviteStateRow]] = defaultdict(dict)
        for state in await db.scalars(
            select(InviteStateRow).where(InviteStateRow.registration_id.in_(chunk))
        ):
            states[state.registration_id][state.entry_key] = state
        for registration in registrations:
            queued += await _reconcile(
                db, registration, attending[registration.id], states[registration.id], now
            )
    await db.flush()
    return queued


_READ_AT_ONCE = 500  # registrations per query: keeps IN lists well within every limit


async def _reconcile(
    db: AsyncSession,
    registration: RegistrationRow,
    attending: list[Attending],
    states: dict[str, InviteStateRow],
    now: datetime,
) -> int:
    sent = [
        Sent(s.entry_key, s.sequence, "CANCEL" if s.method == "CANCEL" else "REQUEST", s.version)
        for s in states.values()
    ]
    actions = plan_invites(attending, sent)
    for action in actions:
        state = states.get(action.entry)
        if state is None:
            state = InviteStateRow(
                registration_id=registration.id, entry_key=action.entry, sequence=0,
                method="", version=0,
            )  # fmt: skip
            db.add(state)
        state.sequence, state.method, state.version = (
            action.sequence,
            action.method,
            action.version,
        )
        await _queue_invite(db, registration, action.entry, action.method, action.sequence, now)
    return len(actions)


async def cancel_all_invites(db: AsyncSession, registration_id: int, now: datetime) -> None:
    """Before a registration is erased: CANCEL everything its calendar holds."""
    registration = await db.get(RegistrationRow, registration_id)
    if registration is None:
        return
    for state in await db.scalars(
        select(InviteStateRow).where(
            InviteStateRow.registration_id == registration_id, InviteStateRow.method == "REQUEST"
        )
    ):
        await _queue_invite(db, registration, state.entry_key, "CANCEL", state.sequence + 1, now)


async def _queue_invite(
    db: AsyncSession,
    registration: RegistrationRow,
    entry: str,
    method: str,
    sequence: int,
    now: datetime,
) -> None:
    key = f"invite:{registration.id}:{entry}:{sequence}"
    await queue_for(db, registration, "invite", key, now, entry=entry, method=method,
                    sequence=sequence)  # fmt: skip


async def _attending(
    db: AsyncSession, registrations: list[RegistrationRow]
) -> dict[int, list[Attending]]:
    """What each registration attends now: its confirmed sessions, and the plenary."""
    attending: dict[int, list[Attending]] = {r.id: [] for r in registrations}
    if not registrations:
        return attending
    rows = await db.execute(
        select(PlaceRow.registration_id, EntryRow.key, EntryRow.version)
        .join(PlaceRow, PlaceRow.entry_id == EntryRow.id)
        .where(PlaceRow.registration_id.in_(list(attending)), PlaceRow.status == "confirmed")
        .where(EntryRow.cancelled.is_(False))
    )
    for registration_id, key, version in rows:
        attending[registration_id].append(Attending(key, version))
    found = await db.execute(
        select(EntryRow.festival_id, EntryRow.version).where(
            EntryRow.festival_id.in_({r.festival_id for r in registrations}),
            EntryRow.kind == "plenary",
            EntryRow.cancelled.is_(False),
        )
    )
    plenaries = {festival_id: version for festival_id, version in found}
    for registration in registrations:
        if registration.festival_id in plenaries:
            # Everyone registered is expected at the plenary (the afternoon needs no choice).
            attending[registration.id].append(
                Attending(PLENARY, plenaries[registration.festival_id])
            )
    return attending


async def registrations_attending(db: AsyncSession, festival_id: int) -> list[int]:
    """Every registration of a festival (for reconciling after a programme change)."""
    return list(
        await db.scalars(
            select(RegistrationRow.id).where(RegistrationRow.festival_id == festival_id)
        )
    )
