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
from festival.storage.token_repo import grant_for
from festival.web.auth import grant_of
from festival.web.state import app_state


async def current_festival(
    conn: HTTPConnection, *, live: bool = False, secret: str = ""
) -> Festival:
    """The festival of the address (`/{slug}/…`, `/api/festivals/{slug}/…`), else
    `?festival=SLUG`, else the festival of the token presented (`secret`: a role or personal
    token carries its festival, so a console or socket opened with it follows it), else the
    configured one, else the one the festival cache chooses (`programme.model.featured`: the
    next to come, else the latest past). `live`: for a live connection or a registration,
    which take the festival (and the token's grant) as last checked (`FestivalCache.live`;
    the bus tells of every reload)."""
    state = app_state(conn)
    slug = conn.path_params.get("slug") or conn.query_params.get("festival")
    if not slug and secret:
        slug = (await grant_of(conn, secret, cached=live)).festival
    slug = slug or state.settings.festival
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


async def link_holder(
    conn: HTTPConnection, secret: str, *, missing: NotFound
) -> tuple[Festival, Registration]:
    """The festival and registration of a personal link opened from a mail or calendar
    (`/join/…`, `/me/…/release/…`). Anything but the personal token of a registration that
    still exists (unknown, revoked, erased, a role token) is `missing`, a plain 404 that tells
    a guesser nothing, where `attendee_of` tells an expired link from a wrong kind of token."""
    state = app_state(conn)
    async with state.db.session() as db:
        grant = await grant_for(db, secret, now=state.clock.now()) if secret else None
        if grant is None or grant.role != "attendee" or grant.registration_id is None:
            raise missing
        festival = await state.festivals.read(db, grant.festival)
        registration = await read_registration(db, grant.registration_id)
    if festival is None or registration is None:
        raise missing
    return festival, registration


async def granted_festival(conn: HTTPConnection, grant: Grant) -> Festival:
    """The festival an admin's page or call is about: `?festival=SLUG` if the token covers
    it (refused if not: checked here, whatever a page linked to), else the token's own."""
    slug = conn.query_params.get("festival") or grant.festival
    if not grant.covers(slug):
        raise Forbidden(f"this token does not cover the festival {slug!r}")
    state = app_state(conn)
    async with state.db.session() as db:
        festival = await state.festivals.read(db, slug)
    if festival is None:  # a festival it covers by `every_festival`, not stored
        raise NotFound(f"no festival {slug!r}", code="festival.not_found")
    return festival


async def covered_festivals(conn: HTTPConnection, grant: Grant) -> list[Festival]:
    """The festivals the token covers, by date: what the admin page switches between."""
    state = app_state(conn)
    async with state.db.session() as db:
        stored = await state.festivals.all(db)
    return sorted((f for f in stored if grant.covers(f.slug)), key=lambda f: (f.span(), f.slug))


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
