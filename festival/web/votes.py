"""The audience vote: its API, its page, the confirmation page of a mailed link, the personal
way to vote, and the overlay that shows the winner on the stream.

- `GET /api/votes/{VOTE}`: the vote, its status, and `results` once revealed (or for an admin
  token, always: live counts).
- `POST /api/votes/{VOTE}/ballots`: `{"nominee"}` with a personal token (counted at once,
  201) or `{"nominee", "email"}` (202: counted when the mailed link is followed).
- `DELETE /api/votes/{VOTE}/ballot`: the personal token's ballot withdrawn, while open.
- `POST /api/votes/{VOTE}/reveal`: a host or admin token reveals the result.
- `/vote/{VOTE}` (and `/{slug}/vote/{VOTE}`): nominees, the e-mail form, the status, the result
  once revealed; `/me/{TOKEN}/vote/{VOTE}`: voting and withdrawing with a personal link.
- `/vote/confirm/{TOKEN}`: the mailed link. Its `GET` only shows a button, since mail
  scanners follow links; the `POST` counts the ballot. After that the same page offers to
  withdraw it while the vote is open.
- `/overlay/vote/{VOTE}`: for streaming software; its script asks the API every few seconds
  (`POLL_SECONDS`) and shows the winner once revealed.

Ballots count against the ballot limits per client address and per e-mail address
(festival/web/limits.py). The rules are `festival.votes`'.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from festival.errors import FestivalError, Forbidden, Invalid, NotFound, Unauthenticated
from festival.i18n import has_text, pick_language, translate
from festival.programme.model import SHOW, Festival, Nominee
from festival.registration.model import Registration
from festival.registration.validation import mail_address
from festival.storage.votes_repo import VotesSql
from festival.votes import (
    BadLink,
    Ballot,
    Standing,
    ballot_of,
    cast_by_email,
    cast_with_link,
    confirm,
    linked_ballot,
    reveal,
    standing,
    withdraw,
)
from festival.web.auth import grant_of, presented_token
from festival.web.context import attendee_of, current_festival, link_holder, page_language
from festival.web.requests import read_json_object
from festival.web.state import app_state

POLL_SECONDS: Final = 3
"""How often the overlay asks whether the result is revealed (docs/api.md)."""
HEADERS: Final = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
PRIVATE: Final = {**HEADERS, "X-Robots-Tag": "noindex"}
FORM_FIELDS: Final = 10


# --- JSON -------------------------------------------------------------------------------------


def vote_json(festival: Festival, s: Standing) -> dict[str, Any]:
    vote = s.vote
    return {
        "id": vote.id,
        "festival": festival.slug,
        "title": vote.title,
        "description": vote.description,
        "voters": vote.voters,
        "opens": festival.local(vote.opens).isoformat() if vote.opens else None,
        "closes": festival.local(vote.closes).isoformat() if vote.closes else None,
        "status": s.status,
        "nominees": [asdict(n) for n in vote.nominees],
        "revealed_at": festival.local(s.revealed.at).isoformat() if s.revealed else None,
        "results": dict(s.result.counts) if s.result else None,
        "winners": list(s.result.winners) if s.result and s.revealed else None,
    }


def ballot_json(festival: Festival, b: Ballot) -> dict[str, Any]:
    return {
        "vote": b.vote,
        "nominee": b.nominee,
        "state": b.state,
        "cast_at": festival.local(b.cast_at).isoformat(),
        "counted_at": festival.local(b.counted_at).isoformat() if b.counted_at else None,
    }


async def _admin_sees(request: Request, festival: Festival) -> bool:
    """Whether the request carries an admin token covering the festival (live counts); a
    token that is unknown or expired is refused (401), not taken for nobody."""
    secret = presented_token(request)
    if not secret:
        return False
    grant = await grant_of(request, secret)
    return grant.role == "admin" and grant.covers(festival.slug)


async def api_vote(request: Request) -> Response:
    state = app_state(request)
    festival = await current_festival(request, secret=presented_token(request))
    admin = await _admin_sees(request, festival)
    async with state.db.session() as db:
        now = state.clock.now()
        found = await standing(
            VotesSql(db), festival, request.path_params["vote"], now, admin=admin
        )
    return JSONResponse(vote_json(festival, found), headers=HEADERS)


async def api_ballot(request: Request) -> Response:
    state = app_state(request)
    secret = presented_token(request)
    await state.limits.check_ballot_address(request)
    festival = await current_festival(request, secret=secret)
    data = await read_json_object(request)
    vote_id = request.path_params["vote"]
    now = state.clock.now()
    if secret:
        _grant, _own, registration = await attendee_of(request, secret)
        if set(data) != {"nominee"}:
            raise Invalid({"body": 'with a personal token send {"nominee": ID} only'})
        async with state.db.session() as db, db.begin():
            ballot = await cast_with_link(
                VotesSql(db), festival, vote_id, registration, data["nominee"], now
            )
        return JSONResponse(ballot_json(festival, ballot), status_code=201, headers=HEADERS)
    if not set(data) <= {"nominee", "email", "language"} or "email" not in data:
        raise Invalid({"body": 'send {"nominee": ID, "email": ADDRESS}, or a personal token'})
    language = pick_language(data.get("language"), festival.language)
    request.state.language = language
    email = mail_address(data["email"], smtputf8=state.settings.mail_smtputf8, language=language)
    await state.limits.check_ballot_email(email)
    async with state.db.session() as db, db.begin():
        ballot = await cast_by_email(
            VotesSql(db), festival, vote_id, email, data.get("nominee"),
            language=language, smtputf8=state.settings.mail_smtputf8, now=now,
        )  # fmt: skip
    body = {**ballot_json(festival, ballot), "message": "follow the link mailed to the address"}
    return JSONResponse(body, status_code=202, headers=HEADERS)


async def api_withdraw(request: Request) -> Response:
    state = app_state(request)
    _grant, _own, registration = await attendee_of(request, presented_token(request))
    festival = await current_festival(request, secret=presented_token(request))
    vote_id, now = request.path_params["vote"], state.clock.now()
    async with state.db.session() as db, db.begin():
        store = VotesSql(db)
        ballot = await ballot_of(store, festival, vote_id, registration, now)
        if ballot is None:
            raise NotFound(f"no ballot of yours in {vote_id!r}", code="vote.no_ballot")
        ballot = await withdraw(store, festival, ballot, now)
    return JSONResponse(ballot_json(festival, ballot), headers=HEADERS)


async def api_reveal(request: Request) -> Response:
    state = app_state(request)
    festival = await current_festival(request, secret=presented_token(request))
    grant = await grant_of(request, presented_token(request))
    # As the show's `reveal_vote`: whoever may act on the show channel (hosts, admins).
    if not grant.allows("host", festival=festival.slug, channel=SHOW):
        raise Forbidden("this token does not run the show: only hosts reveal a vote")
    async with state.db.session() as db, db.begin():
        found = await reveal(
            VotesSql(db), festival, request.path_params["vote"],
            by=f"{grant.role}#{grant.token_id}", now=state.clock.now(),
        )  # fmt: skip
    return JSONResponse(vote_json(festival, found), headers=HEADERS)


# --- pages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VotePage:
    """Everything templates/votes/page.html needs. `token`: opened with a personal link
    (`/me/TOKEN/vote/VOTE`), which votes by button; `ballot`: that attendee's ballot."""

    festival: Festival
    lang: str
    standing: Standing
    token: str = ""
    ballot: Ballot | None = None
    sent: bool = False  # a ballot by e-mail was taken: its link is on its way
    done: str = ""  # what a personal post just did: "counted" or "withdrawn"
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def action(self) -> str:
        vote = self.standing.vote.id
        # The festival's own address: /vote/ID alone would be the festival `/` shows.
        return f"/me/{self.token}/vote/{vote}" if self.token else self.festival.path(f"vote/{vote}")

    def nominee(self, nominee_id: str) -> Nominee | None:
        return self.standing.vote.nominee(nominee_id)


async def _vote_page(
    request: Request, festival: Festival, status_code: int = 200, **extra: Any
) -> Response:
    state = app_state(request)
    lang = page_language(request, festival.language)
    async with state.db.session() as db:
        found = await standing(
            VotesSql(db), festival, request.path_params["vote"], state.clock.now()
        )
    page = VotePage(festival, lang, found, **extra)
    return state.templates.TemplateResponse(
        request, "votes/page.html", {"page": page, "lang": lang},
        status_code=status_code, headers=HEADERS,
    )  # fmt: skip


def _shown_status(error: FestivalError) -> int:
    """The status of a page that shows a refusal in its form. A rate limit has a page of its
    own (with Retry-After), as does a vote or link not found: those are raised on."""
    status: int | None = getattr(error, "status", None)
    if status == 429 or isinstance(error, NotFound):
        raise error
    if status is not None:
        return status
    return {Invalid: 422, Unauthenticated: 401}.get(type(error), 403)


def _refusal(lang: str, error: FestivalError) -> dict[str, str]:
    """A refused ballot as the form shows it, by its code, in the page's language."""
    if isinstance(error, Invalid):
        return error.errors
    return {"ballot": error_text(error.code, lang)}


def error_text(code: str, lang: str) -> str:
    key = f"err_{code.replace('.', '_')}"
    return translate(key, lang) if has_text(key) else translate("err_vote_refused", lang)


async def vote_page(request: Request) -> Response:
    festival = await current_festival(request)
    if request.method == "GET":
        return await _vote_page(request, festival)
    state = app_state(request)
    await state.limits.check_ballot_address(request)
    form = await request.form(max_files=0, max_fields=FORM_FIELDS, max_part_size=4096)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    lang = page_language(request, festival.language)
    try:
        email = mail_address(
            values.get("email", ""), smtputf8=state.settings.mail_smtputf8, language=lang
        )
        await state.limits.check_ballot_email(email)
        async with state.db.session() as db, db.begin():
            await cast_by_email(
                VotesSql(db), festival, request.path_params["vote"], email, values.get("nominee"),
                language=lang, smtputf8=state.settings.mail_smtputf8, now=state.clock.now(),
            )  # fmt: skip
    except FestivalError as error:
        return await _vote_page(
            request, festival, _shown_status(error), values=values, errors=_refusal(lang, error)
        )
    return await _vote_page(request, festival, 202, sent=True)


async def personal_vote_page(request: Request) -> Response:
    """`/me/TOKEN/vote/VOTE`: the attendee's ballot, and buttons to cast or withdraw one."""
    state = app_state(request)
    token = request.path_params["token"]
    festival, registration = await link_holder(
        request, token, missing=NotFound("no such personal link", code="registration.not_found")
    )
    vote_id, lang = request.path_params["vote"], page_language(request, festival.language)
    done, errors, status_code = "", {}, 200
    if request.method == "POST":
        await state.limits.check_ballot_address(request)
        form = await request.form(max_files=0, max_fields=FORM_FIELDS, max_part_size=4096)
        try:
            done = await _personal_post(request, festival, registration, form.get("nominee"))
        except FestivalError as error:
            status_code, errors = _shown_status(error), _refusal(lang, error)
    async with state.db.session() as db, db.begin():
        ballot = await ballot_of(VotesSql(db), festival, vote_id, registration, state.clock.now())
    return await _vote_page(
        request, festival, status_code, token=token, ballot=ballot, done=done, errors=errors
    )


async def _personal_post(
    request: Request, festival: Festival, registration: Registration, nominee: object
) -> str:
    state = app_state(request)
    vote_id, now = request.path_params["vote"], state.clock.now()
    async with state.db.session() as db, db.begin():
        store = VotesSql(db)
        if nominee == "":  # the withdraw button
            ballot = await ballot_of(store, festival, vote_id, registration, now)
            if ballot is None:
                raise Invalid({"ballot": error_text("vote.no_ballot", page_language(request))})
            await withdraw(store, festival, ballot, now)
            return "withdrawn"
        await cast_with_link(store, festival, vote_id, registration, nominee, now)
        return "counted"


@dataclass(frozen=True)
class ConfirmPage:
    """Everything templates/votes/confirm.html needs."""

    festival: Festival
    lang: str
    ballot: Ballot
    nominee: Nominee | None
    title: str
    token: str
    open: bool  # the vote takes ballots now (the buttons make sense)
    done: str = ""  # what the post just did: "counted" or "withdrawn"
    refusal: str = ""  # why the post changed nothing


async def confirm_page(request: Request) -> Response:
    """`/vote/confirm/TOKEN` (and `…/withdraw`): see the module's docstring."""
    state = app_state(request)
    token = request.path_params["token"]
    async with state.db.session() as db:
        try:
            ballot = await linked_ballot(VotesSql(db), token)
        except BadLink:
            ballot = None
    if ballot is None:
        lang = page_language(request)
        return state.templates.TemplateResponse(
            request, "votes/bad_link.html", {"lang": lang}, status_code=404, headers=PRIVATE
        )
    async with state.db.session() as db:
        festival = await state.festivals.read(db, ballot.festival)
    if festival is None:
        raise NotFound("no such festival", code="festival.not_found")
    lang = page_language(request, festival.language)
    done, refusal, status_code = "", "", 200
    if request.method == "POST":
        withdrawing = request.url.path.endswith("/withdraw")
        try:
            async with state.db.session() as db, db.begin():
                store = VotesSql(db)
                now = state.clock.now()
                if withdrawing:
                    ballot = await withdraw(store, festival, ballot, now)
                else:
                    ballot = await confirm(store, festival, ballot, now)
            done = "withdrawn" if withdrawing else "counted"
        except FestivalError as error:  # the link is known: the page says why, whatever it is
            refusal = error_text(error.code, lang)
            status_code = getattr(error, "status", None) or (
                404 if isinstance(error, NotFound) else 403
            )
    async with state.db.session() as db:
        found = await standing(VotesSql(db), festival, ballot.vote, state.clock.now())
    page = ConfirmPage(
        festival, lang, ballot, found.vote.nominee(ballot.nominee), found.vote.title, token,
        found.status == "open", done, refusal,
    )  # fmt: skip
    return state.templates.TemplateResponse(
        request, "votes/confirm.html", {"page": page, "lang": lang},
        status_code=status_code, headers=PRIVATE,
    )  # fmt: skip


@dataclass(frozen=True)
class OverlayPage:
    """Everything templates/votes/overlay.html needs: its script polls `api`."""

    festival: Festival
    lang: str
    standing: Standing
    api: str
    poll_seconds: int = POLL_SECONDS

    def winners(self) -> list[Nominee]:
        result = self.standing.result
        if result is None or self.standing.revealed is None:
            return []
        return [n for n in self.standing.vote.nominees if n.id in result.winners]


async def overlay_page(request: Request) -> Response:
    state = app_state(request)
    festival = await current_festival(request)
    lang = page_language(request, festival.language)
    vote_id = request.path_params["vote"]
    async with state.db.session() as db:
        found = await standing(VotesSql(db), festival, vote_id, state.clock.now())
    api = f"/api/festivals/{festival.slug}/votes/{found.vote.id}"
    page = OverlayPage(festival, lang, found, api)
    return state.templates.TemplateResponse(
        request, "votes/overlay.html", {"page": page, "lang": lang}, headers=HEADERS
    )
