"""Reading what clients send safely: size limit, content type, strict JSON.

`strict_json` is the one parser of JSON from clients, for request bodies and websocket
messages alike: no repeated keys, no NaN or Infinity (nor numbers too large for a float,
which Python would read as infinite and later write as `Infinity`, which is not JSON), and at
most MAX_JSON_DEPTH arrays and objects inside each other (deeper input makes Python's parser
recurse until it raises RecursionError).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Final

from starlette.requests import Request

from festival.errors import FestivalError

MAX_JSON_BYTES = 64 * 1024  # documented in docs/api.md
MAX_JSON_DEPTH: Final = 32
"""Arrays and objects nested in each other; our messages use three."""


class BadRequest(FestivalError):
    """A body the server cannot read at all (mapped to 400, 413 or 415)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, code=code)
        self.status = status


class JsonRefused(ValueError):
    """Client JSON we do not read; `code` is `malformed` or `duplicate_key`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON allows repeated keys and Python keeps the last; for us that hides a mistake
    (two sessions in one round), so a repeated key is an error."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise JsonRefused("duplicate_key", f"the key {key!r} appears twice")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise JsonRefused("malformed", f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise JsonRefused("malformed", f"the number {text[:20]} is too large for JSON")
    return number


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def _depth_within(text: str, limit: int) -> bool:
    outside = _STRINGS.sub("", text)  # brackets inside strings do not nest anything
    if outside.count("[") + outside.count("{") <= limit:
        return True
    depth = 0
    for bracket in _BRACKETS.finditer(outside):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > limit:
            return False
    return True


def strict_json(raw: str | bytes, what: str = "the body") -> Any:
    """Parse JSON a client sent; JsonRefused (a ValueError) when it is not strict JSON.
    `what` names the input in the refusal's message."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise JsonRefused("malformed", f"{what} is not valid JSON (not UTF-8)") from None
    if not _depth_within(text, MAX_JSON_DEPTH):
        raise JsonRefused(
            "malformed",
            f"{what} nests arrays and objects more than {MAX_JSON_DEPTH} deep",
        )
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_float=_finite,
        )
    except JsonRefused:
        raise
    except (ValueError, RecursionError):
        raise JsonRefused("malformed", f"{what} is not valid JSON") from None


def whole_number(raw: str, most_digits: int = 18) -> int | None:
    """`raw` as a whole number when it is 1 to `most_digits` ASCII digits, else None.
    (str.isdigit also takes '٣' and '²', and int() fails on the latter and on 5,000 digits.)"""
    if 0 < len(raw) <= most_digits and raw.isascii() and raw.isdigit():
        return int(raw)
    return None


async def read_json_object(request: Request) -> dict[str, Any]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise BadRequest(415, "json.content_type", "send the body as application/json")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_JSON_BYTES:
        raise BadRequest(413, "json.too_large", f"the body is larger than {MAX_JSON_BYTES} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_JSON_BYTES:
            raise BadRequest(
                413, "json.too_large", f"the body is larger than {MAX_JSON_BYTES} bytes"
            )
    try:
        data = strict_json(body)
    except JsonRefused as refused:
        raise BadRequest(400, f"json.{refused.code}", refused.message) from None
    if not isinstance(data, dict):
        raise BadRequest(400, "json.not_object", "the body must be a JSON object")
    return data


def form_rankings(values: dict[str, str]) -> dict[str, list[str]]:
    """`rank-ROUND-1`, `rank-ROUND-2`, … form fields -> {ROUND: [first, second, …]}."""
    picked: dict[str, list[tuple[int, str]]] = {}
    for name, value in values.items():
        head, _, number = name.rpartition("-")
        position = whole_number(number, 4)
        if name.startswith("rank-") and position is not None and value:
            picked.setdefault(head.removeprefix("rank-"), []).append((position, value))
    return {round_id: [v for _, v in sorted(items)] for round_id, items in picked.items()}
