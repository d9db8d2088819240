"""Role and personal tokens: create (secret shown once), list, revoke, and check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from festival.access.tokens import ROLES, Grant, Role, hash_token, new_token
from festival.errors import Invalid, NotFound
from festival.storage.tables import FestivalRow, TokenRow


@dataclass(frozen=True)
class TokenInfo:
    id: int
    festival: str
    role: str
    channel: str | None
    label: str
    created_at: datetime
    revoked_at: datetime | None


async def create_token(
    db: AsyncSession,
    festival: str,
    role: Role,
    *,
    channel: str | None,
    label: str,
    now: datetime,
) -> tuple[int, str]:
    """A new role token; returns (id, secret). Only the hash is stored."""
    if role not in ROLES or role == "attendee":
        raise Invalid({"role": f"must be one of {', '.join(r for r in ROLES if r != 'attendee')}"})
    festival_id = await db.scalar(select(FestivalRow.id).where(FestivalRow.slug == festival))
    if festival_id is None:
        raise NotFound(f"no festival {festival!r}", code="festival.not_found")
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
    )
    db.add(row)
    await db.flush()
    return row.id, secret


async def list_tokens(db: AsyncSession, festival: str | None = None) -> list[TokenInfo]:
    query = (
        select(TokenRow, FestivalRow.slug)
        .join(FestivalRow, FestivalRow.id == TokenRow.festival_id)
        .where(TokenRow.role != "attendee")
        .order_by(TokenRow.id)
    )
    if festival:
        query = query.where(FestivalRow.slug == festival)
    return [
        TokenInfo(t.id, slug, t.role, t.channel, t.label, t.created_at, t.revoked_at)
        for t, slug in await db.execute(query)
    ]


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
    return Grant(row.id, role, slug, row.channel, row.registration_id, row.expires_at)
