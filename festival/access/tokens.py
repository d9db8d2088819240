"""Tokens: random secrets shown once, stored only as hashes, scoped to a role (and channel).

An attendee's personal magic link carries an `attendee` token bound to one registration.
Organisers create role tokens with `festival token create`; each is scoped to one festival,
optionally to one live channel, and can be revoked. The server checks a Grant on every
privileged action; the client's word is never taken for it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Role = Literal["attendee", "admin", "host", "moderator", "presenter"]
ROLES: tuple[Role, ...] = ("attendee", "admin", "host", "moderator", "presenter")
# 32 random bytes = 256 bits, URL-safe; well above the 128 bits the design asks for.
_TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)


def hash_token(token: str) -> str:
    """SHA-256 is enough here: the secret is random and long, so there is nothing to guess."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Grant:
    """What a presented, valid token allows."""

    token_id: int
    role: Role
    festival: str
    channel: str | None = None  # None: every channel; else channel ids joined by commas
    registration_id: int | None = None  # set for attendee tokens
    expires_at: datetime | None = None

    def allows(self, role: Role, *, festival: str, channel: str | None = None) -> bool:
        """Admins may do everything in their festival; other roles only their own thing."""
        if festival != self.festival:
            return False
        if self.role == "admin":
            return True
        if self.role != role:
            return False
        # A channel-scoped token acts on its channels only, never festival-wide.
        return self.channel is None or channel in self.channels

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels this token is limited to; empty when it is not limited."""
        return tuple(self.channel.split(",")) if self.channel else ()
