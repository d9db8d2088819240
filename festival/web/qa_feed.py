"""The Q&A feed as the pages show it: the channel's state for one viewer, the texts and
refusals its script needs in the page's language, and when a closed Q&A opens.

Shared by the Q&A pages (festival/web/qa_pages.py) and the live view at the top of the
personal page (festival/web/me.py); route modules lend each other nothing, so it lives here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import HTTPConnection

from festival.i18n import is_plural, long_moment, plural_texts, translate, translate_plural
from festival.live.protocol import Viewer
from festival.live.qa_kind import QaRoom
from festival.programme.model import Festival
from festival.qa import MAX_TEXT, ErrorCode
from festival.qa.channels import QaChannelInfo
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
    "qa_opens_at",
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
    now: datetime | None = None  # when the page is made: is the opening still to come?

    @property
    def open(self) -> bool:
        return bool(self.snapshot["qa"]["open"])

    @property
    def opens(self) -> datetime | None:
        """When a closed Q&A opens by itself (its programme block's start), if still to come."""
        if self.open or self.now is None or self.now >= self.info.start:
            return None
        return self.info.start

    def status_text(self) -> str:
        """Open; closed until a moment (in the festival's zone: qa.js writes the viewer's own);
        or closed now."""
        if self.open:
            return translate("qa_open", self.lang)
        if self.opens is None:
            return translate("qa_closed", self.lang)
        moment = long_moment(self.festival.local(self.opens), self.lang)
        return translate("qa_opens_at", self.lang, time=moment)

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
            # A closed Q&A's opening moment; qa.js writes it in the viewer's own zone.
            "opens": self.info.start.isoformat(),
            "texts": {key: _script_text(key, self.lang) for key in SCRIPT_TEXTS},
            # {n}, the seconds to wait, is left for qa.js to fill in.
            "errors": {code: script_error(code, self.lang) for code in ERROR_CODES},
        }


async def qa_page(
    conn: HTTPConnection, room: QaRoom, viewer: Viewer, lang: str, token: str = ""
) -> QaPage:
    """The channel as `viewer` may see it now."""
    now = app_state(conn).clock.now()
    seq, qa = await room.service.state(room.festival.slug, room.info.id)
    snapshot = room.snapshot_of(qa, seq, viewer, now=now)
    return QaPage(room.festival, room.info, lang, snapshot, token, now=now)
