"""The Q&A pages: an attendee's questions page, the moderator console, the overlay for the
stream and the panel screen for the room.

Every page is rendered with the channel's current state, so it reads without JavaScript;
`static/qa.js` then follows the channel live. The attendee page also takes a question by a
plain form post. The overlay and the panel screen show only what the audience may see, so
they need no token.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from festival.errors import FestivalError, Forbidden
from festival.live.protocol import Viewer, perform
from festival.live.qa_kind import QA_ACTIONS, QaRoom
from festival.live.qa_views import AUDIENCE, MODERATOR
from festival.qa import MAX_TEXT
from festival.qa.channels import qa_channel, qa_channels
from festival.web.auth import (
    MODERATE_COOKIE,
    from_address,
    grant_of,
    into_cookie,
    presented_token,
)
from festival.web.channels import qa_room, qa_viewer
from festival.web.context import attendee_of, current_festival, page_language
from festival.web.limits import TooManyRequests, token_key
from festival.web.qa_feed import error_text, qa_page
from festival.web.state import app_state


async def attendee_questions(request: Request) -> Response:
    """/me/TOKEN/questions/CHANNEL: ask, vote and follow one channel's Q&A."""
    token = request.path_params["token"]
    _, festival, registration = await attendee_of(request, token)
    room = QaRoom(
        app_state(request).live.qa, festival, qa_channel(festival, request.path_params["channel"])
    )
    viewer = await qa_viewer(request, room, token)
    lang = page_language(request, registration.language)
    page = await qa_page(request, room, viewer, lang, token)
    notice = request.query_params.get("asked") == "1"
    return app_state(request).templates.TemplateResponse(
        request,
        "qa/attendee.html",
        {"page": page, "lang": lang, "viewer": viewer, "notice": notice, "error": None},
    )


async def attendee_ask(request: Request) -> Response:
    """The same page's form post: ask without JavaScript."""
    token = request.path_params["token"]
    _, festival, registration = await attendee_of(request, token)
    room = QaRoom(
        app_state(request).live.qa, festival, qa_channel(festival, request.path_params["channel"])
    )
    viewer = await qa_viewer(request, room, token)
    form = await request.form(max_files=0, max_fields=5, max_part_size=4 * MAX_TEXT)
    message = {
        "type": "ask",
        "text": str(form.get("text", "")),
        "speaker": str(form.get("speaker", "")) or None,
        "anonymous": form.get("anonymous") == "on",
    }
    state = app_state(request)
    lang = page_language(request, registration.language)
    try:
        # A form post is a live message like any other: the same limit, counted together.
        await state.limits.check_message(token_key(token))
        await perform(QA_ACTIONS, room, room.channel, viewer, message, state.clock.now())
    except FestivalError as error:
        page = await qa_page(request, room, viewer, lang, token)
        return state.templates.TemplateResponse(
            request,
            "qa/attendee.html",
            {
                "page": page,
                "lang": lang,
                "viewer": viewer,
                "notice": False,
                "error": error,
                "error_text": _error_text_of(error, lang),
            },
            status_code=_status_of(error),
        )
    return RedirectResponse(f"{request.url.path}?asked=1&lang={lang}", status_code=303)


def _status_of(error: FestivalError) -> int:
    if isinstance(error, TooManyRequests):
        return 429
    return 403 if isinstance(error, Forbidden) else 422


def _error_text_of(error: FestivalError, lang: str) -> str:
    retry_after = getattr(error, "retry_after", None)
    seconds = None if retry_after is None else max(1, round(retry_after.total_seconds()))
    return error_text(error.code, lang, retry_after=seconds) or error.message


async def moderate_index(request: Request) -> Response:
    """/moderate?token=…: the channels this token may moderate."""
    secret = presented_token(request, MODERATE_COOKIE)
    grant = await grant_of(request, secret)
    state = app_state(request)
    festival = await current_festival(request, secret=secret)
    allowed = [
        info
        for info in qa_channels(festival).values()
        if grant.moderates(festival=festival.slug, channel=info.id)
    ]
    if not allowed:
        raise Forbidden("this token may not moderate any channel")
    if from_address(request):
        return into_cookie(request, MODERATE_COOKIE, "/moderate")
    lang = page_language(request, festival.language)
    if len(allowed) == 1:
        return RedirectResponse(f"/moderate/{allowed[0].id}?lang={lang}", status_code=303)
    return _private(
        state.templates.TemplateResponse(
            request,
            "qa/moderate_index.html",
            {"festival": festival, "channels": allowed, "lang": lang},
        )
    )


async def moderate_page(request: Request) -> Response:
    secret = presented_token(request, MODERATE_COOKIE)
    room = await qa_room(request, secret=secret)
    viewer = await qa_viewer(request, room, secret)
    if viewer.role != MODERATOR:
        raise Forbidden(f"this token may not moderate {room.info.id!r}")
    if from_address(request):
        return into_cookie(request, MODERATE_COOKIE, "/moderate")
    lang = page_language(request, room.festival.language)
    # The page hands the token to qa.js, which connects with it (a websocket to
    # /ws/channels/… does not get the /moderate cookie).
    page = await qa_page(request, room, viewer, lang, secret)
    return _private(
        app_state(request).templates.TemplateResponse(
            request, "qa/moderate.html", {"page": page, "lang": lang}
        )
    )


def _private(response: Response) -> Response:
    """A console page holds its token: no cache, shared or the browser's, keeps a copy."""
    response.headers["Cache-Control"] = "no-store"
    return response


async def overlay_page(request: Request) -> Response:
    """For streaming software: the question on air, on a transparent page."""
    return await _public(request, "qa/overlay.html")


async def panel_page(request: Request) -> Response:
    """For a screen in the room: the question on air and the most voted ones."""
    return await _public(request, "qa/panel.html")


async def _public(request: Request, template: str) -> Response:
    room = await qa_room(request)
    lang = page_language(request, room.festival.language)
    page = await qa_page(request, room, Viewer(AUDIENCE), lang)
    return app_state(request).templates.TemplateResponse(
        request, template, {"page": page, "lang": lang}
    )
