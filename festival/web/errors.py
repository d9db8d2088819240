"""Errors to responses, mapped once: JSON under /api, a page in the festival's style elsewhere.

Unknown exceptions are logged with their traceback; the client only sees a generic code.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from festival.errors import FestivalError, Forbidden, Invalid, NotFound, Unauthenticated
from festival.i18n import pick_language
from festival.live.qa_actions import MessageError
from festival.qa import QaError, RateLimited
from festival.web.state import app_state

log = logging.getLogger("festival.web")


_STATUS: dict[type[FestivalError], int] = {
    NotFound: 404,
    Invalid: 422,
    Unauthenticated: 401,
    Forbidden: 403,
    QaError: 422,
    RateLimited: 429,
    MessageError: 400,
}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def page_language(request: Request, default: str = "nl") -> str:
    """`?lang=` wins, then the remembered choice, then the festival's language."""
    requested = request.query_params.get("lang") or request.cookies.get("lang")
    return pick_language(requested, default)


def _page(request: Request, status: int, title_key: str, text_key: str) -> Response:
    lang = page_language(request)
    return app_state(request).templates.TemplateResponse(
        request,
        "error.html",
        {"lang": lang, "title_key": title_key, "text_key": text_key, "status": status},
        status_code=status,
    )


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if wants_json(request):
        code = "not_found" if exc.status_code == 404 else f"http.{exc.status_code}"
        return JSONResponse(
            {"error": {"code": code, "message": exc.detail}}, status_code=exc.status_code
        )
    if exc.status_code == 404:
        return _page(request, 404, "not_found_title", "not_found_text")
    return _page(request, exc.status_code, "error_title", "error_text")


async def festival_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FestivalError)
    status = getattr(exc, "status", None) or _STATUS.get(type(exc), 400)
    if wants_json(request):
        body: dict[str, object] = {"error": {"code": exc.code, "message": exc.message}}
        if isinstance(exc, Invalid):
            body["errors"] = exc.errors
        return JSONResponse(body, status_code=status)
    if status == 404:
        return _page(request, 404, "not_found_title", "not_found_text")
    if status in (401, 403):
        return _page(request, status, "denied_title", "denied_text")
    return _page(request, status, "error_title", "error_text")


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if wants_json(request):
        return JSONResponse(
            {"error": {"code": "internal", "message": "internal error"}}, status_code=500
        )
    return _page(request, 500, "error_title", "error_text")
