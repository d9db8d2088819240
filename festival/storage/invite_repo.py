"""What goes into the outbox when registrations change, in the same transaction as the change.

Calendar invites are reconciled (`invites.plan_invites`) from what the attendee attends now
and what was last sent, so every caller just says "these registrations may have changed".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from festival.invites.plan import Attending, InviteAction, Sent, plan_invites
from festival.storage.mailing_repo import Queued, enqueue, enqueue_now
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
    """Queue one message to `registration`."""
    await enqueue(db, [_message(Recipient.of(registration), kind, dedupe_key, extra)], now=now)


class Recipient(NamedTuple):
    """What a message needs of its registration."""

    id: int
    festival_id: int
    name: str
    email: str
    language: str

    @classmethod
    def of(cls, row: RegistrationRow) -> Recipient:
        return cls(row.id, row.festival_id, row.name, row.email, row.language)


def _message(recipient: Recipient, kind: str, dedupe_key: str, extra: dict[str, object]) -> Queued:
    """The payload keeps what a mail needs even after the registration itself is erased
    (name, language, and its id for calendar UIDs)."""
    return Queued(
        festival_id=recipient.festival_id,
        registration_id=recipient.id,
        kind=kind,
        dedupe_key=dedupe_key,
        recipient=recipient.email,
        payload={
            "name": recipient.name,
            "language": recipient.language,
            "registration_id": recipient.id,
            **extra,
        },
    )


async def queue_link_again(db: AsyncSession, registration_id: int, now: datetime) -> None:
    """The personal link once more, for someone who registered again; at most once an hour."""
    registration = await db.get(RegistrationRow, registration_id)
    if registration is None:
        return
    await queue_for(db, registration, "link", f"link:{registration.id}:{now:%Y%m%d%H}", now)


async def queue_new_link(
    db: AsyncSession, registration_id: int, generation: int, now: datetime
) -> None:
    """The link the attendee just made, always: its key names the link's generation, so an
    earlier link mail that hour (which holds a link now revoked) cannot swallow it."""
    registration = await db.get(RegistrationRow, registration_id)
    if registration is None:
        return
    await queue_for(db, registration, "link", f"link:{registration.id}:new:{generation}", now)


async def queue_promoted(db: AsyncSession, place: PlaceRow, entry_key: str, now: datetime) -> None:
    registration = await db.get(RegistrationRow, place.registration_id)
    if registration is None:
        return
    key = f"promoted:{place.id}:{now.isoformat()}"
    await queue_for(db, registration, "promoted", key, now, entry=entry_key)


async def sync_invites(db: AsyncSession, registration_ids: Iterable[int], now: datetime) -> int:
    """Queue the REQUESTs and CANCELs that make these attendees' calendars true; returns how
    many were queued. Safe to call any number of times.

    A programme change reconciles every registration of the festival, so this works on many
    attendees at once: what they attend and were last sent is read with a few queries, and
    the invites and the new states are written with one executemany each (row by row, the
    ORM's inserts and flushes cost most of the time)."""
    ids = sorted(set(registration_ids))
    queued = 0
    for start in range(0, len(ids), _READ_AT_ONCE):
        chunk = ids[start : start + _READ_AT_ONCE]
        recipients = [
            Recipient(*row)
            for row in await db.execute(
                select(
                    RegistrationRow.id, RegistrationRow.festival_id, RegistrationRow.name,
                    RegistrationRow.email, RegistrationRow.language,
                )
                .where(RegistrationRow.id.in_(chunk))
                .order_by(RegistrationRow.id)
            )
        ]  # fmt: skip
        attending = await _attending(db, recipients)
        states: dict[int, dict[str, _State]] = defaultdict(dict)
        for row in await db.execute(
            select(
                InviteStateRow.id, InviteStateRow.registration_id, InviteStateRow.entry_key,
                InviteStateRow.sequence, InviteStateRow.method, InviteStateRow.version,
            ).where(InviteStateRow.registration_id.in_(chunk))
        ):  # fmt: skip
            states[row.registration_id][row.entry_key] = _State(*row)
        invites = _Invites()
        for recipient in recipients:
            invites.reconcile(recipient, attending[recipient.id], states[recipient.id])
        await _write_states(db, invites.new_states, invites.changed_states)
        await enqueue(db, invites.messages, now=now)
        queued += len(invites.messages)
    return queued


def queue_registered(
    conn: Connection,
    registration: Recipient,
    sessions: list[Attending],
    plenary: int | None,
    now: datetime,
) -> None:
    """What a new registration is sent: the welcome, then an invite for each item it attends
    (as `sync_invites` would queue them; it was sent nothing before, so there is nothing to
    read first). `sessions` are its confirmed places, `plenary` the plenary's version (None:
    none, or cancelled). Queued with one statement, and the invite states with another."""
    attending = [*sessions, *_plenary(plenary)]
    invites = _Invites()
    invites.reconcile(registration, attending, {})
    _write_states_now(conn, invites.new_states, invites.changed_states)
    welcome = _message(registration, "welcome", f"welcome:{registration.id}", {})
    enqueue_now(conn, [welcome, *invites.messages], now=now)


class _Invites:
    """The invites and invite states that make some attendees' calendars true."""

    def __init__(self) -> None:
        self.messages: list[Queued] = []
        self.new_states: list[dict[str, object]] = []
        self.changed_states: list[dict[str, object]] = []

    def reconcile(
        self, recipient: Recipient, attending: list[Attending], known: dict[str, _State]
    ) -> None:
        for action in _plan(attending, known):
            values = dict(sequence=action.sequence, method=action.method, version=action.version)
            if (state := known.get(action.entry)) is None:
                self.new_states.append(
                    dict(registration_id=recipient.id, entry_key=action.entry, **values)
                )
            else:
                self.changed_states.append(dict(state_id=state.id, **values))
            self.messages.append(_invite(recipient, action.entry, action.method, action.sequence))


_READ_AT_ONCE = 500  # registrations per query: keeps IN lists well within every limit


class _State(NamedTuple):
    """The last invite queued for one attendee and item (an `InviteStateRow`)."""

    id: int
    registration_id: int
    entry_key: str
    sequence: int
    method: str
    version: int


def _plan(attending: list[Attending], states: dict[str, _State]) -> list[InviteAction]:
    sent = [
        Sent(s.entry_key, s.sequence, "CANCEL" if s.method == "CANCEL" else "REQUEST", s.version)
        for s in states.values()
    ]
    return plan_invites(attending, sent)


async def _write_states(
    db: AsyncSession, new: list[dict[str, object]], changed: list[dict[str, object]]
) -> None:
    if new or changed:
        await db.run_sync(lambda session: _write_states_now(session.connection(), new, changed))


def _write_states_now(
    conn: Connection, new: list[dict[str, object]], changed: list[dict[str, object]]
) -> None:
    if new:
        conn.execute(_NEW_STATES, new)
    if changed:
        conn.execute(_CHANGE_STATE, changed)


_STATES = cast(Table, InviteStateRow.__table__)
_CHANGE_STATE = (
    update(_STATES)
    .where(_STATES.c.id == bindparam("state_id"))
    .values(
        sequence=bindparam("sequence"), method=bindparam("method"), version=bindparam("version")
    )
)
_NEW_STATES = insert(_STATES)


async def cancel_all_invites(db: AsyncSession, registration_id: int, now: datetime) -> None:
    """Before a registration is erased: CANCEL everything its calendar holds."""
    registration = await db.get(RegistrationRow, registration_id)
    if registration is None:
        return
    recipient = Recipient.of(registration)
    requested = await db.execute(
        select(InviteStateRow.entry_key, InviteStateRow.sequence).where(
            InviteStateRow.registration_id == registration_id, InviteStateRow.method == "REQUEST"
        )
    )
    messages = [_invite(recipient, entry, "CANCEL", sequence + 1) for entry, sequence in requested]
    await enqueue(db, messages, now=now)


def _invite(recipient: Recipient, entry: str, method: str, sequence: int) -> Queued:
    key = f"invite:{recipient.id}:{entry}:{sequence}"
    extra = {"entry": entry, "method": method, "sequence": sequence}
    return _message(recipient, "invite", key, extra)


async def _attending(db: AsyncSession, recipients: list[Recipient]) -> dict[int, list[Attending]]:
    """What each registration attends now: its confirmed sessions, and the plenary."""
    attending: dict[int, list[Attending]] = {r.id: [] for r in recipients}
    if not recipients:
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
            EntryRow.festival_id.in_({r.festival_id for r in recipients}),
            EntryRow.kind == "plenary",
            EntryRow.cancelled.is_(False),
        )
    )
    plenaries = {festival_id: version for festival_id, version in found}
    for recipient in recipients:
        attending[recipient.id] += _plenary(plenaries.get(recipient.festival_id))
    return attending


def _plenary(version: int | None) -> list[Attending]:
    """Everyone registered is expected at the plenary (the afternoon needs no choice)."""
    return [] if version is None else [Attending(PLENARY, version)]


async def registrations_attending(db: AsyncSession, festival_id: int) -> list[int]:
    """Every registration of a festival (for reconciling after a programme change)."""
    return list(
        await db.scalars(
            select(RegistrationRow.id).where(RegistrationRow.festival_id == festival_id)
        )
    )


async def calendar_of(
    db: AsyncSession, registration_id: int
) -> tuple[list[Attending], list[Sent]] | None:
    """What one registration attends now and the last invite queued per item (for its
    calendar feed), or None once the registration is erased."""
    registration = await db.get(RegistrationRow, registration_id)
    if registration is None:
        return None
    attending = await _attending(db, [Recipient.of(registration)])
    states = await db.execute(
        select(
            InviteStateRow.entry_key, InviteStateRow.sequence, InviteStateRow.method,
            InviteStateRow.version,
        ).where(InviteStateRow.registration_id == registration_id)
    )  # fmt: skip
    sent = [
        Sent(entry, sequence, "CANCEL" if method == "CANCEL" else "REQUEST", version)
        for entry, sequence, method, version in states
    ]
    return attending[registration_id], sent
