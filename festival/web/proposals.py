"""Themes brought to the table: attendees propose them, the organiser decides.

- `POST /api/rounds/{ROUND}/proposals`: `{"title", "description"}` with the personal token
  (`Authorization: Bearer`) → 201 with the proposal. The festival is the token's.
- `GET /api/rounds/{ROUND}/proposals`: the personal token's own proposals for the round.
- `/me/{TOKEN}/proposals`: the attendee's proposals and their state, and a form per round
  that takes themes now (its POST proposes, as the API does).
- `POST /admin/proposals/{ID}/accept`, `…/decline`, `…/edit`: the admin page's forms, with
  the admin cookie and the form token (`admin_mail.csrf_token`), as the outbox retry.

The rules are `festival.proposals`'. Titles and descriptions are stored as sent and shown
as text: every template escapes them.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from festival.errors import FestivalError, Forbidden, Invalid, NotFound
from festival.i18n import translate
from festival.invites import service as invites
from festival.programme.model import Festival, Round
from festival.proposals import (
    MAX_DESCRIPTION,
    MAX_TITLE,
    AlreadyDecided,
    Proposal,
    accept,
    closes_at,
    decline,
    edit,
    propose,
)
from festival.registration.model import Registration
from festival.storage.invite_repo import InviteSql
from festival.storage.programme_repo import ProgrammeSql
from festival.storage.proposal_repo import ProposalSql
from festival.web.admin_mail import csrf_token
from festival.web.auth import ADMIN_COOKIE, presented_token, require
from festival.web.caches import tell_programme_changed
from festival.web.context import attendee_of, granted_festival, link_holder, page_language
from festival.web.requests import read_json_object
from festival.web.state import app_state

HEADERS: Final = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
FORM_FIELDS: Final = 5
FORM_PART_BYTES: Final = 8 * 1024  # a description of 1,000 characters, each up to 4 bytes
DECISIONS: Final = ("accept", "decline", "edit")


def proposal_json(festival: Festival, p: Proposal) -> dict[str, Any]:
    return {
        "id": p.id,
        "festival": festival.slug,
        "round": p.round,
        "title": p.title,
        "description": p.description,
        "state": p.state,
        "session": p.session_id if p.state == "accepted" else None,
        "created_at": festival.local(p.created_at).isoformat(),
        "decided_at": festival.local(p.decided_at).isoformat() if p.decided_at else None,
    }


def field_errors(error: Invalid, lang: str) -> dict[str, str]:
    """A refused title or description as the forms say it, in the page's language."""
    limits = {"title": MAX_TITLE, "description": MAX_DESCRIPTION}
    return {
        key: translate(f"proposal_err_{key}", lang, n=limits[key]) if key in limits else why
        for key, why in error.errors.items()
    }


async def _propose(
    request: Request,
    festival: Festival,
    registration: Registration,
    round_id: str,
    data: dict[str, Any],
) -> Proposal:
    state = app_state(request)
    async with state.db.session() as db, db.begin():
        store = ProposalSql(db)
        return await propose(store, festival, round_id, registration, data, state.clock.now())


async def api_propose(request: Request) -> Response:
    _grant, festival, registration = await attendee_of(request, presented_token(request))
    data = await read_json_object(request)
    round_id = request.path_params["round"]
    proposal = await _propose(request, festival, registration, round_id, data)
    return JSONResponse(proposal_json(festival, proposal), status_code=201, headers=HEADERS)


async def api_own_proposals(request: Request) -> Response:
    _grant, festival, registration = await attendee_of(request, presented_token(request))
    round_id = request.path_params["round"]
    if not any(r.id == round_id for r in festival.rounds):
        raise NotFound(f"no round {round_id!r}", code="proposal.round_not_found")
    state = app_state(request)
    async with state.db.session() as db:
        mine = await ProposalSql(db).of_registration(registration.id)
    found = [proposal_json(festival, p) for p in mine if p.round == round_id]
    return JSONResponse({"proposals": found}, headers=HEADERS)


# --- the attendee's page ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposalsPage:
    """Everything templates/proposals/page.html needs."""

    festival: Festival
    lang: str
    token: str
    now: datetime
    mine: list[Proposal]
    sent: bool = False  # a theme was just proposed
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    failed_round: str = ""  # the round whose form the errors belong to
    max_title: int = MAX_TITLE
    max_description: int = MAX_DESCRIPTION

    def open_rounds(self) -> list[Round]:
        return [
            r
            for r in self.festival.rounds
            if r.proposals and not r.cancelled and self.now < closes_at(self.festival, r)
        ]

    def closes(self, round_: Round) -> datetime:
        return self.festival.local(closes_at(self.festival, round_))

    def round_title(self, round_id: str) -> str:
        return next((r.title for r in self.festival.rounds if r.id == round_id), round_id)


async def proposals_page(request: Request) -> Response:
    """`/me/TOKEN/proposals`: GET shows, POST (`round`, `title`, `description`) proposes."""
    state = app_state(request)
    token = request.path_params["token"]
    festival, registration = await link_holder(
        request, token, missing=NotFound("no such personal link", code="registration.not_found")
    )
    lang = page_language(request, registration.language)
    extra: dict[str, Any] = {}
    status_code = 200
    if request.method == "POST":
        form = await request.form(
            max_files=0, max_fields=FORM_FIELDS, max_part_size=FORM_PART_BYTES
        )
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        round_id = values.pop("round", "")
        try:
            await _propose(request, festival, registration, round_id, values)
            extra["sent"] = True
            status_code = 201
        except FestivalError as error:
            if getattr(error, "status", None) == 429 or isinstance(error, NotFound):
                raise
            status_code = 422 if isinstance(error, Invalid) else 403
            errors = (
                field_errors(error, lang)
                if isinstance(error, Invalid)
                else {"round": translate(f"err_{error.code.replace('.', '_')}", lang)}
            )
            extra.update(errors=errors, values=values, failed_round=round_id)
    async with state.db.session() as db:
        mine = await ProposalSql(db).of_registration(registration.id)
    page = ProposalsPage(festival, lang, token, state.clock.now(), mine, **extra)
    return state.templates.TemplateResponse(
        request, "proposals/page.html", {"page": page, "lang": lang},
        status_code=status_code, headers=HEADERS,
    )  # fmt: skip


# --- the organiser's decisions -----------------------------------------------------------------


async def admin_decide(request: Request) -> Response:
    """The admin page's accept / decline / edit forms; back to the page's proposals."""
    grant = await require(request, "admin", cookie=ADMIN_COOKIE)
    form = await request.form(max_files=0, max_fields=FORM_FIELDS, max_part_size=FORM_PART_BYTES)
    sent = form.get("csrf")
    expected = csrf_token(presented_token(request, ADMIN_COOKIE))
    if not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise Forbidden("this form is out of date; open the admin page again", code="auth.csrf")
    festival = await granted_festival(request, grant)
    action = request.path_params["action"]
    if action not in DECISIONS:
        raise NotFound(f"no action {action!r}", code="not_found")
    try:
        proposal_id = int(request.path_params["proposal"])
    except ValueError:
        raise NotFound("no such proposal", code="proposal.not_found") from None
    state = app_state(request)
    now = state.clock.now()
    fields = {k: v for k, v in form.items() if k in ("title", "description")}
    try:
        async with state.db.session() as db, db.begin():
            store, sessions = ProposalSql(db), ProgrammeSql(db)
            if action == "accept":
                await accept(store, sessions, festival, proposal_id, now)
            elif action == "decline":
                await decline(store, festival, proposal_id, now)
            else:
                _edited, report = await edit(store, sessions, festival, proposal_id, fields, now)
                if report is not None:  # the calendars of those in its session follow
                    await invites.programme_saved(InviteSql(db), report, now)
    except (Invalid, AlreadyDecided) as refused:
        return _refused(request, festival, proposal_id, refused)
    if action != "decline":
        # Live connections trust the festival they read for a few seconds: tell them now.
        await tell_programme_changed(state.live.bus, festival.slug)
    back = urlencode({"festival": festival.slug})
    return RedirectResponse(f"/admin?{back}#proposal-{proposal_id}", status_code=303)


def _refused(
    request: Request, festival: Festival, proposal_id: int, refused: FestivalError
) -> Response:
    """What the admin's form changed nothing for, and why (422 for bad fields, 409 for a
    theme decided before)."""
    lang = page_language(request, festival.language)
    why = (
        field_errors(refused, lang).values()
        if isinstance(refused, Invalid)
        else [translate("err_proposal_decided", lang)]
    )
    text = f"{translate('proposal_refused', lang, n=proposal_id)} {' '.join(why)}"
    return app_state(request).templates.TemplateResponse(
        request, "error.html",
        {"lang": lang, "title_key": "proposal_refused_title", "text": text,
         "status": 422 if isinstance(refused, Invalid) else 409},
        status_code=422 if isinstance(refused, Invalid) else 409,
    )  # fmt: skip
