"""Secrets out of the log: tokens in addresses are replaced before a line is written.

Every link that opens something carries its secret in the address: `/me/TOKEN`,
`/calendar/TOKEN.ics`, `/join/TOKEN/…` and `?token=` of every console and websocket. uvicorn
logs each request's address (its access log, and the websocket handshake lines) and our own
error lines name the path, so `RedactSecrets` sits on every handler `festival serve` logs
through (uvicorn's, by `log_config`, and the root logger's) and rewrites every record's message
and arguments: `/me/[redacted]`, `?token=[redacted]`.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any, Final

from uvicorn.config import LOGGING_CONFIG

REDACTED: Final = "[redacted]"


def _spelled(word: str) -> str:
    """A pattern for `word` as a client may send it: any of its characters may come
    percent-encoded (`/%6De/…` and `?%74oken=…` reach the same page and parameter, and the
    access log shows the address as sent)."""
    return "".join(f"(?:{re.escape(char)}|%{ord(char):02x})" for char in word)


# A path segment that is a personal secret: the one after /me/, /calendar/ or /join/
# (not /api/me/…, whose segments are names). The ".ics" of a feed goes with it.
_PATH_SECRET = re.compile(
    rf"(?<!/api)({_spelled('/')}(?:{_spelled('me')}|{_spelled('calendar')}|{_spelled('join')})"
    rf"{_spelled('/')})[^/?#\s\"']+",
    re.IGNORECASE,
)
# `token=` in a query, wherever it stands among the parameters.
_QUERY_SECRET = re.compile(rf"([?&;]{_spelled('token=')})[^&#\s\"']*", re.IGNORECASE)


def redact(text: str) -> str:
    return _QUERY_SECRET.sub(rf"\g<1>{REDACTED}", _PATH_SECRET.sub(rf"\g<1>{REDACTED}", text))


def _redacted(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


class RedactSecrets(logging.Filter):
    """Rewrites a record in place and always lets it through. The arguments are redacted one
    by one, not merged into the message: uvicorn's access formatter unpacks them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging (for `uvicorn.run(log_config=…)`), with `RedactSecrets` on both of
    its handlers: the access log and the server's own lines."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": f"{__name__}.RedactSecrets"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    return config


def redact_root_handlers() -> None:
    """`RedactSecrets` on the root logger's handlers too, which festival's own lines (an
    error naming the path it happened on) and the libraries' reach."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
