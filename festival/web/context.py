"""What every route module needs to know about the request in hand: which festival it is about,
which language to answer in, whose personal link or role token opened it; and a registration
as every route shows it.

One home for these so that route modules never borrow them from one another (an
import-linter contract keeps the route modules independent)."""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection, Request

from festival.access.tokens import Grant
from festival.errors import Forbidden, NotFound
from festival.i18n import pick_language
from festival.programme.fields import ID_PATTERN
from festival.programme.model import Festival, Round, Session
from festival.registration.model import Place, Registration, place_status
from festival.storage.registration_repo import read_registration
from festival.web.auth import grant_of
from festival.web.state import app_state


async def current_festival(request: HTTPConnection, *, live: bool = False) -> Festival:
    """The festival of the address (`/{slug}/…`, `/api/festivals/{slug}/…`), else
    `?festival=SLUG`, else the configured one, else the one the festival cache chooses
    (`programme.model.featured`: the next to come, else the latest past). `live`: for a
    live connection or a registration, which take the festival as last checked
    (`FestivalCache.live`; the bus tells of every reload)."""
    state = app_state(request)
    slug = (
        request.path_params.get("slug")
        or request.query_params.get("festival")
        or state.settings.festival
    )
    if slug and not ID_PATTERN.match(slug):
        # No festival has such a slug; and a NUL in it would make PostgreSQL refuse the query.
        raise NotFound(f"no festival {slug!r}", code="festival.not_found")
    if live:
        festival = await state.festivals.live(state.db, slug, state.clock.now())
    else:
        async with state.db.session() as db:
            if slug:
                festival = await state.festivals.read(db, slug)
            else:
                festival = await state.festivals.default(db, state.clock.now())
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


async def granted_festival(conn: HTTPConnection, grant: Grant) -> Festival:
    """The festival a role token was made for."""
    state = app_state(conn)
    async with state.db.session() as db:
        festival = await state.festivals.read(db, grant.festival)
    assert festival is not None  # tokens cascade with their festival
    return festival


def registration_json(r: Registration, festival: Festival) -> dict[str, Any]:
    sessions = {s.id: (rnd, s) for rnd, s in festival.sessions()}
    return {
        "id": r.id,
        "festival": r.festival,
        "name": r.name,
        "email": r.email,
        "organisation": r.organisation,
        "language": r.language,
        "mode": r.mode,
        "created_at": festival.local(r.created_at).isoformat(),
        "choices": {p.round_id: _choice_json(p, festival, sessions) for p in r.places},
        "rankings": {round_id: list(ranking) for round_id, ranking in r.rankings.items()},
    }


def _choice_json(
    p: Place, festival: Festival, sessions: dict[str, tuple[Round, Session]]
) -> dict[str, Any]:
    status = place_status(p, festival)
    return {
        "session": p.session_id,
        "title": sessions[p.session_id][1].title if p.session_id in sessions else "",
        "status": status,
        "position": p.position if status == "waitlisted" else None,
    }


def ranks_offered(round_: Round) -> range:
    """The ranked choices a form offers for a round: 1, 2, 3 (fewer for fewer sessions)."""
    return range(1, min(3, len(round_.sessions)) + 1)
