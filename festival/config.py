"""Settings: one frozen dataclass, each field with its default and help text.

`Settings.from_env` is the only code that reads the environment (`FESTIVAL_<FIELD>`); the CLI
turns flags into the same fields. The README's settings table is checked against `FIELDS`.
Stdlib only.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "FESTIVAL_"
# Settings read as numbers from the environment, and what a bad value is told it must be.
_NUMBERS: dict[object, tuple[type[int] | type[float], str]] = {
    "int": (int, "a whole number"),
    int: (int, "a whole number"),
    "float": (float, "a number"),
    float: (float, "a number"),
}
WS_COMPRESSION = ("off", "deflate")
SWITCH = ("off", "on")
LOG_LEVELS = ("warning", "info", "debug")


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    database_url: str = _setting(
        "",
        "SQLAlchemy async URL. Empty: SQLite file `festival.db` in the var directory. "
        "For scale: `postgresql+asyncpg://user@host/db`.",
    )
    smtp_url: str = _setting(
        "",
        "SMTP server for outgoing mail: `smtp://user:pass@host:587` (STARTTLS when offered; "
        "add `?starttls=require` to insist) or `smtps://…:465`. Empty: a maildir in var/mail.",
    )
    smtp_utf8: str = _setting(
        "off",
        "`on`: the SMTP server accepts SMTPUTF8, so registration takes addresses with letters "
        "beyond ASCII before the @ (`zoë@…`). `off`: such addresses are refused with a "
        "message to the attendee. A maildir (no SMTP_URL) always takes them.",
    )
    broker_url: str = _setting(
        "",
        "Redis URL for live fan-out across instances (`redis://127.0.0.1:6379/0`). "
        "Empty: in-process, for a single instance.",
    )
    broker_namespace: str = _setting(
        "festival:",
        "Prefix of the Redis pub/sub channels, so services sharing one Redis stay apart.",
    )
    mail_from: str = _setting("festival@localhost", "Sender address of outgoing mail.")
    var_dir: str = _setting("var", "Directory for the SQLite database and other local state.")
    templates_dir: str = _setting(
        "", "Directory of the Jinja2 templates. Empty: the installed copy or the checkout's."
    )
    host: str = _setting("127.0.0.1", "Interface `festival serve` listens on.")
    port: int = _setting(8000, "Port `festival serve` listens on.")
    base_url: str = _setting(
        "", "Public URL of the service, used in links and mails. Empty: http://HOST:PORT."
    )
    join_link_minutes: int = _setting(
        15,
        "Minutes before a session (or the plenary) starts that its personal join link "
        "(`/join/TOKEN/ITEM`) opens: the join window, also on personal pages.",
    )
    festival: str = _setting(
        "",
        "Slug of the festival the unprefixed pages show. Empty: the only one, else the next "
        "to come, else the latest past.",
    )
    ws_compression: str = _setting(
        "off",
        "`deflate`: accept websocket compression (permessage-deflate) when a browser offers "
        "it. `off`: send live messages uncompressed, so a broadcast costs one frame per "
        "viewer, not one compression each (docs/benchmarks.md).",
    )

    ws_ping_interval: float = _setting(
        20.0,
        "Seconds between the server's keep-alive pings on each websocket; 0: no pings.",
    )
    ws_ping_timeout: float = _setting(
        20.0,
        "Seconds a websocket client has to answer a keep-alive ping before the server closes "
        "the connection (code 1011); 0: wait for ever.",
    )
    rate_registrations_per_address: str = _setting(
        "10/minute;60/hour",
        "Registrations (and personal links mailed again) one client address may ask for, as "
        "`N/period` rules joined by `;` (periods: second, minute, hour, day; `N/4 seconds` "
        "works too). Beyond them: 429 with Retry-After. Raise it for a room registering "
        "behind one address, or for tests that register many people at once.",
    )
    rate_registrations_per_email: str = _setting(
        "3/hour;10/day",
        "The same per e-mail address, counted case-insensitively and without a `+tag` "
        "(`anna+x@example.org` counts as `anna@example.org`).",
    )
    rate_ballots_per_address: str = _setting(
        "30/minute;300/hour",
        "Ballots in audience votes (by e-mail or personal link, on the page or the API) one "
        "client address may cast; higher than for registrations, since a congress hall votes "
        "from behind one address. Beyond them: 429 with Retry-After.",
    )
    rate_ballots_per_email: str = _setting(
        "3/hour;10/day",
        "Ballots by e-mail (each mails a confirmation link) for one address, counted as for "
        "registrations.",
    )
    rate_live_messages: str = _setting(
        "20/4 seconds",
        "Live messages (ask, vote, poll answers, moderate, host actions, ping) one token may "
        "send, over its websockets and `POST …/actions` together; without a token, per "
        "connection. Check-ins and searches at the door count here too, per checkin token.",
    )
    live_connections_per_token: int = _setting(
        20,
        "Live websocket connections one token may hold open at once on one instance; the "
        "next is refused with close code 4429.",
    )
    live_connect_seconds: float = _setting(
        10.0,
        "Seconds a live websocket opening waits at most for the store (a token or programme "
        "look-up not in memory, queued for a database connection); then it is refused with "
        "close code 1013 and the client tries again after a pause.",
    )
    rate_limits_url: str = _setting(
        "",
        "Where rate limits are counted. Empty: in the broker's Redis when "
        "FESTIVAL_BROKER_URL is set (so instances share them), else in memory. "
        "`memory://`: in memory; `redis://…`: this Redis.",
    )
    log_level: str = _setting(
        "warning",
        "What `festival serve` and the other commands log: `warning` (problems only, besides "
        "serve's start-up lines and links), `info` (also migrations, scheduled jobs, every "
        "request), `debug` (everything).",
    )
    trusted_proxies: str = _setting(
        "",
        "Addresses (or networks, `10.0.0.0/8`; `*` for any) of reverse proxies whose "
        "X-Forwarded-For names the client, comma-separated. Empty: the client is the socket's "
        "peer and X-Forwarded-For is ignored.",
    )

    def __post_init__(self) -> None:
        if self.smtp_utf8 not in SWITCH:
            raise ValueError(
                f"{ENV_PREFIX}SMTP_UTF8 must be one of {', '.join(SWITCH)}, got {self.smtp_utf8!r}"
            )
        if self.ws_compression not in WS_COMPRESSION:
            raise ValueError(
                f"{ENV_PREFIX}WS_COMPRESSION must be one of {', '.join(WS_COMPRESSION)}, "
                f"got {self.ws_compression!r}"
            )
        if self.log_level not in LOG_LEVELS:
            raise ValueError(
                f"{ENV_PREFIX}LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, "
                f"got {self.log_level!r}"
            )
        for name in ("ws_ping_interval", "ws_ping_timeout"):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) >= 0):
                raise ValueError(f"{ENV_PREFIX}{name.upper()} must be 0 or more seconds")
        if not (math.isfinite(self.live_connect_seconds) and self.live_connect_seconds > 0):
            raise ValueError(f"{ENV_PREFIX}LIVE_CONNECT_SECONDS must be more than 0 seconds")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Settings from `FESTIVAL_*` variables; anything not set keeps its default."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            if (number := _NUMBERS.get(f.type)) is not None:
                kind, what = number
                try:
                    values[f.name] = kind(raw)
                except ValueError:
                    raise ValueError(
                        f"{ENV_PREFIX}{f.name.upper()} must be {what}, got {raw!r}"
                    ) from None
            else:
                values[f.name] = raw
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes`; None values are ignored so CLI flags can pass through."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{Path(self.var_dir) / 'festival.db'}"

    @property
    def mail_smtputf8(self) -> bool:
        """Whether outgoing mail can reach an address with a non-ASCII local part."""
        return not self.smtp_url or self.smtp_utf8 == "on"

    @property
    def mail_dir(self) -> Path:
        return Path(self.var_dir) / "mail"

    @property
    def resolved_base_url(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    @property
    def resolved_templates_dir(self) -> Path:
        if self.templates_dir:
            return Path(self.templates_dir)
        # An installed wheel carries the templates inside the package (see pyproject.toml);
        # a checkout has them at the top of the repository.
        package = Path(__file__).resolve().parent
        installed = package / "_templates"
        return installed if installed.is_dir() else package.parent / "templates"


FIELDS: tuple[tuple[str, Any, str], ...] = tuple(
    (f.name, f.default, f.metadata["help"]) for f in dataclasses.fields(Settings)
)
