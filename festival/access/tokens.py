"""Tokens: random secrets shown once, stored only as hashes, scoped to a role (and channel).

An attendee's personal magic link carries an `attendee` token bound to one registration: one
token per attendee at a time (`personal_token`), which every mail carries alike, replaced
only when the attendee asks for a new link. Organisers create role tokens with `festival
token create`; each is scoped to one festival, optionally to one live channel, and can be
revoked. An admin token alone may cover more: named festivals besides its own, or every
festival of the install (an organiser's token: one person runs the editions of a year, and
one link per edition would be one more secret to keep for each); the admin page switches
between exactly those. The server checks a Grant on every
privileged action; the client's word is never taken for it.

Which channels a token acts on (`Grant.allows`, the one place this is decided): an admin
token every channel of its festival; a token that names channels (`--channel`) those; an
unnamed moderator or presenter token every channel; an unnamed host token only the channels
hosts run, HOST_CHANNELS (the plenary's Q&A and the show): hosts moderate the plenary, not
the breakout rooms, whose anonymous askers and notes are for their own moderators.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

Role = Literal["attendee", "admin", "host", "moderator", "presenter", "checkin"]
ROLES: tuple[Role, ...] = ("attendee", "admin", "host", "moderator", "presenter", "checkin")
"""`checkin`: door staff, who check attendees in by their code or name (`/checkin`)."""
HOST_CHANNELS: tuple[str, ...] = ("plenary", "show")
"""The live channels an unscoped host token acts on: `festival.programme.model`'s PLENARY and
SHOW, written out since access sits beside the programme, not above it (a test keeps them
equal)."""
# 32 random bytes = 256 bits, URL-safe; well above the 128 bits the design asks for.
_TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)


def new_install_secret() -> str:
    """The key personal links are derived from (`personal_token`), made once per install."""
    return secrets.token_urlsafe(_TOKEN_BYTES)


def personal_token(
    install_secret: str, registration_id: int, registered_at: datetime, generation: int
) -> str:
    """The personal link's secret of one registration, the `generation`-th it was given.

    Derived rather than drawn at random, because the store keeps only hashes while every mail
    must carry the attendee's one link, also when it is composed again after a failed try or
    by another instance: HMAC-SHA256 under a secret of the installation (kept in the database,
    shown nowhere), so knowing any number of links tells nothing of another. The moment of
    registering is part of it, so a registration id that were ever given again could not
    reach the earlier person's link. A new generation is a new link; the old one is revoked.
    """
    moment = registered_at.astimezone(UTC).isoformat()  # as the store gives it back
    message = f"personal-link:{registration_id}:{moment}:{generation}"
    digest = hmac.new(install_secret.encode(), message.encode(), hashlib.sha256).digest()
    # 256 bits, URL-safe, the same length as `new_token`'s.
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


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
    also: frozenset[str] = frozenset()  # an admin token's festivals besides its own
    every_festival: bool = False  # an admin token over every festival of the install

    def covers(self, festival: str) -> bool:
        """Whether the token acts in `festival` at all."""
        return festival == self.festival or self.every_festival or festival in self.also

    def allows(self, role: Role, *, festival: str, channel: str | None = None) -> bool:
        """Admins may do everything in the festivals they cover; other roles only their own
        thing in their own festival."""
        if not self.covers(festival):
            return False
        if self.role == "admin":
            return True
        if self.role != role:
            return False
        if self.channel is not None:
            # A channel-scoped token acts on its channels only, never festival-wide.
            return channel in self.channels
        return channel is None or role != "host" or channel in HOST_CHANNELS

    def moderates(self, *, festival: str, channel: str) -> bool:
        """Whether this token sees and moderates channel's Q&A: moderators their channels,
        hosts theirs (the plenary unless the token names others), admins all."""
        return self.allows("moderator", festival=festival, channel=channel) or self.allows(
            "host", festival=festival, channel=channel
        )

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels this token is limited to; empty when it is not limited."""
        return tuple(self.channel.split(",")) if self.channel else ()
