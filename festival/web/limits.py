"""Rate limits: how often one client may register, act live or connect.

- Registrations (and the personal link mailed again to someone who registers twice): per
  client address and per mailbox (`anna+x@example.org` is `anna@example.org`).
- Ballots in audience votes: per client address, and those by e-mail per mailbox too.
- Live messages (ask, vote, moderate, host actions, ping), and check-ins and searches at the
  door: per token, over its websockets and the HTTP action endpoints together, so one rule
  holds however a client talks to us; without a token, per websocket connection (or per
  address over HTTP).
- Live connections: per token, at once.

The rules come from Settings (`10/minute;60/hour`, the `limits` library's notation) and are
checked when the app is built, so a bad value stops `festival serve` at start. Counting uses
moving windows: in this process (`LocalWindows`), or `limits`' in Redis when one is
configured so that several instances share the counts. Open connections are counted per
instance: a socket lives in one process, and a count left in Redis by an instance that died
would lock its tokens out.

Keys are digests: neither addresses nor tokens are written to Redis as they are. When the
counting store cannot be reached, requests are let through (and a warning logged) rather
than every attendee being refused.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections import Counter, deque
from dataclasses import dataclass
from datetime import timedelta
from typing import Final, Protocol
from urllib.parse import urlsplit

from limits import RateLimitItem, parse_many
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.util import WindowStats
from redis.asyncio import ConnectionPool
from starlette.requests import HTTPConnection

from festival.config import ENV_PREFIX, Settings
from festival.errors import FestivalError

log = logging.getLogger("festival.web.limits")

MEMORY: Final = "memory://"
REDIS_SCHEMES: Final = ("redis", "rediss")
REDIS_TIMEOUT_SECONDS: Final = 2.0
"""A counting store that does not answer within this lets the request through."""


class TooManyRequests(FestivalError):
    """Over a rate limit: HTTP 429 with Retry-After, or a websocket `error` (close 4429 for a
    connection refused). `retry_after` is how long until the next attempt can succeed, when
    that is known."""

    status = 429

    def __init__(self, code: str, message: str, retry_after: timedelta | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


def _rules(name: str, value: str) -> tuple[RateLimitItem, ...]:
    setting = f"{ENV_PREFIX}{name.upper()}"
    try:
        items = tuple(parse_many(value))
    except ValueError:
        raise ValueError(
            f"{setting} must be rules like `10/minute;60/hour`, got {value!r}"
        ) from None
    if any(item.amount < 1 for item in items):
        raise ValueError(f"{setting} must allow at least 1 in each period, got {value!r}")
    return items


@dataclass(frozen=True)
class LimitRules:
    """The numbers, parsed from Settings (see the README's settings table)."""

    per_address: tuple[RateLimitItem, ...]
    per_email: tuple[RateLimitItem, ...]
    live_messages: tuple[RateLimitItem, ...]
    connections_per_token: int
    ballots_per_address: tuple[RateLimitItem, ...]
    ballots_per_email: tuple[RateLimitItem, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> LimitRules:
        if settings.live_connections_per_token < 1:
            raise ValueError(f"{ENV_PREFIX}LIVE_CONNECTIONS_PER_TOKEN must be at least 1")
        return cls(
            _rules("rate_registrations_per_address", settings.rate_registrations_per_address),
            _rules("rate_registrations_per_email", settings.rate_registrations_per_email),
            _rules("rate_live_messages", settings.rate_live_messages),
            settings.live_connections_per_token,
            _rules("rate_ballots_per_address", settings.rate_ballots_per_address),
            _rules("rate_ballots_per_email", settings.rate_ballots_per_email),
        )


def _said(items: tuple[RateLimitItem, ...]) -> str:
    """`10 a minute and 60 an hour`, for error messages."""
    return " and ".join(
        f"{item.amount} per {item.multiples} {item.GRANULARITY.name}s"
        if item.multiples > 1
        else f"{item.amount} per {item.GRANULARITY.name}"
        for item in items
    )


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


def client_address(conn: HTTPConnection) -> str:
    """The socket's peer; behind a proxy listed in FESTIVAL_TRUSTED_PROXIES the client it
    names (the app then runs behind uvicorn's proxy-headers middleware, see `create_app`)."""
    return conn.client.host if conn.client else "unknown"


def mailbox(address: str) -> str:
    """The mailbox an address delivers to, for counting: case-insensitive, `+tag` dropped."""
    local, at, domain = address.strip().casefold().rpartition("@")
    if not at:
        return domain
    return f"{local.split('+', 1)[0]}@{domain}"


def token_key(secret: str) -> str:
    """What a token's live messages and connections are counted under."""
    return f"t:{_digest(secret)}"


def caller_key(conn: HTTPConnection, secret: str) -> str:
    """What an HTTP action is counted under: its token, else its client address."""
    return token_key(secret) if secret else f"a:{_digest(client_address(conn))}"


class Windows(Protocol):
    """A moving-window counter: `limits`' MovingWindowRateLimiter, or `LocalWindows`."""

    async def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool: ...

    async def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats: ...


class LocalWindows:
    """Moving windows counted in this process, as `limits`' moving window counts them: a hit
    is let through while fewer than the rule's amount fell within its period.

    Not `limits`' MemoryStorage: after every hit its expiry sweep visits every key, each in
    a thread of its own (asyncio.to_thread), and in a registration rush every new address is
    a key: thousands of thread hand-offs a second, on the core that serves the requests.
    Here a key's old hits go when it is next hit, and keys nobody hit for their period go in
    a sweep once a minute."""

    SWEEP_SECONDS: Final = 60.0

    def __init__(self) -> None:
        self._hits: dict[str, tuple[float, deque[float]]] = {}  # key -> (period, moments)
        self._swept = time.monotonic()

    async def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        now = time.monotonic()
        self._sweep(now)
        period = float(item.get_expiry())
        key = item.key_for(*identifiers)
        moments = self._recent(key, period, now)
        if len(moments) + cost > item.amount:
            return False
        moments.extend([now] * cost)
        return True

    async def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        """When the oldest hit in the window leaves it (as wall-clock time), and the room."""
        now = time.monotonic()
        period = float(item.get_expiry())
        moments = self._recent(item.key_for(*identifiers), period, now)
        oldest = moments[0] if moments else now
        return WindowStats(time.time() + oldest + period - now, item.amount - len(moments))

    def _recent(self, key: str, period: float, now: float) -> deque[float]:
        moments = self._hits.setdefault(key, (period, deque()))[1]
        while moments and moments[0] <= now - period:
            moments.popleft()
        return moments

    def _sweep(self, now: float) -> None:
        if now - self._swept < self.SWEEP_SECONDS:
            return
        self._swept = now
        self._hits = {
            key: (period, moments)
            for key, (period, moments) in self._hits.items()
            if moments and moments[-1] > now - period
        }


class Limits:
    """The rules applied: `check_…` raise TooManyRequests, or count the attempt and return."""

    def __init__(
        self,
        rules: LimitRules,
        shared: RedisStorage | None = None,
        *,
        pool: ConnectionPool | None = None,
    ) -> None:
        self.rules = rules
        # What only this process can see (one websocket without a token) is counted here,
        # even when Redis holds the rest: no round trip for a key nobody else shares.
        self._local: Windows = LocalWindows()
        self._shared: Windows = self._local if shared is None else MovingWindowRateLimiter(shared)
        self._pool = pool
        self._open: Counter[str] = Counter()

    @classmethod
    def start(cls, settings: Settings, rules: LimitRules) -> Limits:
        url = settings.rate_limits_url or settings.broker_url or MEMORY
        if url == MEMORY:
            return cls(rules)
        scheme = urlsplit(url).scheme
        if scheme not in REDIS_SCHEMES:
            # Only the scheme is echoed: the rest of the URL may hold a password.
            raise ValueError(
                f"{ENV_PREFIX}RATE_LIMITS_URL must be memory://, redis:// or rediss://, "
                f"not {scheme!r}"
            )
        pool = ConnectionPool.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        storage = RedisStorage(
            url,
            implementation="redispy",
            wrap_exceptions=True,
            key_prefix=f"{settings.broker_namespace}limits",
            # limits documents connection_pool, but types its options as scalars only.
            connection_pool=pool,  # type: ignore[arg-type]
        )
        return cls(rules, storage, pool=pool)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()

    # --- registrations -------------------------------------------------------------------

    async def check_address(self, conn: HTTPConnection) -> None:
        """One more registration (or link mailed again) from this client address."""
        wait = await self._hit(
            self._shared, self.rules.per_address, "address", _digest(client_address(conn))
        )
        if wait is not None:
            raise TooManyRequests(
                "registration.rate_limited",
                f"too many registrations from this address: at most "
                f"{_said(self.rules.per_address)}",
                wait,
            )

    async def check_email(self, address: str) -> None:
        """One more registration (or link mailed again) for this mailbox."""
        wait = await self._hit(
            self._shared, self.rules.per_email, "email", _digest(mailbox(address))
        )
        if wait is not None:
            raise TooManyRequests(
                "registration.rate_limited",
                f"too many registrations for this e-mail address: at most "
                f"{_said(self.rules.per_email)}",
                wait,
            )

    # --- ballots -------------------------------------------------------------------------

    async def check_ballot_address(self, conn: HTTPConnection) -> None:
        """One more ballot from this client address."""
        wait = await self._hit(
            self._shared, self.rules.ballots_per_address, "ballot", _digest(client_address(conn))
        )
        if wait is not None:
            raise TooManyRequests(
                "vote.rate_limited",
                f"too many ballots from this address: at most "
                f"{_said(self.rules.ballots_per_address)}",
                wait,
            )

    async def check_ballot_email(self, address: str) -> None:
        """One more ballot by e-mail for this mailbox."""
        wait = await self._hit(
            self._shared, self.rules.ballots_per_email, "ballot-email", _digest(mailbox(address))
        )
        if wait is not None:
            raise TooManyRequests(
                "vote.rate_limited",
                f"too many ballots for this e-mail address: at most "
                f"{_said(self.rules.ballots_per_email)}",
                wait,
            )

    # --- live ----------------------------------------------------------------------------

    async def check_message(self, key: str, *, shared: bool = True) -> None:
        """One more live message under `key` (`token_key`, or a connection's own key with
        `shared=False`)."""
        limiter = self._shared if shared else self._local
        wait = await self._hit(limiter, self.rules.live_messages, "live", key)
        if wait is not None:
            raise TooManyRequests(
                "message.rate_limited",
                f"too many messages: at most {_said(self.rules.live_messages)}",
                wait,
            )

    def connected(self, key: str | None) -> None:
        """Count an opening connection of a token (None: no token, not counted)."""
        if key is None:
            return
        if self._open[key] >= self.rules.connections_per_token:
            raise TooManyRequests(
                "connection.rate_limited",
                f"this token already has {self.rules.connections_per_token} live connections "
                "open; close one first",
            )
        self._open[key] += 1

    def disconnected(self, key: str | None) -> None:
        if key is None:
            return
        self._open[key] -= 1
        if self._open[key] <= 0:
            del self._open[key]

    # --- counting ------------------------------------------------------------------------

    async def _hit(
        self,
        limiter: Windows,
        items: tuple[RateLimitItem, ...],
        scope: str,
        key: str,
    ) -> timedelta | None:
        """Count one hit against every rule; the wait until the first full one has room, or
        None when all had room. Each hit is atomic in the store (no test-then-hit race)."""
        try:
            for item in items:
                if not await limiter.hit(item, scope, key):
                    stats = await limiter.get_window_stats(item, scope, key)
                    seconds = max(1, math.ceil(stats.reset_time - time.time()))
                    return timedelta(seconds=seconds)
        except StorageError as error:
            log.warning("rate limits not counted, letting the request through: %s", error)
        return None
