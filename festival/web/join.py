"""Personal join links: `GET /join/TOKEN/ITEM` (ITEM: a session id, or `plenary`).

Inside the item's join window (`festival.attendance.window`) the answer is a `302` to the
session's video link or the plenary's stream, and the use is recorded as attendance; outside
it, a page in the attendee's language saying when the link opens, or that the item has ended
or was cancelled. An item the attendee holds no place in is `403`. Like the calendar feed,
anything but the personal token of a registration that still exists (an unknown, revoked or
erased token, a role token) is a plain `404`, which tells a guesser nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from festival.attendance import JoinDecision, join
from festival.errors import NotFound
from festival.programme.model import PLENARY, Festival
from festival.show import Show
from festival.storage.attendance_repo import AttendanceSql
from festival.web.context import link_holder, page_language
from festival.web.state import AppState, app_state

HEADERS = {
    # Personal, and right only at this moment: no cache keeps it, no referrer carries it.
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True)
class JoinPage:
    """Everything templates/attendance/join.html needs."""

    festival: Festival
    decision: JoinDecision
    token: str

    def local(self, moment: datetime) -> datetime:
        return self.festival.local(moment)


async def join_link(request: Request) -> Response:
    state = app_state(request)
    secret, entry = request.path_params["token"], request.path_params["item"]
    now = state.clock.now()
    festival, registration = await link_holder(
        request, secret, missing=NotFound("no join link here", code="join.not_found")
    )
    request.state.language = registration.language
    show = await _show(state, festival) if entry == PLENARY else None
    async with state.db.session() as db, db.begin():
        decision = await join(
            AttendanceSql(db),
            festival,
            registration,
            entry,
            now=now,
            lead_minutes=state.settings.join_link_minutes,
            show=show,
            record=request.method == "GET",
        )
    if decision.outcome == "open":
        return RedirectResponse(decision.url, status_code=302, headers=HEADERS)
    lang = page_language(request, registration.language)
    return state.templates.TemplateResponse(
        request,
        "attendance/join.html",
        {"page": JoinPage(festival, decision, secret), "lang": lang},
        headers=HEADERS,
    )


async def _show(state: AppState, festival: Festival) -> Show | None:
    """The plenary's run of show as stored (None: no plenary)."""
    if festival.plenary is None:
        return None
    _, show = await state.live.show.state(festival)
    return show
