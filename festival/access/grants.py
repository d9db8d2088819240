"""Grants of tokens lately presented, remembered so a crowd of connections needs no look-up.

A reconnect storm presents the same tokens again and again within seconds; each look-up is a
store query that queues on the connection pool. The cache holds grants only (never an
unknown token: a flood of made-up tokens must not push out the real ones), keyed by the
token's hash (the secret itself is kept nowhere), at most `size` of them, each for at most
`seconds`. A revocation or an erasure is told to every instance (the web layer forwards it
from the bus to `forget`), so the cache is only a safety net where that message cannot
travel: a revocation made where no bus reaches (the CLI without a broker) is seen within
`seconds`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Final

from festival.access.tokens import Grant, hash_token

GRANT_CACHE_SIZE: Final = 10_000
GRANT_CACHE_SECONDS: Final = 10.0


class GrantCache:
    def __init__(
        self, *, size: int = GRANT_CACHE_SIZE, seconds: float = GRANT_CACHE_SECONDS
    ) -> None:
        self.size = size
        self.lifetime = timedelta(seconds=seconds)
        self._grants: OrderedDict[str, tuple[datetime, Grant]] = OrderedDict()

    def get(self, secret: str, now: datetime) -> Grant | None:
        """The grant remembered for `secret`, if it is neither stale nor expired."""
        key = hash_token(secret)
        found = self._grants.get(key)
        if found is None:
            return None
        until, grant = found
        if now >= until or (grant.expires_at is not None and grant.expires_at <= now):
            del self._grants[key]
            return None
        self._grants.move_to_end(key)
        return grant

    def put(self, secret: str, grant: Grant, now: datetime) -> None:
        key = hash_token(secret)
        self._grants[key] = (now + self.lifetime, grant)
        self._grants.move_to_end(key)
        while len(self._grants) > self.size:
            self._grants.popitem(last=False)

    def drop(self, secret: str) -> None:
        """The store no longer knows `secret`: forget its grant."""
        self._grants.pop(hash_token(secret), None)

    def forget(
        self, *, token_ids: Iterable[int] = (), registration_ids: Iterable[int] = ()
    ) -> None:
        """Drop the grants of these tokens, and of every token of these registrations."""
        tokens, registrations = set(token_ids), set(registration_ids)
        for key, (_, grant) in list(self._grants.items()):
            if grant.token_id in tokens or grant.registration_id in registrations:
                del self._grants[key]

    def clear(self) -> None:
        """Forget everything (the bus may have lost a message)."""
        self._grants.clear()

    def __len__(self) -> int:
        return len(self._grants)
