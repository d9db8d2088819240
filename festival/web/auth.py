"""Reading tokens from requests and checking them against the store, once per request."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from festival.access.tokens import Grant, Role
from festival.errors import Forbidden, Unauthenticated
from festival.storage.token_repo import grant_for
from festival.web.state import app_state

ADMIN_COOKIE = "festival_admin"


def presented_token(conn: HTTPConnection, cookie: str | None = None) -> str:
    """`Authorization: Bearer …`, else `?token=…`, else the named cookie."""
    header = conn.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return conn.query_params.get("token") or (conn.cookies.get(cookie, "") if cookie else "")


async def grant_of(conn: HTTPConnection, secret: str) -> Grant:
    state = app_state(conn)
    if not secret:
        raise Unauthenticated("a token is required")
    async with state.db.session() as db:
        grant = await grant_for(db, secret, now=state.clock.now())
    if grant is None:
        raise Unauthenticated("this token is unknown, revoked or expired", code="auth.invalid")
    return grant


async def require(
    conn: HTTPConnection, role: Role, *, festival: str | None = None, cookie: str | None = None
) -> Grant:
    """The request's grant, if it allows `role` (in `festival`, when given)."""
    grant = await grant_of(conn, presented_token(conn, cookie))
    if not grant.allows(role, festival=festival or grant.festival):
        raise Forbidden(f"this token does not allow {role} actions")
    return grant
