"""Role and personal tokens: create (secret shown once), list, revoke, and check.

A personal link's token is derived (`festival.access.tokens.personal_token`) from the install
secret kept here, the registration and the link's generation, so the one valid link of an
attendee can be put in any number of mails while only its hash is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, cast

from sqlalchemy import Connection, Table, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from festival.access.tokens import (
    ROLES,
    Grant,
    Role,
    hash_token,
    new_install_secret,
    new_token,
    personal_token,
)
from festival.errors import Invalid, NotFound
from festival.storage.programme_repo import festival_id_of
from festival.storage.tables import (
    EntryRow,
    FestivalRow,
    InstallSecretRow,
    PlaceRow,
    RegistrationRow,
    TokenFestivalRow,
    TokenRow,
)

PERSONAL_LINKS = "personal-links"  # the install secret's name


@dataclass(frozen=True)
class TokenInfo:
    id: int
    festival: str
    role: str
    channel: str | None
    label: str
    created_at: datetime
    revoked_at: datetime | None
    also: tuple[str, ...] = ()  # an admin token's festivals besides its own
    every_festival: bool = False


async def create_token(
    db: AsyncSession,
    festival: str,
    role: Role,
    *,
    channel: str | None,
    label: str,
    now: datetime,
    also: Iterable[str] = (),
    every_festival: bool = False,
) -> tuple[int, str]:
    """A new role token; returns (id, secret). Only the hash is stored. `also` and
    `every_festival`: what an admin token covers besides `festival` (the caller checked the
    role may)."""
    if role not in ROLES or role == "attendee":
        raise Invalid({"role": f"must be one of {', '.join(r for r in ROLES if r != 'attendee')}"})
    festival_id = await festival_id_of(db, festival)
    others = [await festival_id_of(db, slug) for slug in dict.fromkeys(also) if slug != festival]
    secret = new_token()
    row = TokenRow(
        festival_id=festival_id,
        role=role,
        channel=channel,
        registration_id=None,
        hash=hash_token(secret),
        label=label,
        created_at=now,
        expires_at=None,
        revoked_at=None,
        every_festival=every_festival,
    )
    db.add(row)
    await db.flush()
    db.add_all(TokenFestivalRow(token_id=row.id, festival_id=other) for other in others)
    await db.flush()
    return row.id, secret


async def list_tokens(db: AsyncSession, festival: str | None = None) -> list[TokenInfo]:
    """Role tokens (of those covering `festival`, when given)."""
    query = (
        select(TokenRow, FestivalRow.slug)
        .join(FestivalRow, FestivalRow.id == TokenRow.festival_id)
        .where(TokenRow.role != "attendee")
        .order_by(TokenRow.id)
    )
    also = await _also(db)
    found = [
        TokenInfo(
            t.id,
            slug,
            t.role,
            t.channel,
            t.label,
            t.created_at,
            t.revoked_at,
            also.get(t.id, ()),
            t.every_festival,
        )
        for t, slug in await db.execute(query)
    ]
    if festival:
        return [t for t in found if festival in (t.festival, *t.also) or t.every_festival]
    return found


async def _also(db: AsyncSession, token_id: int | None = None) -> dict[int, tuple[str, ...]]:
    """The festivals each admin token (or the one given) covers besides its own, by token."""
    query = (
        select(TokenFestivalRow.token_id, FestivalRow.slug)
        .join(FestivalRow, FestivalRow.id == TokenFestivalRow.festival_id)
        .order_by(TokenFestivalRow.token_id, FestivalRow.slug)
    )
    if token_id is not None:
        query = query.where(TokenFestivalRow.token_id == token_id)
    found: dict[int, tuple[str, ...]] = {}
    for token, slug in await db.execute(query):
        found[token] = (*found.get(token, ()), slug)
    return found


async def revoke_token(db: AsyncSession, token_id: int, *, now: datetime) -> bool:
    """Revoke a token by id; False when it was revoked already."""
    row = await db.get(TokenRow, token_id)
    # Personal links are not role tokens: they end with their registration, not by id.
    if row is None or row.role == "attendee":
        raise NotFound(f"no token {token_id}", code="token.not_found")
    if row.revoked_at is not None:
        return False
    row.revoked_at = now
    return True


async def grant_for(db: AsyncSession, secret: str, *, now: datetime) -> Grant | None:
    """The grant of a presented token, or None when unknown, revoked or expired."""
    if not secret or len(secret) > 200:
        return None
    found = (
        await db.execute(
            select(TokenRow, FestivalRow.slug)
            .join(FestivalRow, FestivalRow.id == TokenRow.festival_id)
            .where(TokenRow.hash == hash_token(secret))
        )
    ).first()
    if found is None:
        return None
    row, slug = found
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    role: Role = next(r for r in ROLES if r == row.role)
    # Only an admin token covers other festivals: the others cost no second query.
    also = (await _also(db, row.id)).get(row.id, ()) if role == "admin" else ()
    return Grant(row.id, role, slug, row.channel, row.registration_id, row.expires_at,
                 frozenset(also), row.every_festival)  # fmt: skip


# -- personal links ------------------------------------------------------------------------


async def read_install_secret(db: AsyncSession) -> str | None:
    value: str | None = await db.scalar(_SECRET)
    return value


async def install_secret(db: AsyncSession, *, now: datetime) -> str:
    """The install secret, made the first time it is needed (by whichever instance is first;
    the others then read the same)."""
    return await db.run_sync(lambda session: made_install_secret(session.connection(), now=now))


def made_install_secret(conn: Connection, *, now: datetime) -> str:
    """`install_secret`, on a plain connection."""
    found: str | None = conn.scalar(_SECRET)
    if found is not None:
        return found
    upsert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        upsert(InstallSecretRow)
        .values(name=PERSONAL_LINKS, value=new_install_secret(), created_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    made: str | None = conn.scalar(_SECRET)
    assert made is not None
    return made


_SECRET = select(InstallSecretRow.value).where(InstallSecretRow.name == PERSONAL_LINKS)


async def current_personal_token(db: AsyncSession, registration_id: int) -> str | None:
    """The attendee's valid personal link token, or None when the registration is gone or
    its link was made before links were derived (then `issue_personal_token`)."""
    return (await current_personal_tokens(db, [registration_id])).get(registration_id)


async def current_personal_tokens(
    db: AsyncSession, registration_ids: Iterable[int]
) -> dict[int, str]:
    """`current_personal_token` of many registrations in one query: those that have one."""
    found = (
        await db.execute(
            select(RegistrationRow.id, RegistrationRow.created_at, func.max(TokenRow.generation))
            .join(TokenRow, TokenRow.registration_id == RegistrationRow.id)
            .where(RegistrationRow.id.in_(list(registration_ids)), TokenRow.role == "attendee")
            .where(TokenRow.revoked_at.is_(None), TokenRow.generation.is_not(None))
            .group_by(RegistrationRow.id, RegistrationRow.created_at)
        )
    ).all()
    secret = await read_install_secret(db) if found else None
    if secret is None:
        return {}
    return {
        registration_id: personal_token(secret, registration_id, registered_at, generation)
        for registration_id, registered_at, generation in found
        if generation is not None
    }


async def issue_personal_token(
    db: AsyncSession, registration: RegistrationRow, *, now: datetime, generation: int = 1
) -> str:
    """Store the `generation`-th personal link of `registration` (only its hash) and return
    its token. Stored once, however often it is issued (its hash is unique: should two
    instances issue it at the same moment, the second transaction fails and is tried again)."""
    token = personal_token(
        await install_secret(db, now=now), registration.id, registration.created_at, generation
    )
    if await db.scalar(select(TokenRow.id).where(TokenRow.hash == hash_token(token))) is None:
        db.add(
            TokenRow(
                festival_id=registration.festival_id,
                role="attendee",
                channel=None,
                registration_id=registration.id,
                hash=hash_token(token),
                label=f"personal link {generation} of registration {registration.id}",
                created_at=now,
                expires_at=None,
                revoked_at=None,
                generation=generation,
            )
        )
        await db.flush()
    return token


def first_personal_token(conn: Connection, registration: RegistrationRef, *, now: datetime) -> str:
    """Store a new registration's first personal link and return its token: what
    `issue_personal_token` does, in one statement (a new registration has no tokens yet)."""
    registration_id, festival_id, created_at = registration
    token = personal_token(made_install_secret(conn, now=now), registration_id, created_at, 1)
    conn.execute(
        _NEW_TOKEN,
        dict(
            festival_id=festival_id,
            role="attendee",
            channel=None,
            registration_id=registration_id,
            hash=hash_token(token),
            label=f"personal link 1 of registration {registration_id}",
            created_at=now,
            expires_at=None,
            revoked_at=None,
            generation=1,
        ),
    )
    return token


_NEW_TOKEN = insert(cast(Table, TokenRow.__table__))  # made once: see registration_repo


class RegistrationRef(NamedTuple):
    """What a personal link is derived from, besides the install secret and generation."""

    id: int
    festival_id: int
    created_at: datetime


async def reissue_personal_token(
    db: AsyncSession, registration_id: int, *, now: datetime
) -> tuple[str, int]:
    """A new personal link for the attendee who asked, every earlier one revoked: its token
    and its generation."""
    registration = await db.get(RegistrationRow, registration_id)
    if registration is None:
        raise NotFound("registration not found", code="registration.not_found")
    last = await db.scalar(
        select(func.max(TokenRow.generation)).where(TokenRow.registration_id == registration_id)
    )
    await db.execute(
        update(TokenRow)
        .where(TokenRow.registration_id == registration_id, TokenRow.role == "attendee")
        .where(TokenRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    generation = (last or 0) + 1
    return await issue_personal_token(db, registration, now=now, generation=generation), generation


# -- live actions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """What the store holds now of a token not revoked, of a registration that exists: when
    it expires, and the sessions where the registration holds a confirmed place."""

    expires_at: datetime | None
    confirmed: frozenset[str]


async def standing_of(db: AsyncSession, token_ids: Iterable[int]) -> dict[int, Standing]:
    """The standing of each of these tokens that is not revoked and whose registration still
    exists (absent otherwise), in one query."""
    ids = sorted(set(token_ids))
    if not ids:
        return {}
    rows = await db.execute(
        select(TokenRow.id, TokenRow.expires_at, EntryRow.key)
        .join(RegistrationRow, RegistrationRow.id == TokenRow.registration_id)
        .outerjoin(
            PlaceRow,
            (PlaceRow.registration_id == RegistrationRow.id) & (PlaceRow.status == "confirmed"),
        )
        .outerjoin(EntryRow, EntryRow.id == PlaceRow.entry_id)
        .where(TokenRow.id.in_(ids), TokenRow.revoked_at.is_(None))
    )
    found: dict[int, tuple[datetime | None, set[str]]] = {}
    for token_id, expires_at, session in rows:
        sessions = found.setdefault(token_id, (expires_at, set()))[1]
        if session is not None:
            sessions.add(session)
    return {
        token_id: Standing(expires_at, frozenset(sessions))
        for token_id, (expires_at, sessions) in found.items()
    }
