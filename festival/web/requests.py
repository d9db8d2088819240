"""Reading request bodies safely: size limit, content type, strict JSON."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from festival.errors import FestivalError

MAX_JSON_BYTES = 64 * 1024  # documented in docs/api.md


class BadRequest(FestivalError):
    """A body the server cannot read at all (mapped to 400, 413 or 415)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, code=code)
        self.status = status


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON allows repeated keys and Python keeps the last; for us that hides a mistake
    (two sessions in one round), so a repeated key is an error."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise BadRequest(400, "json.duplicate_key", f"the key {key!r} appears twice")
        out[key] = value
    return out


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
        data = json.loads(body, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError):
        raise BadRequest(400, "json.malformed", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadRequest(400, "json.not_object", "the body must be a JSON object")
    return data
