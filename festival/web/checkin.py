"""On-site check-in at the door: the page `/checkin` and its API, for `checkin` role tokens
(an admin's token opens them too).

`POST /api/checkin` `{"code": CODE}` checks in the holder of a check-in code of the token's
festival (an admin's: `?festival=` among those it covers); `GET /api/checkin/search?q=…` finds
the festival's attendees by part of their name, for someone without their phone. What a
check-in shows and that it counts once is decided in `festival.attendance`. Both count against
the token's live message limit (festival/web/limits.py): a door needs a few a second at most,
and a flood of guessed codes is cut off.

The page moves its `?token=` into a cookie for `/checkin`, like the other consoles; its script
calls the API with the token the page holds, since that cookie does not reach `/api/`. The
camera is the browser's own QR reader (BarcodeDetector) where there is one: no decoder is
shipped, and typing the code or searching the name works in every browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from festival.attendance import CheckIn, check_in, search, shown_code
from festival.errors import Invalid, Unauthenticated
from festival.i18n import is_plural, plural_texts, translate
from festival.programme.model import Festival
from festival.storage.attendance_repo import AttendanceSql
from festival.web.auth import CHECKIN_COOKIE, from_address, into_cookie, presented_token, require
from festival.web.context import granted_festival, page_language
from festival.web.limits import token_key
from festival.web.requests import read_json_object
from festival.web.state import app_state

MAX_CODE = 64
"""Longer than any code with its dashes and spaces; anything longer is refused unread."""
SCRIPT_TEXTS: Final = (
    "checkin_button", "checkin_scan", "checkin_scan_stop", "checkin_welcome", "checkin_already",
    "checkin_done_at", "checkin_unknown", "checkin_no_places", "checkin_online",
    "checkin_pending", "checkin_nobody", "checkin_not_yet", "checkin_failed",
)  # fmt: skip
"""The texts the page's script writes, handed over in the page's language."""


@dataclass(frozen=True)
class CheckinPage:
    """Everything templates/checkin/page.html needs."""

    festival: Festival
    lang: str
    token: str  # for the script's calls; never put in a link

    def text(self, key: str) -> str:
        return translate(key, self.lang)

    def script_texts(self) -> dict[str, str]:
        """The script's texts by data attribute name; a count text as one attribute per
        plural category (`checkin_pending_one`, `checkin_pending_other`), so the script
        picks the form with Intl.PluralRules."""
        texts: dict[str, str] = {}
        for key in SCRIPT_TEXTS:
            if is_plural(key):
                forms = plural_texts(key, self.lang)
                texts.update({f"{key}_{category}": text for category, text in forms.items()})
            else:
                texts[key] = self.text(key)
        return texts


async def _door(request: Request, cookie: str | None = None) -> Festival:
    """The festival whose door the request's token keeps: the checkin token's own, or one an
    admin token covers (`?festival=`)."""
    return await granted_festival(request, await require(request, "checkin", cookie=cookie))


async def checkin_page(request: Request) -> Response:
    state = app_state(request)
    if not presented_token(request, CHECKIN_COOKIE):
        raise Unauthenticated("this page opens with the link of a checkin token")
    festival = await _door(request, CHECKIN_COOKIE)
    if from_address(request):
        return into_cookie(request, CHECKIN_COOKIE, request.url.path)
    lang = page_language(request, festival.language)
    page = CheckinPage(festival, lang, presented_token(request, CHECKIN_COOKIE))
    response = state.templates.TemplateResponse(
        request, "checkin/page.html", {"page": page, "lang": lang}
    )
    response.headers["Cache-Control"] = "no-store"  # the page holds the token
    return response


async def api_checkin(request: Request) -> Response:
    state = app_state(request)
    festival = await _door(request)
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
    festival = await _door(request)
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
