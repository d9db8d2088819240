"""What goes into the outbox when registrations or the programme change, and when.

Calendar invites are reconciled (`plan_invites`) from what an attendee attends now and what
they were last sent, so every caller just says "these registrations may have changed". Each
function works in the transaction of the store it is given: the change and its mail are
committed together, or neither.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from festival.invites.plan import Method, Sent, plan_invites
from festival.invites.store import (
    Attending,
    Batch,
    ChangedState,
    InviteStore,
    NewState,
    Queued,
    Recipient,
    SentState,
)
from festival.invites.watch_again import watch_again_due, watch_again_key
from festival.programme.changes import LoadReport
from festival.programme.model import PLENARY

READ_AT_ONCE = 500  # registrations per query: keeps IN lists well within every limit


async def reconcile(store: InviteStore, registration_ids: Iterable[int], now: datetime) -> int:
    """Queue the REQUESTs and CANCELs that make these attendees' calendars true; returns how
    many were queued. Safe to call any number of times.

    A programme change reconciles every registration of the festival, so this works on many
    attendees at once: a few reads and a few writes per `READ_AT_ONCE` attendees."""
    ids = sorted(set(registration_ids))
    queued = 0
    for start in range(0, len(ids), READ_AT_ONCE):
        chunk = ids[start : start + READ_AT_ONCE]
        recipients = await store.recipients(chunk)
        attending = await _attending(store, recipients)
        states: dict[int, dict[str, SentState]] = defaultdict(dict)
        for state in await store.sent(chunk):
            states[state.registration_id][state.entry_key] = state
        batch = Batch()
        for recipient in recipients:
            _reconcile(batch, recipient, attending[recipient.id], states[recipient.id])
        await store.write(batch, now=now)
        queued += len(batch.messages)
    return queued


async def programme_saved(store: InviteStore, report: LoadReport, now: datetime) -> int:
    """After a programme is loaded: when times, links or places moved, every attendee's
    calendar is brought up to date (a festival just created has nobody to tell); once the
    festival is over and has recordings or slides, every attendee hears they can watch
    again. Returns how many calendar messages were queued."""
    queued = 0
    if report.changes and not report.created:
        queued = await reconcile_festival(store, report.slug, now)
    if watch_again_due(report.festival, now):
        await watch_again(store, report.slug, now)
    return queued


async def watch_again(store: InviteStore, festival: str, now: datetime) -> None:
    """The "watch again" mail for every attendee of the festival, at most once each: its
    key (`watch_again_key`) lets one per registration into the outbox, ever."""
    ids = await store.registrations(festival)
    for start in range(0, len(ids), READ_AT_ONCE):
        recipients = await store.recipients(ids[start : start + READ_AT_ONCE])
        batch = Batch([_message(r, "watch_again", watch_again_key(r.id), {}) for r in recipients])
        await store.write(batch, now=now)


async def certificate_ready(
    store: InviteStore, registration_ids: Sequence[int], now: datetime
) -> None:
    """The "after the day" mail linking the certificate of attendance, for these attendees
    (those who earned one; `festival.attendance.service:certificate_mail` decides), at most
    once each ever: its key names the attendee and nothing else."""
    for start in range(0, len(registration_ids), READ_AT_ONCE):
        recipients = await store.recipients(registration_ids[start : start + READ_AT_ONCE])
        batch = Batch([_message(r, "certificate", f"certificate:{r.id}", {}) for r in recipients])
        await store.write(batch, now=now)


async def reconfirm_asked(
    store: InviteStore, registration_ids: Sequence[int], now: datetime
) -> None:
    """The mail asking these attendees to confirm their places (`registration.reconfirm`),
    at most once each ever: its key names the attendee and nothing else. It lists the places
    still asked when it is sent."""
    for start in range(0, len(registration_ids), READ_AT_ONCE):
        recipients = await store.recipients(registration_ids[start : start + READ_AT_ONCE])
        batch = Batch([_message(r, "reconfirm", f"reconfirm:{r.id}", {}) for r in recipients])
        await store.write(batch, now=now)


async def reconfirm_lapsed(
    store: InviteStore, registration_id: int, entry_key: str, now: datetime
) -> None:
    """The mail that an unconfirmed place in `entry_key` went to the end of the waitlist."""
    key = f"reconfirm_lapsed:{registration_id}:{entry_key}"
    await _queue_one(store, registration_id, "reconfirm_lapsed", key, now, entry=entry_key)


async def reconcile_festival(store: InviteStore, festival: str, now: datetime) -> int:
    """Every attendee's calendar, after the festival's times, links or places moved."""
    return await reconcile(store, await store.registrations(festival), now)


def welcome(recipient: Recipient, sessions: list[Attending], plenary: int | None) -> Batch:
    """What a new registration is sent: the welcome, then an invite for each item it attends
    (as `reconcile` would queue them; it was sent nothing before, so there is nothing to
    read first). `sessions` are its confirmed places, `plenary` the plenary's version (None:
    none, or cancelled)."""
    batch = Batch([_message(recipient, "welcome", f"welcome:{recipient.id}", {})])
    _reconcile(batch, recipient, [*sessions, *_plenary(plenary)], {})
    return batch


async def promoted(
    store: InviteStore, registration_id: int, place_id: int, entry_key: str, now: datetime
) -> None:
    """The mail that someone moved up from the waitlist into a place."""
    key = f"promoted:{place_id}:{now.isoformat()}"
    await _queue_one(store, registration_id, "promoted", key, now, entry=entry_key)


async def link_again(store: InviteStore, registration_id: int, now: datetime) -> None:
    """The personal link once more, for someone who registered again; at most once an hour."""
    await _queue_one(store, registration_id, "link", f"link:{registration_id}:{now:%Y%m%d%H}", now)


async def new_link(
    store: InviteStore, registration_id: int, generation: int, now: datetime
) -> None:
    """The link the attendee just made, always: its key names the link's generation, so an
    earlier link mail that hour (which holds a link now revoked) cannot swallow it."""
    key = f"link:{registration_id}:new:{generation}"
    await _queue_one(store, registration_id, "link", key, now)


async def reminders(
    store: InviteStore, festival: str, entry_key: str, start: datetime, now: datetime
) -> int:
    """The "starting soon" mails for everyone attending `entry_key`, once per person and
    start, if it still starts at `start` and has not ended; returns how many were queued
    (0 for a moved, ended or cancelled item). A session's are for those with a place in it,
    the plenary's for everyone registered."""
    item = await store.item(festival, entry_key)
    if (
        item is None
        or item.cancelled
        or item.starts_at != start
        or (item.ends_at is not None and now >= item.ends_at)
    ):
        return 0
    if item.kind == "session":
        audience = await store.session_recipients(item.id)
    else:
        audience = await store.festival_recipients(item.festival_id)
    batch = Batch(
        [
            _message(
                recipient,
                "reminder",
                f"reminder:{recipient.id}:{entry_key}:{start.isoformat()}",
                {"entry": entry_key},
            )
            for recipient in audience
        ]
    )
    await store.write(batch, now=now)
    return len(batch.messages)


async def calendar_of(
    store: InviteStore, registration_id: int
) -> tuple[list[Attending], list[Sent]] | None:
    """What one registration attends now and the last invite queued per item (for its
    calendar feed), or None once the registration is erased."""
    found = await store.recipients([registration_id])
    if not found:
        return None
    attending = await _attending(store, found)
    return attending[registration_id], [_sent(s) for s in await store.sent([registration_id])]


async def _attending(
    store: InviteStore, recipients: Sequence[Recipient]
) -> dict[int, list[Attending]]:
    """What each registration attends now: its confirmed sessions, and the plenary."""
    if not recipients:
        return {}
    attending = await store.sessions_attended([r.id for r in recipients])
    plenaries = await store.plenaries({r.festival_id for r in recipients})
    return {
        r.id: [*attending.get(r.id, []), *_plenary(plenaries.get(r.festival_id))]
        for r in recipients
    }


def _plenary(version: int | None) -> list[Attending]:
    """Everyone registered is expected at the plenary (the afternoon needs no choice)."""
    return [] if version is None else [Attending(PLENARY, version)]


def _reconcile(
    batch: Batch, recipient: Recipient, attending: list[Attending], known: dict[str, SentState]
) -> None:
    """Add to `batch` the invites that make one attendee's calendar true."""
    for action in plan_invites(attending, [_sent(s) for s in known.values()]):
        if (state := known.get(action.entry)) is None:
            batch.new_states.append(
                NewState(recipient.id, action.entry, action.sequence, action.method, action.version)
            )
        else:
            batch.changed_states.append(
                ChangedState(state.id, action.sequence, action.method, action.version)
            )
        batch.messages.append(_invite(recipient, action.entry, action.method, action.sequence))


def _sent(state: SentState) -> Sent:
    method: Method = "CANCEL" if state.method == "CANCEL" else "REQUEST"
    return Sent(state.entry_key, state.sequence, method, state.version)


async def _queue_one(
    store: InviteStore,
    registration_id: int,
    kind: str,
    dedupe_key: str,
    now: datetime,
    **extra: object,
) -> None:
    found = await store.recipients([registration_id])
    if found:
        await store.write(Batch([_message(found[0], kind, dedupe_key, extra)]), now=now)


def _invite(recipient: Recipient, entry: str, method: str, sequence: int) -> Queued:
    key = f"invite:{recipient.id}:{entry}:{sequence}"
    extra = {"entry": entry, "method": method, "sequence": sequence}
    return _message(recipient, "invite", key, extra)


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
