"""Reading tokens from requests and checking them against the store, once per request.

A console opened with `?token=` (admin, moderator, host, presenter, checkin) moves the token
into an HttpOnly cookie scoped to the console's path and sends the browser to the same address
without it, so the token leaves the address bar, the history and any shared screen.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse

from festival.access.tokens import Grant, Role
from festival.errors import Forbidden, Unauthenticated
from festival.storage.token_repo import grant_for
from festival.web.state import app_state

ADMIN_COOKIE = "festival_admin"
MODERATE_COOKIE = "festival_moderate"  # path /moderate
HOST_COOKIE = "festival_host"  # path /host
PRESENTER_COOKIE = "festival_presenter"  # path /presenter
CHECKIN_COOKIE = "festival_checkin"  # path /checkin
CONSOLE_COOKIE_SECONDS = 12 * 3600
"""A console link keeps working in its browser for a festival day without being clicked again."""


def presented_token(conn: HTTPConnection, cookie: str | None = None) -> str:
    """`Authorization: Bearer …`, else `?token=…`, else the named cookie."""
    header = conn.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return conn.query_params.get("token") or (conn.cookies.get(cookie, "") if cookie else "")


async def grant_of(conn: HTTPConnection, secret: str, *, cached: bool = False) -> Grant:
    """The grant of `secret`, from the store; `cached`: for a live connection, a grant
    remembered from a look-up of the last few seconds will do (festival.access.grants: the
    bus tells every instance of a revocation at once)."""
    state = app_state(conn)
    if not secret:
        raise Unauthenticated("a token is required")
    now = state.clock.now()
    grant = state.grants.get(secret, now) if cached else None
    if grant is None:
        async with state.db.session() as db:
            grant = await grant_for(db, secret, now=now)
        if grant is not None:
            state.grants.put(secret, grant, now)
        else:
            state.grants.drop(secret)  # revoked where no bus message came from
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


def from_address(request: Request) -> bool:
    """The token came in the address (`?token=`) and should move to a cookie."""
    return bool(request.query_params.get("token"))


def into_cookie(request: Request, cookie: str, path: str) -> RedirectResponse:
    """A redirect to this address without `token`, setting the token as `cookie` for `path`.
    Call it only after the token has been checked: a bad one is refused, never stored."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
    target = request.url.path + (f"?{urlencode(kept)}" if kept else "")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        # Lax, not Strict: the link is usually clicked in a mail or chat (another site), and
        # Strict would withhold the cookie on the redirect that follows.
        cookie,
        request.query_params["token"],
        httponly=True,
        samesite="lax",
        path=path,
        max_age=CONSOLE_COOKIE_SECONDS,
    )
    return response
