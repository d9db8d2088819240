"""Reading typed fields out of parsed TOML while collecting every problem.

A `FieldReader` never raises on bad input: it records a Problem located at the key's line
(from `positions.locate_keys`) and returns None, so one pass reports everything that is wrong.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Sequence
from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlsplit

from festival.errors import Problem
from festival.programme.positions import KeyPath, line_of

ID_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
EMAIL_PATTERN = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_TIME_TEXT = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def clock(moment: time | datetime) -> str:
    """10:30, or 10:30:15 when the seconds matter."""
    return f"{moment:%H:%M:%S}" if moment.second else f"{moment:%H:%M}"


def show(value: Any) -> str:
    """A value as the TOML author wrote it, not as Python spells it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, str):
        return repr(value)
    return repr(value) if not isinstance(value, dict | list) else type(value).__name__


def dotted(path: KeyPath) -> str:
    """`("round", 0, "session", 2, "id")` -> `round[0].session[2].id`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


class FieldReader:
    def __init__(self, filename: str, positions: dict[KeyPath, int]) -> None:
        self.filename = filename
        self.positions = positions
        self.problems: list[Problem] = []

    def problem(self, path: KeyPath, message: str) -> None:
        self.problems.append(
            Problem(self.filename, line_of(self.positions, path), dotted(path), message)
        )

    def line(self, path: KeyPath) -> int | None:
        return line_of(self.positions, path)

    # -- structure -------------------------------------------------------------------------

    def table(
        self,
        value: Any,
        path: KeyPath,
        *,
        allowed: Collection[str],
        required: Collection[str] = (),
    ) -> dict[str, Any] | None:
        """`value` as a table with only `allowed` keys and every `required` one present."""
        if not isinstance(value, dict):
            self.problem(path, f"{dotted(path)} must be a table, got {_kind(value)}")
            return None
        for key in value:
            if key not in allowed:
                hint = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
                self.problem(
                    (*path, key), f"unknown key '{key}' in {dotted(path) or 'the file'}{suggestion}"
                )
        for key in required:
            if key not in value:
                self.problem(path, f"missing required field {dotted((*path, key))}")
        return value

    def tables(self, value: Any, path: KeyPath) -> list[Any]:
        """An array of tables (`[[name]]`); anything else is reported."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(path, f"{dotted(path)} must be an array of tables ([[{dotted(path)}]])")
            return []
        return value

    # -- scalars ---------------------------------------------------------------------------

    def text(self, table: dict[str, Any], path: KeyPath, key: str, *, max_len: int = 20_000) -> str:
        value = table.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problem((*path, key), f"{dotted((*path, key))} must be text, got {_kind(value)}")
            return ""
        if len(value) > max_len:
            self.problem(
                (*path, key), f"{dotted((*path, key))} is longer than {max_len} characters"
            )
        return value.strip()

    def required_text(self, table: dict[str, Any], path: KeyPath, key: str) -> str:
        value = self.text(table, path, key, max_len=500)
        if key in table and isinstance(table[key], str) and not value:
            self.problem((*path, key), f"{dotted((*path, key))} must not be empty")
        return value

    def ident(self, table: dict[str, Any], path: KeyPath, key: str) -> str:
        value = table.get(key)
        if value is None:
            return ""
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.problem(
                (*path, key),
                f"{dotted((*path, key))} must be lowercase letters, digits and hyphens "
                f"(at most 64), got {show(value)}",
            )
            return ""
        return value

    def choice(self, table: dict[str, Any], path: KeyPath, key: str, options: Sequence[str]) -> str:
        value = table.get(key)
        if value is None:
            return ""
        if value not in options:
            self.problem(
                (*path, key),
                f"{dotted((*path, key))} must be one of {', '.join(options)}; got {show(value)}",
            )
            return ""
        return str(value)

    def positive_int(self, table: dict[str, Any], path: KeyPath, key: str) -> int | None:
        value = table.get(key)
        if value is None:
            return None
        # bool is an int in Python; `capacity = true` is a mistake, not 1.
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.problem(
                (*path, key),
                f"{dotted((*path, key))} must be a whole number greater than 0, got {show(value)}",
            )
            return None
        return value

    def flag(self, table: dict[str, Any], path: KeyPath, key: str) -> bool:
        """`true` or `false` (absent: false)."""
        value = table.get(key, False)
        if not isinstance(value, bool):
            self.problem(
                (*path, key), f"{dotted((*path, key))} must be true or false, got {show(value)}"
            )
            return False
        return value

    def whole_number(self, table: dict[str, Any], path: KeyPath, key: str) -> int:
        """A count that may be 0 (absent: 0)."""
        value = table.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.problem(
                (*path, key),
                f"{dotted((*path, key))} must be a whole number 0 or more, got {show(value)}",
            )
            return 0
        return value

    def url(self, table: dict[str, Any], path: KeyPath, key: str) -> str:
        value = self.text(table, path, key, max_len=2000)
        if value and not is_url(value):
            self.problem(
                (*path, key),
                f"{dotted((*path, key))} is not a valid http(s) URL: {show(value)}",
            )
            return ""
        return value

    def email(self, table: dict[str, Any], path: KeyPath, key: str) -> str:
        value = self.text(table, path, key, max_len=320)
        if value and not EMAIL_PATTERN.match(value):
            self.problem(
                (*path, key), f"{dotted((*path, key))} is not an e-mail address: {show(value)}"
            )
            return ""
        return value

    def date(self, table: dict[str, Any], path: KeyPath, key: str) -> date | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, datetime) or not isinstance(value, date):
            self.problem(
                (*path, key),
                f"{dotted((*path, key))} must be a date like 2020-11-19, got {show(value)}",
            )
            return None
        return value

    def time(self, table: dict[str, Any], path: KeyPath, key: str) -> time | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, time) and value.tzinfo is None:
            return value
        if isinstance(value, str) and (match := _TIME_TEXT.match(value.strip())):
            hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
            if hour < 24 and minute < 60 and second < 60:
                return time(hour, minute, second)
        self.problem(
            (*path, key),
            f"{dotted((*path, key))} must be a local time like 10:30:00, got {show(value)}",
        )
        return None

    def local_datetime(self, table: dict[str, Any], path: KeyPath, key: str) -> datetime | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, datetime) and value.tzinfo is None:
            return value
        self.problem(
            (*path, key),
            f"{dotted((*path, key))} must be a local date-time like 2020-10-01T09:00:00 "
            f"(festival time zone, no offset), got {show(value)}",
        )
        return None

    def strings(self, table: dict[str, Any], path: KeyPath, key: str) -> tuple[str, ...]:
        value = table.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem((*path, key), f"{dotted((*path, key))} must be an array of text")
            return ()
        return tuple(v.strip() for v in value)


def is_url(value: str) -> bool:
    if any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    host = parts.hostname or ""
    try:
        parts.port  # noqa: B018 -- raises ValueError on a port that is not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and (host == "localhost" or "." in host)


def _kind(value: Any) -> str:
    names = {str: "text", int: "a number", float: "a number", bool: "true/false", list: "an array"}
    return names.get(type(value), type(value).__name__)
