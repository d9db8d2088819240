"""Errors to responses, mapped once: JSON under /api, a page in the festival's style elsewhere.

Unknown exceptions are logged once, with their traceback, by `ServerErrors`; the client only
sees a generic code, and its connection stays usable for the next request.
"""

from __future__ import annotations

import logging
import math

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from festival.errors import (
    FestivalError,
    Forbidden,
    Invalid,
    NotFound,
    StorageUnavailable,
    Unauthenticated,
)
from festival.i18n import LANGUAGES, has_text, is_plural, translate, translate_plural, wait_text
from festival.live.protocol import MessageError
from festival.qa import QaError, RateLimited
from festival.storage.db import storage_trouble
from festival.web.context import page_language
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
    if isinstance(exc, StorageUnavailable):
        return _unavailable(request, exc)
    status = getattr(exc, "status", None) or _STATUS.get(type(exc), 400)
    if status == 429:
        return _too_many(request, exc)
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


def _unavailable(request: Request, exc: StorageUnavailable) -> Response:
    """503: the database cannot write now (full or read-only disk); try again later."""
    log.error("storage unavailable on %s %s: %s", request.method, request.url.path, exc.message)
    headers = {"Retry-After": str(exc.retry_after_seconds)}
    if wants_json(request):
        lang = page_language(request, default="en")
        message = f"{translate('unavailable_text', lang)} ({exc.message})"
        return JSONResponse(
            {"error": {"code": exc.code, "message": message}}, status_code=503, headers=headers
        )
    page = _page(request, 503, "unavailable_title", "unavailable_text")
    page.headers.update(headers)
    return page


def _too_many(request: Request, exc: FestivalError) -> Response:
    """429 (a rate limit): when to try again, in the header and in words, Dutch or English."""
    retry_after = getattr(exc, "retry_after", None)
    seconds = max(1, math.ceil(retry_after.total_seconds())) if retry_after else None
    headers = {"Retry-After": str(seconds)} if seconds else {}
    json_wanted = wants_json(request)
    lang = request_language(request, "en" if json_wanted else "nl")
    # {wait}: how long in words; a count text (the Q&A's) takes the seconds as its count.
    wait = wait_text(seconds, lang)
    if is_plural(exc.code) and seconds:
        text = translate_plural(exc.code, seconds, lang, wait=wait)
    elif has_text(exc.code) and not is_plural(exc.code):
        text = translate(exc.code, lang, wait=wait)
    else:
        text = exc.message
    if json_wanted:
        error: dict[str, object] = {"code": exc.code, "message": text}
        if seconds:
            error["retry_after"] = seconds
        return JSONResponse({"error": error}, status_code=429, headers=headers)
    return app_state(request).templates.TemplateResponse(
        request,
        "error.html",
        {"lang": lang, "title_key": "rate_limited_title", "text": text, "status": 429},
        status_code=429,
        headers=headers,
    )


def request_language(request: Request, default: str) -> str:
    """`?lang=`, the language the request asked for (see `page_language`), the remembered
    choice, then the first language of Accept-Language we speak."""
    chosen = (
        request.query_params.get("lang")
        or getattr(request.state, "language", None)
        or request.cookies.get("lang")
    )
    if chosen in LANGUAGES:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return default


async def server_error(request: Request, exc: Exception) -> Response:
    if (trouble := storage_trouble(exc)) is not None:
        return _unavailable(request, trouble)
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if wants_json(request):
        return JSONResponse(
            {"error": {"code": "internal", "message": "internal error"}}, status_code=500
        )
    return _page(request, 500, "error_title", "error_text")


class ServerErrors:
    """Answers an exception nothing else handled with our 500, logged once.

    Starlette's last-resort handler answers too, but then raises the exception again for the
    server, which logs it a second time and closes the connection: the client's next request
    on that kept-alive connection was reset. Here the exception ends with the answer. Only
    when part of a response has gone out already is it raised on, since then the connection
    cannot carry another answer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except ClientDisconnect:
            return  # gone before its request was read (or cut off: festival.web.server)
        except Exception as exc:
            if started:
                raise
            response = await server_error(Request(scope), exc)
            await response(scope, receive, send)
