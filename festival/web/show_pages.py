"""The host console (`/host`) and the presenter view (`/presenter`), opened with role tokens.

The pages are rendered with the show as it stands; their scripts then follow the `show`
channel with the same token, so they stay current without reloading. The link's `?token=`
moves into a cookie for the page's path at once (see festival/web/auth.py). The host console
needs a host (or admin) token; the presenter view a presenter, host or admin token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from festival.errors import Forbidden, Unauthenticated
from festival.i18n import duration, translate
from festival.live.show_views import HOST, PUBLIC
from festival.programme.model import Festival, Round
from festival.show import (
    CLOSING_SOON,
    MAX_BLOCK_MINUTES,
    MAX_MESSAGE_CHARS,
    MAX_STEP_MINUTES,
    MIN_BLOCK_MINUTES,
    REHEARSAL_BEFORE,
    SHOW_ERROR_CODES,
    RoundCues,
    Show,
    ShowErrorCode,
    round_cues,
)
from festival.web.auth import (
    HOST_COOKIE,
    PRESENTER_COOKIE,
    from_address,
    into_cookie,
    presented_token,
)
from festival.web.channels import show_festival, show_viewer
from festival.web.context import page_language
from festival.web.state import app_state


@dataclass(frozen=True)
class ShowPage:
    """Everything templates/show/host.html and templates/show/presenter.html need."""

    festival: Festival
    lang: str
    show: Show
    token: str = ""  # for the script's websocket; never put in a link
    max_message: int = MAX_MESSAGE_CHARS
    closing_minutes: int = CLOSING_SOON.seconds // 60
    # The rules' refusals in the page's language; other errors show the server's message.
    error_codes: tuple[ShowErrorCode, ...] = SHOW_ERROR_CODES

    def local(self, moment: datetime) -> datetime:
        return self.festival.local(moment)

    def text(self, key: str) -> str:
        return console_text(key, self.lang)

    def rounds(self) -> list[tuple[Round, RoundCues]]:
        return [(r, round_cues(r)) for r in self.festival.rounds if not r.cancelled]


def console_text(key: str, lang: str) -> str:
    """A host console text in `lang`; the limits it quotes come from the show's rules."""
    return translate(
        key,
        lang,
        max_step=MAX_STEP_MINUTES,
        min_block=duration(MIN_BLOCK_MINUTES, lang),
        max_block=duration(MAX_BLOCK_MINUTES, lang),
        max_chars=MAX_MESSAGE_CHARS,
        rehearsal=duration(REHEARSAL_BEFORE // timedelta(minutes=1), lang),
    )


async def _page(request: Request, template: str, cookie: str, *, need_host: bool) -> Response:
    state = app_state(request)
    secret = presented_token(request, cookie)
    if not secret:
        raise Unauthenticated("this page opens with the link of a role token")
    festival = await show_festival(request, secret)
    viewer = await show_viewer(request, festival, secret)
    if viewer.role == PUBLIC or (need_host and viewer.role != HOST):
        raise Forbidden("this token does not open this page")
    if from_address(request):
        return into_cookie(request, cookie, request.url.path)
    _, show = await state.live.show.state(festival)
    lang = page_language(request, festival.language)
    # The script follows the show channel with the token from the page (a websocket to
    # /ws/channels/show does not get the console's cookie).
    page = ShowPage(festival, lang, show, token=secret)
    response = state.templates.TemplateResponse(request, template, {"page": page, "lang": lang})
    response.headers["Cache-Control"] = "no-store"  # the page holds the token
    return response


async def host_page(request: Request) -> Response:
    return await _page(request, "show/host.html", HOST_COOKIE, need_host=True)


async def presenter_page(request: Request) -> Response:
    return await _page(request, "show/presenter.html", PRESENTER_COOKIE, need_host=False)
