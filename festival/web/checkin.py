"""On-site check-in at the door: its API, for `checkin` role tokens (an admin's token opens it
too).

`POST /api/checkin` `{"code": CODE}` checks in the holder of a check-in code of the token's
festival (an admin's: `?festival=` among those it covers); `GET /api/checkin/search?q=…` finds
the festival's attendees by part of their name, for someone without their phone. What a
check-in shows and that it counts once is decided in `festival.attendance`. Both count against
the token's live message limit (festival/web/limits.py): a door needs a few a second at most,
and a flood of guessed codes is cut off.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from festival.access.tokens import Grant
from festival.attendance import CheckIn, check_in, search, shown_code
from festival.errors import Invalid
from festival.programme.model import Festival
from festival.storage.attendance_repo import AttendanceSql
from festival.web.auth import presented_token, require
from festival.web.context import granted_festival
from festival.web.limits import token_key
from festival.web.requests import read_json_object
from festival.web.state import app_state

MAX_CODE = 64
"""Longer than any code with its dashes and spaces; anything longer is refused unread."""


async def _door(request: Request) -> tuple[Grant, Festival]:
    grant = await require(request, "checkin")
    festival = await granted_festival(request, grant)
    return grant, festival


async def api_checkin(request: Request) -> Response:
    state = app_state(request)
    _, festival = await _door(request)
    await state.limits.check_message(token_key(presented_token(request)))
    data = await read_json_object(request)
    code = data.get("code")
    if set(data) != {"code"} or not isinstance(code, str) or not code.strip():
        raise Invalid({"code": 'send {"code": CODE}'})
    if len(code) > MAX_CODE:
        raise Invalid({"code": f"at most {MAX_CODE} characters"})
    async with state.db.session() as db, db.begin():
        arrived = await check_in(AttendanceSql(db), festival, code, state.clock.now())
    return JSONResponse(_json(festival, arrived), headers={"Cache-Control": "no-store"})


async def api_checkin_search(request: Request) -> Response:
    state = app_state(request)
    _, festival = await _door(request)
    await state.limits.check_message(token_key(presented_token(request)))
    # Drawing a found attendee's code for the first time writes: one transaction.
    async with state.db.session() as db, db.begin():
        found = await search(AttendanceSql(db), festival, request.query_params.get("q", ""))
    results = [_json(festival, f) for f in found]
    return JSONResponse({"results": results}, headers={"Cache-Control": "no-store"})


def _json(festival: Festival, c: CheckIn) -> dict[str, Any]:
    return {
        "name": c.name,
        "organisation": c.organisation,
        "mode": c.mode,
        "code": shown_code(c.code),
        "places": [
            {"session": p.session, "title": p.title, "start": festival.local(p.start).isoformat()}
            for p in c.places
        ],
        "checked_in_at": festival.local(c.checked_in_at).isoformat() if c.checked_in_at else None,
        "first": c.first,
    }
