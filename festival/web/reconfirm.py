"""Confirming one's places from the reconfirmation mail: `GET` and `POST /me/TOKEN/reconfirm`.

The `GET` only shows where the attendee stands and, while a place waits for confirmation,
one button, because mail scanners and link previews follow links: only the `POST` confirms
(`registration.reconfirm.confirm`). Like the release link, it needs nothing but the token in
its address. After the deadline, twice, or with nothing to confirm the page says so and
nothing changes; anything but a live personal token is a `404`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from starlette.requests import Request
from starlette.responses import Response

from festival.errors import NotFound
from festival.programme.model import Festival
from festival.registration import reconfirm
from festival.registration.model import Registration
from festival.storage.registration_repo import RegistrationSql, read_registration
from festival.web.context import link_holder, page_language
from festival.web.state import app_state

# A page of one's own, opened from a mail: never cached, indexed or told in a Referer.
HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}

# What the page says: the button (`asked`), or what the button did or why it did nothing.
Shown: TypeAlias = reconfirm.Standing | reconfirm.Outcome


@dataclass(frozen=True)
class ReconfirmPage:
    """Everything templates/me/reconfirm.html needs."""

    festival: Festival
    registration: Registration
    token: str
    shown: Shown
    posted: bool  # the button was pressed: the page tells what it did
    window: reconfirm.Window | None

    def local(self, moment: datetime) -> datetime:
        return self.festival.local(moment)

    def asked(self) -> list[str]:
        """Titles of the places that wait for confirmation (or were confirmed just now)."""
        titles = {s.id: s.title for _, s in self.festival.sessions()}
        return [titles.get(p.session_id, p.session_id) for p in self.registration.places
                if p.status == "confirmed" and p.reconfirm in ("asked", "done")]  # fmt: skip


async def reconfirm_page(request: Request) -> Response:
    state = app_state(request)
    token = request.path_params["token"]
    festival, registration = await link_holder(
        request, token, missing=NotFound("no such link", code="reconfirm.not_found")
    )
    request.state.language = registration.language
    lang = page_language(request, registration.language)
    now = state.clock.now()
    shown: Shown = reconfirm.standing(festival, registration, now)
    posted = request.method == "POST"
    if posted:
        shown = await reconfirm.confirm(
            RegistrationSql(state.db), festival, registration.id, now=now
        )
        async with state.db.session() as db:
            registration = await read_registration(db, registration.id) or registration
        if shown == "nothing":  # the page says why: not asked yet, or never
            shown = reconfirm.standing(festival, registration, now)
    window = reconfirm.window(festival)
    page = ReconfirmPage(festival, registration, token, shown, posted, window)
    return state.templates.TemplateResponse(
        request,
        "me/reconfirm.html",
        {"page": page, "lang": lang},
        status_code=422 if posted and shown == "lapsed" else 200,
        headers=HEADERS,
    )
