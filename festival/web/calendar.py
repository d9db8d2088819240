"""The attendee's own calendar feed: `GET /calendar/TOKEN.ics` (the personal token).

Calendar apps fetch it unattended and show no error pages, so anything but a valid personal
token of a registration that still exists answers a plain 404: an unknown, revoked or erased
token, or a role token, alike, which also tells a guesser nothing. The feed is personal, so
no shared cache may keep it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from festival.errors import NotFound
from festival.invites import service as invites
from festival.invites.feed import feed_entries, personal_calendar
from festival.storage.invite_repo import InviteSql
from festival.storage.token_repo import grant_for
from festival.web.state import app_state

HEADERS = {
    # Personal data: a browser or calendar app may keep it, a proxy or CDN never.
    "Cache-Control": "private, no-cache",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
}


async def personal_feed(request: Request) -> Response:
    state = app_state(request)
    secret = request.path_params["token"]
    now = state.clock.now()
    async with state.db.session() as db:
        grant = await grant_for(db, secret, now=now) if secret else None
        if grant is None or grant.role != "attendee" or grant.registration_id is None:
            raise NotFound("no calendar here", code="calendar.not_found")
        festival = await state.festivals.read(db, grant.festival)
        found = await invites.calendar_of(InviteSql(db), grant.registration_id)
    if festival is None or found is None:
        raise NotFound("no calendar here", code="calendar.not_found")
    attending, sent = found
    body = personal_calendar(
        festival,
        feed_entries(attending, sent),
        registration_id=grant.registration_id,
        token=secret,
        base_url=state.settings.resolved_base_url,
        now=now,
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{festival.slug}.ics"', **HEADERS},
    )
