"""The Q&A pages: an attendee's questions page, the moderator console, the overlay for the
stream and the panel screen for the room.

Every page is rendered with the channel's current state, so it reads without JavaScript;
`static/qa.js` then follows the channel live. The attendee page also takes a question by a
plain form post. The overlay and the panel screen show only what the audience may see, so
they need no token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response

from festival.errors import FestivalError, Forbidden
from festival.i18n import is_plural, plural_texts, translate, translate_plural
from festival.live.protocol import Viewer, perform
from festival.live.qa_kind import QA_ACTIONS, QaRoom
from festival.live.qa_views import AUDIENCE, MODERATOR
from festival.programme.model import Festival
from festival.qa import MAX_TEXT, ErrorCode
from festival.qa.channels import QaChannelInfo, qa_channel, qa_channels
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
from festival.web.state import app_state

# Refusals the pages show in their own language (others keep the server's message).
ERROR_CODES = (
    *(code.value for code in ErrorCode),
    "message.rate_limited",
    "connection.rate_limited",
    "message.too_large",
    "auth.forbidden",
    "connection.lost",
)


def error_text(code: str, lang: str, *, retry_after: int | None = None) -> str | None:
    """The page's text for a refusal, or None for one without its own text. `{n}` is the
    seconds to wait: a count text takes the form for it ("1 seconde", "42 seconden")."""
    if code not in ERROR_CODES:
        return None
    if is_plural(code):
        if retry_after is None:
            return plural_texts(code, lang)["other"].replace("{n}", "…")
        return translate_plural(code, retry_after, lang, max=MAX_TEXT)
    return translate(code, lang, max=MAX_TEXT, n="…" if retry_after is None else retry_after)


def _script_text(key: str, lang: str) -> str | dict[str, str]:
    """A text for qa.js: a count text as both forms by plural category (qa.js's `tn`)."""
    return plural_texts(key, lang) if is_plural(key) else translate(key, lang)


def script_error(code: str, lang: str) -> str | dict[str, str] | None:
    """A refusal's text for qa.js, which fills in `{n}` itself: a count text goes as both
    forms by plural category, and qa.js picks one with Intl.PluralRules."""
    if code in ERROR_CODES and is_plural(code):
        return plural_texts(code, lang)
    return translate(code, lang, max=MAX_TEXT, n="{n}") if code in ERROR_CODES else None


# Texts the live pages need in their language, handed to qa.js with the page.
SCRIPT_TEXTS = (
    "qa_awaiting",
    "qa_anonymous",
    "qa_votes",
    "qa_vote",
    "qa_unvote",
    "qa_on_air",
    "qa_open",
    "qa_closed",
    "qa_answered",
    "qa_hidden",
    "qa_merged",
    "qa_edited",
    "qa_original",
    "qa_to",
    "qa_offline",
    "qa_reconnecting",
    "qa_nothing_on_air",
    "qa_none_yet",
    "qa_approve",
    "qa_hide",
    "qa_star",
    "qa_unstar",
    "qa_pick",
    "qa_unpick",
    "qa_mark_answered",
    "qa_edit",
    "qa_merge",
    "qa_merge_into",
    "qa_note",
    "qa_pending",
    "qa_sent",
    "qa_announce_pending",
    "qa_announce_approved",
    "qa_announce_on_air",
    "qa_announce_answered",
    "qa_announce_hidden",
    "qa_announce_merged",
    "qa_announce_starred",
    "qa_announce_unstarred",
    "poll_heading",
    "poll_closed_result",
    "poll_answers",
    "poll_send",
    "poll_change",
    "poll_yours",
    "poll_close_button",
    "poll_show_button",
    "poll_hide_button",
    "poll_on_screen",
    "poll_none",
)


@dataclass(frozen=True)
class QaPage:
    festival: Festival
    info: QaChannelInfo
    lang: str
    snapshot: dict[str, Any]
    token: str = ""
    max_text: int = MAX_TEXT

    @property
    def questions(self) -> list[dict[str, Any]]:
        qa: dict[str, Any] = self.snapshot["qa"]
        found: list[dict[str, Any]] = qa["questions"]
        return found

    @property
    def on_air(self) -> dict[str, Any] | None:
        return next((q for q in self.questions if q["state"] == "on_air"), None)

    def by_votes(self) -> list[dict[str, Any]]:
        shown = [q for q in self.questions if q["state"] in ("approved", "on_air", "pending")]
        return sorted(shown, key=lambda q: (-q["votes"], q["asked_at"]))

    def config(self, view: str) -> dict[str, Any]:
        """What qa.js needs: rendered into the page as JSON (escaped by `tojson`)."""
        return {
            "view": view,
            "channel": self.info.id,
            "festival": self.festival.slug,
            "token": self.token,
            "lang": self.lang,
            "texts": {key: _script_text(key, self.lang) for key in SCRIPT_TEXTS},
            # {n}, the seconds to wait, is left for qa.js to fill in.
            "errors": {code: script_error(code, self.lang) for code in ERROR_CODES},
        }


async def _page(
    conn: HTTPConnection, room: QaRoom, viewer: Viewer, lang: str, token: str = ""
) -> QaPage:
    state = app_state(conn)
    seq, qa = await room.service.state(room.festival.slug, room.info.id)
    snapshot = room.snapshot_of(qa, seq, viewer, now=state.clock.now())
    return QaPage(room.festival, room.info, lang, snapshot, token)


async def attendee_questions(request: Request) -> Response:
    """/me/TOKEN/questions/CHANNEL: ask, vote and follow one channel's Q&A."""
    token = request.path_params["token"]
    _, festival, registration = await attendee_of(request, token)
    room = QaRoom(
        app_state(request).live.qa, festival, qa_channel(festival, request.path_params["channel"])
    )
    viewer = await qa_viewer(request, room, token)
    lang = page_language(request, registration.language)
    page = await _page(request, room, viewer, lang, token)
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
        page = await _page(request, room, viewer, lang, token)
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
    page = await _page(request, room, viewer, lang, secret)
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
    page = await _page(request, room, Viewer(AUDIENCE), lang)
    return app_state(request).templates.TemplateResponse(
        request, template, {"page": page, "lang": lang}
    )
