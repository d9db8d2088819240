"""What every route module needs to know about the request in hand: which festival it is about,
which language to answer in, and whose personal link opened it.

One home for these so that route modules never borrow them from one another."""

from __future__ import annotations

from starlette.requests import HTTPConnection, Request

from festival.access.tokens import Grant
from festival.errors import Forbidden, NotFound
from festival.i18n import pick_language
from festival.programme.fields import ID_PATTERN
from festival.programme.model import Festival
from festival.registration.model import Registration
from festival.storage.programme_repo import festival_slugs
from festival.storage.registration_repo import read_registration
from festival.web.auth import grant_of
from festival.web.state import app_state


async def current_festival(request: HTTPConnection, *, live: bool = False) -> Festival:
    """`?festival=SLUG`, else the configured one, else the most recently loaded. `live`: for
    a live connection or a registration, which take the festival as last checked
    (`FestivalCache.live`; the bus tells of every reload)."""
    state = app_state(request)
    slug = request.query_params.get("festival") or state.settings.festival
    if slug and not ID_PATTERN.match(slug):
        # No festival has such a slug; and a NUL in it would make PostgreSQL refuse the query.
        raise NotFound(f"no festival {slug!r}", code="festival.not_found")
    if live:
        festival = await state.festivals.live(state.db, slug, state.clock.now())
    else:
        async with state.db.session() as db:
            if not slug:
                slugs = await festival_slugs(db)
                if not slugs:
                    raise NotFound("no programme has been loaded yet", code="festival.none")
                slug = slugs[0]
            festival = await state.festivals.read(db, slug)
    if festival is None:
        raise NotFound(f"no festival {slug!r}", code="festival.not_found")
    return festival


def page_language(request: Request, default: str = "nl") -> str:
    """`?lang=` wins, then the language the request itself asked for (a registration's
    `language`, once read), then the remembered choice, then the festival's language."""
    requested = (
        request.query_params.get("lang")
        or getattr(request.state, "language", None)
        or request.cookies.get("lang")
    )
    return pick_language(requested, default)


async def attendee_of(conn: HTTPConnection, secret: str) -> tuple[Grant, Festival, Registration]:
    grant = await grant_of(conn, secret)
    if grant.role != "attendee" or grant.registration_id is None:
        raise Forbidden("this is not a personal link")
    state = app_state(conn)
    async with state.db.session() as db:
        festival = await state.festivals.read(db, grant.festival)
        registration = await read_registration(db, grant.registration_id)
    if festival is None or registration is None:
        raise NotFound("registration not found", code="registration.not_found")
    return grant, festival, registration
