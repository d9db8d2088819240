"""The organiser view: registrations per session, waitlists, online vs on site, CSV export,
the outgoing mail (see `admin_mail`), the report (see `admin_report`), the live counts of
the festival's audience votes, which only admins see before the reveal, and the themes
attendees brought to the table rounds (their forms post to `web.proposals`).

Opened with an admin token (`festival token create --role admin`). The token from the link is
moved into an HttpOnly cookie at once, so it does not linger in the address bar or history.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from festival.access.tokens import Grant
from festival.attendance import has_door
from festival.i18n import LANGUAGES
from festival.programme.model import Festival
from festival.proposals import Proposal
from festival.registration.capacity import Availability, availability
from festival.registration.export import registrations_csv
from festival.registration.model import Registration, SessionCount
from festival.report.model import Report
from festival.storage.proposal_repo import ProposalSql
from festival.storage.registration_repo import registrations_of, session_counts
from festival.storage.votes_repo import VotesSql
from festival.votes import Standing, standing
from festival.web.admin_mail import OutboxPanel, outbox_panel
from festival.web.admin_report import report_of
from festival.web.auth import ADMIN_COOKIE, require
from festival.web.context import (
    covered_festivals,
    granted_festival,
    page_language,
    registration_json,
)
from festival.web.requests import whole_number
from festival.web.state import app_state


async def _admin_data(
    request: Request, grant: Grant
) -> tuple[Festival, list[Registration], dict[str, list[SessionCount]]]:
    festival = await granted_festival(request, grant)
    state = app_state(request)
    async with state.db.session() as db:
        registrations = list(await registrations_of(db, festival.slug))
        counts = await session_counts(db, festival.slug)
    return festival, registrations, counts


async def _granted(request: Request) -> Grant:
    return await require(request, "admin", cookie=ADMIN_COOKIE)


@dataclass(frozen=True)
class AdminPage:
    """Everything templates/admin/page.html needs."""

    festival: Festival
    lang: str
    registrations: list[Registration]
    counts: dict[str, list[SessionCount]]
    availability: dict[str, Availability]
    mail: OutboxPanel
    report: Report
    retried: int | None  # after the retry button: how many went back in line
    festivals: list[Festival]  # the festivals the token covers: the switcher's
    votes: list[Standing]  # the festival's votes with their counts, revealed or not
    proposals: list[Proposal]  # themes attendees brought to the table rounds, oldest first

    def round_proposals(self, round_id: str) -> list[Proposal]:
        return [p for p in self.proposals if p.round == round_id]

    def waitlist(self, session_id: str) -> list[Registration]:
        line = [
            (p.position or 0, r)
            for r in self.registrations
            for p in r.places
            if p.session_id == session_id and p.status == "waitlisted"
        ]
        return [r for _, r in sorted(line, key=lambda x: (x[0], x[1].id))]

    def session_title(self, session_id: str) -> str:
        """A place's session as the organiser knows it: its title (its id once it is gone)."""
        found = (s.title for _, s in self.festival.sessions() if s.id == session_id)
        return next(found, session_id)

    @property
    def on_site(self) -> bool:
        """Whether the festival has a room to count places in (an online one has not)."""
        return has_door(self.festival)

    def by_mode(self, session_id: str, mode: str) -> SessionCount | None:
        return next((c for c in self.counts.get(session_id, []) if c.mode == mode), None)


async def admin_page(request: Request) -> Response:
    token = request.query_params.get("token")
    if token:
        grant = await require(request, "admin")  # refuse a bad token before setting it
        await granted_festival(request, grant)  # and a festival it does not cover
        # The token goes into a cookie and out of the address; the festival and a language
        # asked for stay.
        kept = [
            (k, v)
            for k, v in request.query_params.multi_items()
            if k == "festival" or (k == "lang" and v in LANGUAGES)
        ]
        target = "/admin" + (f"?{urlencode(kept)}" if kept else "")
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            # Lax, not Strict: the link is usually clicked in a mail or chat (another site),
            # and Strict would withhold the cookie on the redirect that follows.
            ADMIN_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            path="/",
            max_age=12 * 3600,
        )
        return response
    grant = await _granted(request)
    festival, registrations, counts = await _admin_data(request, grant)
    lang = page_language(request, festival.language)
    retried = request.query_params.get("retried", "")
    page = AdminPage(
        festival,
        lang,
        registrations,
        counts,
        availability(festival, counts),
        await outbox_panel(request, festival),
        await report_of(request, festival),
        whole_number(retried, 9),
        await covered_festivals(request, grant),
        await _votes(request, festival),
        await _proposals(request, festival),
    )
    return app_state(request).templates.TemplateResponse(
        request, "admin/page.html", {"page": page, "lang": lang}
    )


async def _votes(request: Request, festival: Festival) -> list[Standing]:
    state = app_state(request)
    now = state.clock.now()
    async with state.db.session() as db:
        store = VotesSql(db)
        return [await standing(store, festival, v.id, now, admin=True) for v in festival.votes]


async def _proposals(request: Request, festival: Festival) -> list[Proposal]:
    async with app_state(request).db.session() as db:
        return await ProposalSql(db).of_festival(festival.slug)


async def admin_csv(request: Request) -> Response:
    """The registrations as CSV; `?format=excel` for Excel as Dutch organisers have it
    (`;`, a UTF-8 byte order mark, session titles)."""
    festival, registrations, _ = await _admin_data(request, await _granted(request))
    excel = request.query_params.get("format") == "excel"
    name = f"{festival.slug}-registrations{'-excel' if excel else ''}.csv"
    return Response(
        registrations_csv(festival, registrations, excel=excel),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def api_admin_registrations(request: Request) -> Response:
    festival, registrations, counts = await _admin_data(request, await _granted(request))
    places = availability(festival, counts)
    return JSONResponse(
        {
            "registrations": [registration_json(r, festival) for r in registrations],
            "sessions": {
                s: {
                    "confirmed": a.confirmed,
                    "waitlisted": a.waitlisted,
                    "places_left": a.places_left,
                    "seats_left": a.seats_left,
                }
                for s, a in places.items()
            },
        }
    )
