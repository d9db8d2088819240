"""The organiser's view of outgoing mail: the outbox by kind and status, failures with their
last error and a retry, and the messages delivered into the maildir, each readable: its HTML
shown as the recipient sees it, in a sandboxed frame where none of its scripts can run.

Everything is scoped to the admin token's festival. The retry form is protected against
cross-site requests twice: the admin cookie is SameSite=Lax (a browser does not send it with
another site's POST), and the form carries a token derived from the admin's own secret
(`csrf_token`), which another site cannot know. The JSON retry ignores the cookie: it wants
the token in the Authorization header, which a browser never adds by itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from festival.errors import Forbidden, NotFound
from festival.mailing.maildir import MailView, StoredMail, list_mail, read_mail
from festival.programme.model import Festival
from festival.storage.mailing_repo import STATUSES, Failure, Retrying, retry_failed, summary
from festival.storage.programme_repo import festival_id_of
from festival.web.auth import ADMIN_COOKIE, presented_token, require
from festival.web.context import granted_festival, page_language
from festival.web.state import app_state

MAILS_SHOWN = 50


def csrf_token(secret: str) -> str:
    """A value only the holder of `secret` can put in a form."""
    return hmac.new(secret.encode("utf-8"), b"festival admin form", hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class OutboxPanel:
    """The mail part of templates/admin/page.html."""

    counts: dict[tuple[str, str], int]  # (kind, status) -> n
    failures: list[Failure]
    retrying: list[Retrying]  # failed for now, waiting for their next try
    mails: list[StoredMail]  # newest first
    more_mails: bool
    uses_maildir: bool  # False when mail goes out over SMTP
    csrf: str
    statuses: tuple[str, ...] = STATUSES

    @property
    def kinds(self) -> list[str]:
        return sorted({kind for kind, _ in self.counts})

    def count(self, kind: str, status: str) -> int:
        return self.counts.get((kind, status), 0)

    def total(self, status: str) -> int:
        return sum(n for (_, s), n in self.counts.items() if s == status)


async def outbox_panel(request: Request, festival: Festival) -> OutboxPanel:
    state = app_state(request)
    async with state.db.session() as db:
        found = await summary(db, await festival_id_of(db, festival.slug))
    uses_maildir = not state.settings.smtp_url
    mails, more = (
        await asyncio.to_thread(
            list_mail, state.settings.mail_dir, festival.slug, limit=MAILS_SHOWN
        )
        if uses_maildir
        else ([], False)
    )
    secret = presented_token(request, ADMIN_COOKIE)
    return OutboxPanel(
        found.counts, found.failures, found.retrying, mails, more, uses_maildir, csrf_token(secret)
    )


def outbox_json(panel: OutboxPanel) -> dict[str, object]:
    return {
        "counts": {
            kind: {status: panel.count(kind, status) for status in panel.statuses}
            for kind in panel.kinds
        },
        "failed": [f._asdict() for f in panel.failures],
        "retrying": [
            {**r._asdict(), "next_attempt_at": r.next_attempt_at.isoformat()}
            for r in panel.retrying
        ],
        "maildir": [
            {
                "key": m.key,
                "subject": m.subject,
                "to": m.recipient,
                "date": m.date.isoformat() if m.date else None,
                "message_id": m.message_id,
                "url": f"/admin/mail/{m.key}",
            }
            for m in panel.mails
        ],
        "maildir_more": panel.more_mails,
    }


async def api_admin_outbox(request: Request) -> Response:
    grant = await require(request, "admin", cookie=ADMIN_COOKIE)
    festival = await granted_festival(request, grant)
    return JSONResponse(outbox_json(await outbox_panel(request, festival)))


async def _retry(request: Request, festival: Festival) -> int:
    state = app_state(request)
    async with state.db.session() as db, db.begin():
        retried = await retry_failed(
            db, now=state.clock.now(), festival_id=await festival_id_of(db, festival.slug)
        )
    return retried


async def admin_outbox_retry(request: Request) -> Response:
    """The page's retry button (a form POST with the cookie and the form token)."""
    grant = await require(request, "admin", cookie=ADMIN_COOKIE)
    form = await request.form()
    sent = form.get("csrf")
    expected = csrf_token(presented_token(request, ADMIN_COOKIE))
    if not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise Forbidden("this form is out of date; open the admin page again", code="auth.csrf")
    festival = await granted_festival(request, grant)
    retried = await _retry(request, festival)
    back = urlencode({"festival": festival.slug, "retried": retried})
    return RedirectResponse(f"/admin?{back}#outbox", status_code=303)


async def api_admin_outbox_retry(request: Request) -> Response:
    grant = await require(request, "admin")  # never the cookie: see the module docstring
    festival = await granted_festival(request, grant)
    return JSONResponse({"retried": await _retry(request, festival)})


async def _delivered(request: Request) -> tuple[Festival, MailView]:
    """The admin's festival and the delivered message the address names, or 404."""
    grant = await require(request, "admin", cookie=ADMIN_COOKIE)
    festival = await granted_festival(request, grant)
    view = await asyncio.to_thread(
        read_mail, app_state(request).settings.mail_dir, festival.slug, request.path_params["key"]
    )
    if view is None:
        raise NotFound("no such message in the maildir", code="mail.not_found")
    return festival, view


async def admin_mail(request: Request) -> Response:
    """One delivered message: its headers, its text, its HTML as the recipient sees it (in a
    sandboxed frame, `admin_mail_html`) and its calendar, in the admin's language."""
    festival, view = await _delivered(request)
    lang = page_language(request, festival.language)
    response = app_state(request).templates.TemplateResponse(
        request, "admin/mail.html", {"lang": lang, "festival": festival, "view": view}
    )
    # Nothing of the page runs or loads from elsewhere; the frame is this site's own
    # `admin_mail_html`. (img-src data: for the pages' empty icon, which asks nothing.)
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src data:; frame-src 'self'"
    )
    return response


MAIL_HTML_POLICY: Final = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)
"""The message's HTML comes from outside (names, texts of the programme): the browser gives
it a unique origin where no script runs and no form posts (`sandbox`, whether framed or opened
alone), only its own inline styles apply, nothing is fetched (a remote image would tell its
sender the mail was read), and only the admin's own mail page may frame it."""


async def admin_mail_html(request: Request) -> Response:
    """The HTML part of a delivered message, as sent, for the mail page's frame."""
    _, view = await _delivered(request)
    if not view.html:
        raise NotFound("this message has no HTML part", code="mail.not_found")
    return Response(
        view.html,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": MAIL_HTML_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )
