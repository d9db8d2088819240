"""Giving a place back from a mail: `GET` and `POST /me/TOKEN/release/ITEM` (ITEM: a session id).

Every invite and reminder of a session links here. The `GET` only shows the place and one
button, because mail scanners and link previews follow links: only the `POST` gives the place
back, and the next in line is promoted at once, with their mail (`change_place`). Like the
other `/me/TOKEN/…` forms, the post needs nothing but the token in its address, which another
site cannot know. The plenary is no place one holds, so it (like any item that is not a
session on the programme) is a `404`; so is anything but a live personal token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from starlette.requests import Request
from starlette.responses import Response

from festival.errors import Invalid, NotFound
from festival.programme.model import Festival, Round, Session
from festival.registration.attending import held_places
from festival.registration.model import Registration
from festival.registration.service import change_place
from festival.registration.validation import validate_change
from festival.storage.registration_repo import RegistrationSql
from festival.web.context import link_holder, page_language
from festival.web.state import app_state

HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}

# held: the button; released: given back just now; no_place: none to give back (never had
# one, or given back before); refused: the round has started, too late to give it back.
Outcome = Literal["held", "released", "no_place", "refused"]


@dataclass(frozen=True)
class ReleasePage:
    """Everything templates/me/release.html needs."""

    festival: Festival
    session: Session
    token: str
    outcome: Outcome
    waitlisted: bool  # the place is one in line: the button leaves the waitlist
    reason: str = ""  # why it was refused, in the page's language

    def local(self, moment: datetime) -> datetime:
        return self.festival.local(moment)


def _session(festival: Festival, item: str) -> tuple[Round, Session]:
    found = next(((r, s) for r, s in festival.sessions() if s.id == item), None)
    if found is None:
        raise NotFound(f"no session {item!r} to give a place back in", code="release.no_item")
    return found


def _held(registration: Registration, festival: Festival, session: Session) -> bool | None:
    """None without a place in the session, else whether the place is one in line."""
    place = next(
        (p for p in held_places(festival, registration) if p.session.id == session.id), None
    )
    return None if place is None else place.place.status == "waitlisted"


async def release_page(request: Request) -> Response:
    state = app_state(request)
    token, item = request.path_params["token"], request.path_params["item"]
    festival, registration = await link_holder(
        request, token, missing=NotFound("no such link", code="release.not_found")
    )
    request.state.language = registration.language
    lang = page_language(request, registration.language)
    round_, session = _session(festival, item)
    waitlisted = _held(registration, festival, session)
    outcome: Outcome = "no_place" if waitlisted is None else "held"
    reason = ""
    if waitlisted is not None:
        now = state.clock.now()
        try:
            validate_change(festival, round_.id, None, registration.mode, now=now, language=lang)
        except Invalid as exc:
            outcome, reason = "refused", next(iter(exc.errors.values()))
        else:
            if request.method == "POST":
                await change_place(
                    RegistrationSql(state.db), registration.id, round_.id, None, now=now
                )
                outcome = "released"
    page = ReleasePage(festival, session, token, outcome, bool(waitlisted), reason)
    return state.templates.TemplateResponse(
        request,
        "me/release.html",
        {"page": page, "lang": lang},
        status_code=422 if outcome == "refused" else 200,
        headers=HEADERS,
    )
