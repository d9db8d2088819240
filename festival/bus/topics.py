"""The names of the bus's topics, the one place they are made, and the news every instance
follows (a changed programme, revoked access)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from festival.bus.interface import Bus

DEFAULT_NAMESPACE: Final = "festival:"
"""Prefix of every topic on a shared broker; Redis pub/sub ignores the database number, so
this is what keeps services sharing one Redis apart."""

PROGRAMME_TOPIC: Final = "programme.changed"
"""`{"festival": SLUG}` once a festival's stored programme changed (a load, times announced):
every instance reads it again instead of asking the store on every live connection."""

ACCESS_TOPIC: Final = "access.revoked"
"""`{"token_ids": [...], "registration_ids": [...]}` once tokens were revoked or
registrations erased: every instance forgets their grants at once."""

_PART = re.compile(r"[a-z0-9][a-z0-9-]*\Z")


async def publish_programme_changed(bus: Bus, festival: str) -> None:
    """Tell every instance that `festival`'s stored programme changed (after the commit)."""
    await bus.publish(PROGRAMME_TOPIC, {"type": PROGRAMME_TOPIC, "festival": festival})


async def publish_revoked(
    bus: Bus, *, token_ids: Iterable[int] = (), registration_ids: Iterable[int] = ()
) -> None:
    """Tell every instance that these tokens, and every token of these registrations, no
    longer hold (after the commit)."""
    await bus.publish(
        ACCESS_TOPIC,
        {
            "type": ACCESS_TOPIC,
            "token_ids": sorted(token_ids),
            "registration_ids": sorted(registration_ids),
        },
    )


def channel_topic(festival: str, channel: str) -> str:
    """Every event of a live channel (`plenary`, `show` or a session id), in full: each
    instance's hub makes its audiences' views from it."""
    return f"channel.{_part(festival)}.{_part(channel)}"


def _part(value: str) -> str:
    # Slugs and ids are lowercase letters, digits and hyphens, so a dot can only be a separator.
    if not _PART.match(value):
        raise ValueError(f"a topic part must be lowercase letters, digits and hyphens: {value!r}")
    return value
