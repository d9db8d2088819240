"""The attendee's own page and API, opened by the personal magic link (`/me/TOKEN`).

The same token works as `Authorization: Bearer TOKEN` on `/api/me`. It only ever reaches the
registration it was made for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from festival.attendance import (
    Eligibility,
    JoinWindow,
    attended_minutes,
    checkin_code,
    eligibility,
    join_decision,
    join_window,
    shown_code,
    shows_code,
)
from festival.errors import Forbidden, Invalid, NotFound
from festival.i18n import translate
from festival.invites.calendar import join_link
from festival.invites.feed import FeedLinks, feed_links
from festival.live.protocol import Viewer
from festival.live.qa_kind import QaRoom
from festival.programme.model import PLENARY, Festival, Round, Session
from festival.qa.channels import qa_channel
from festival.qa.rules import anonymiser
from festival.registration import reconfirm
from festival.registration.attending import HeldPlace, held_places
from festival.registration.model import Registration
from festival.registration.service import PlaceRefused, change_place, erase, new_link
from festival.registration.validation import validate_change, validate_ranking_change
from festival.show import show_now
from festival.storage.attendance_repo import AttendanceSql
from festival.storage.registration_repo import (
    RegistrationSql,
    forget_in_live_events,
    set_ranking,
)
from festival.web.auth import presented_token
from festival.web.caches import tell_revoked
from festival.web.channels import attendee_viewer
from festival.web.context import attendee_of, page_language, ranks_offered, registration_json
from festival.web.qa_feed import QaPage, qa_page
from festival.web.qr import qr_png, qr_svg
from festival.web.requests import form_rankings, read_json_object
from festival.web.state import AppState, app_state


@dataclass(frozen=True)
class DoorCode:
    """The attendee's check-in code as the personal page shows it: printed, and as a QR."""

    code: str
    qr: Markup


@dataclass(frozen=True)
class LiveNow:
    """The top of the personal page while something is on: the plenary's stream beside its
    Q&A while it is live, and the attendee's rooms during their join windows. Rendered as
    things stand; show-follow.js switches them in and out without a reload."""

    plenary: bool  # the plenary is live (not a rehearsal, not over)
    qa: QaPage | None  # the plenary's Q&A for this attendee; None without a plenary
    viewer: Viewer | None
    # Confirmed places with a join link whose window has not closed: each shows while open.
    rooms: tuple[tuple[HeldPlace, JoinWindow], ...] = ()


@dataclass(frozen=True)
class MePage:
    """Everything templates/me/page.html needs."""

    festival: Festival
    registration: Registration
    lang: str
    token: str
    now: datetime
    places: tuple[HeldPlace, ...]
    errors: dict[str, str]
    feed: FeedLinks  # the personal calendar feed
    lead_minutes: int  # FESTIVAL_JOIN_LINK_MINUTES: the join window opens this long before
    certificate: Eligibility  # whether the certificate of attendance can be had, or why not
    door: DoorCode | None  # for an on-site attendee of a festival with a venue
    # Whether the festival asks them to confirm their places, and where they stand.
    reconfirmation: reconfirm.Standing
    live: LiveNow = LiveNow(False, None, None)

    @property
    def reconfirm_window(self) -> reconfirm.Window | None:
        return reconfirm.window(self.festival)

    @property
    def preferences(self) -> bool:
        return self.festival.collects_preferences(self.now)

    def title_of(self, session_id: str) -> str:
        return next((s.title for _, s in self.festival.sessions() if s.id == session_id), "")

    def ranks(self, round_: Round) -> range:
        return ranks_offered(round_)

    def local(self, moment: datetime) -> datetime:
        return self.festival.local(moment)

    def join_window(self, session: Session) -> JoinWindow:
        return join_window(session.start, session.end, self.lead_minutes)

    def room_open(self, window: JoinWindow | None = None) -> bool:
        """This join window is open now; without one: any of the live view's rooms is."""
        windows = [window] if window else [w for _, w in self.live.rooms]
        return any(w.outcome(self.now) == "open" for w in windows)

    def join_link(self, entry: str = PLENARY) -> str:
        """The personal join link of a session (or the plenary): never the provider's."""
        return join_link("", self.token, entry)

    def place_in(self, round_id: str) -> HeldPlace | None:
        return next((p for p in self.places if p.round.id == round_id), None)

    def shown_rounds(self) -> list[Round]:
        """The rounds on the programme, and a removed one where I had a place: that place
        shows as cancelled rather than vanishing."""
        return [r for r in self.festival.rounds if not r.cancelled or self.place_in(r.id)]

    def open_rounds(self) -> list[Round]:
        return [r for r in self.festival.rounds if not r.cancelled and self.now < r.start]


async def me_page(request: Request, errors: dict[str, str] | None = None) -> Response:
    state = app_state(request)
    token = request.path_params["token"]
    grant, festival, registration = await attendee_of(request, token)
    lang = page_language(request, registration.language)
    now = state.clock.now()
    async with state.db.session() as db:
        attendance = AttendanceSql(db)
        joins = await attendance.joins(registration.id)
        arrived = await attendance.checked_in_at(registration.id)
    attended = attended_minutes(festival, registration, joins, arrived)
    page = MePage(
        festival,
        registration,
        lang,
        token,
        now,
        held_places(festival, registration),
        errors or {},
        feed_links(state.settings.resolved_base_url, token),
        state.settings.join_link_minutes,
        eligibility(festival, attended, now),
        await _door(state, festival, registration),
        reconfirm.standing(festival, registration, now),
    )
    page = replace(page, live=await _live_now(request, page, grant.token_id))
    return state.templates.TemplateResponse(
        request, "me/page.html", {"page": page, "lang": lang}, status_code=422 if errors else 200
    )


async def _live_now(request: Request, page: MePage, token_id: int) -> LiveNow:
    """What the top of the page shows now (see LiveNow). The attendee sees the Q&A as the
    registration and token already in hand make them, not looked up a second time."""
    rooms = tuple(
        (mine, page.join_window(mine.session))
        for mine in page.places
        if mine.status == "confirmed" and mine.session.join_url
    )
    rooms = tuple((mine, w) for mine, w in rooms if page.now < w.closes)
    festival = page.festival
    if festival.plenary is None:
        return LiveNow(False, None, None, rooms)
    state = app_state(request)
    _, show = await state.live.show.state(festival)
    room = QaRoom(state.live.qa, festival, qa_channel(festival, PLENARY))
    viewer = attendee_viewer(room.info, page.registration, token_id)
    qa = await qa_page(request, room, viewer, page.lang, page.token)
    return LiveNow(show_now(show, page.now).live, qa, viewer, rooms)


async def me_choice(request: Request) -> Response:
    """Form post from the personal page: change or give up the place in one round."""
    state = app_state(request)
    token = request.path_params["token"]
    _, festival, registration = await attendee_of(request, token)
    form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
    round_id = str(form.get("round", ""))
    session_id = str(form.get("session", "")) or None
    lang = page_language(request, registration.language)
    try:
        chosen = validate_change(
            festival, round_id, session_id, registration.mode, now=state.clock.now(), language=lang
        )
    except Invalid as exc:
        return await me_page(request, errors=exc.errors)
    await _change_place(state, registration, round_id, chosen, state.clock.now())
    # Back in the language the page was in.
    return RedirectResponse(f"/me/{token}?lang={lang}", status_code=303)


async def _change_place(
    state: AppState, registration: Registration, round_id: str, chosen: str | None, now: datetime
) -> Registration:
    """Move the attendee's place in one round; a refusal is told in their language."""
    try:
        updated, _ = await change_place(
            RegistrationSql(state.db), registration.id, round_id, chosen, now=now
        )
    except PlaceRefused as refused:
        raise Invalid({refused.field: translate(refused.key, registration.language)}) from None
    return updated


async def me_ranking(request: Request) -> Response:
    """Form post from the personal page: new ranking for one round, while still collected."""
    state = app_state(request)
    token = request.path_params["token"]
    _, festival, registration = await attendee_of(request, token)
    form = await request.form(max_files=0, max_fields=20, max_part_size=4096)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    round_id = values.get("round", "")
    ranking = form_rankings(values).get(round_id, [])
    lang = page_language(request, registration.language)
    try:
        chosen = validate_ranking_change(
            festival, round_id, ranking, registration.mode, now=state.clock.now(), language=lang
        )
    except Invalid as exc:
        return await me_page(request, errors=exc.errors)
    await set_ranking(state.db, registration.id, round_id, chosen)
    # Back in the language the page was in.
    return RedirectResponse(f"/me/{token}?lang={lang}", status_code=303)


async def me_delete(request: Request) -> Response:
    state = app_state(request)
    _, festival, registration = await attendee_of(request, request.path_params["token"])
    form = await request.form(max_files=0, max_fields=5, max_part_size=1024)
    lang = page_language(request, registration.language)
    if form.get("confirm") != "yes":
        return await me_page(request, errors={"confirm": "confirm"})
    await erase_registration(state, festival, registration)
    return state.templates.TemplateResponse(
        request, "me/deleted.html", {"lang": lang, "festival": festival}
    )


async def erase_registration(
    state: AppState, festival: Festival, registration: Registration
) -> None:
    """Erase a registration: the store first (after which the token is dead and the name and
    address are gone), then the live channels' memory of the person, then the store once more
    for anything another instance wrote in between (docs/live-protocol.md, erasure)."""
    now = state.clock.now()
    erased = await erase(RegistrationSql(state.db), registration.id, now=now)
    # Its token is dead: on every instance, at once, for live connections too.
    await tell_revoked(state.live.bus, state.grants, registration_ids=[registration.id])
    await state.live.qa.forget(festival, erased.channels, erased.person, erased.stand_in, now)
    await forget_in_live_events(
        state.db,
        erased.festival_id,
        erased.person,
        erased.stand_in,
        anonymiser(erased.person, erased.stand_in),
    )
    # No old copy of their rows left readable in SQLite's files (docs/api.md, erasure).
    await state.db.settle_erasure()


async def me_new_link(request: Request) -> Response:
    """The "new link" button: the link in the address stops working, the new one opens."""
    state = app_state(request)
    _, _, registration = await attendee_of(request, request.path_params["token"])
    lang = page_language(request, registration.language)
    token = await new_link(RegistrationSql(state.db), registration.id, now=state.clock.now())
    await _old_links_revoked(state, registration.id)
    return RedirectResponse(f"/me/{token}?lang={lang}&new-link=1", status_code=303)


async def _old_links_revoked(state: AppState, registration_id: int) -> None:
    """Every instance forgets the grants of the registration's earlier links (the new one
    is looked up afresh where it is first presented)."""
    await tell_revoked(state.live.bus, state.grants, registration_ids=[registration_id])


def _download(festival: Festival, registration: Registration) -> Response:
    body = json.dumps(registration_json(registration, festival), ensure_ascii=False, indent=2)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-registration.json"'},
    )


async def me_data(request: Request) -> Response:
    _, festival, registration = await attendee_of(request, request.path_params["token"])
    return _download(festival, registration)


# -- JSON API ------------------------------------------------------------------------------


async def door_code(state: AppState, festival: Festival, registration: Registration) -> str | None:
    """The attendee's check-in code, if they are given one (`festival.attendance.checkin`)."""
    if not shows_code(festival, registration):
        return None
    async with state.db.session() as db, db.begin():
        return await checkin_code(AttendanceSql(db), registration.id)


async def _door(state: AppState, festival: Festival, registration: Registration) -> DoorCode | None:
    code = await door_code(state, festival, registration)
    return DoorCode(shown_code(code), qr_svg(shown_code(code))) if code else None


async def me_checkin_png(request: Request) -> Response:
    """The QR of the attendee's check-in code as an image, for the reminder mail to link."""
    state = app_state(request)
    _, festival, registration = await attendee_of(request, request.path_params["token"])
    code = await door_code(state, festival, registration)
    if code is None:
        raise NotFound("no check-in code for this registration", code="checkin.no_code")
    return Response(
        qr_png(shown_code(code)), media_type="image/png", headers={"Cache-Control": "private"}
    )


def _me_json(
    now: datetime, lead: int, f: Festival, r: Registration, code: str | None
) -> dict[str, Any]:
    body = registration_json(r, f)
    body["checkin_code"] = shown_code(code) if code else None
    body["reconfirmation"] = _reconfirmation_json(now, f, r)
    for mine in held_places(f, r):
        entry = body["choices"][mine.round.id]
        entry["start"] = f.local(mine.session.start).isoformat()
        entry["end"] = f.local(mine.session.end).isoformat()
        entry["join_url"] = _join_url(f, r, mine.session.id, now, lead)
        entry["join_url_from"] = f.local(
            join_window(mine.session.start, mine.session.end, lead).opens
        ).isoformat()
    return body


def _reconfirmation_json(now: datetime, f: Festival, r: Registration) -> dict[str, Any] | None:
    """Whether the attendee is asked to confirm their places, and where they stand (docs/api.md)."""
    window = reconfirm.window(f)
    if window is None:
        return None
    return {
        "status": reconfirm.standing(f, r, now),
        "asks_at": f.local(window.asks).isoformat(),
        "deadline": f.local(window.deadline).isoformat(),
    }


def _join_url(f: Festival, r: Registration, session: str, now: datetime, lead: int) -> str | None:
    """The session's own link while the join window is open (as `/join/…` would lead)."""
    try:
        decision = join_decision(f, r, session, now, lead_minutes=lead, show=None)
    except Forbidden:
        return None  # no confirmed place
    return decision.url or None


async def api_me(request: Request) -> Response:
    state = app_state(request)
    _, festival, registration = await attendee_of(request, presented_token(request))
    if request.method == "DELETE":
        await erase_registration(state, festival, registration)
        return Response(status_code=204)
    code = await door_code(state, festival, registration)
    return JSONResponse(
        _me_json(state.clock.now(), state.settings.join_link_minutes, festival, registration, code)
    )


async def api_me_link(request: Request) -> Response:
    """A new personal link (the presented token is revoked); as the page's button."""
    state = app_state(request)
    _, _, registration = await attendee_of(request, presented_token(request))
    token = await new_link(RegistrationSql(state.db), registration.id, now=state.clock.now())
    await _old_links_revoked(state, registration.id)
    base = state.settings.resolved_base_url
    return JSONResponse({"token": token, "url": f"{base}/me/{token}"})


async def api_me_choice(request: Request) -> Response:
    """`PUT /api/me/choices/ROUND` with `{"session": ID}` or `{"session": null}`."""
    state = app_state(request)
    _, festival, registration = await attendee_of(request, presented_token(request))
    data = await read_json_object(request)
    round_id = request.path_params["round"]
    session_id = data.get("session")
    if set(data) != {"session"} or not (session_id is None or isinstance(session_id, str)):
        raise Invalid({"session": 'send {"session": SESSION_ID} or {"session": null}'})
    now = state.clock.now()
    chosen = validate_change(
        festival, round_id, session_id, registration.mode, now=now, language=registration.language
    )
    updated = await _change_place(state, registration, round_id, chosen, now)
    code = await door_code(state, festival, updated)
    return JSONResponse(_me_json(now, state.settings.join_link_minutes, festival, updated, code))


async def api_me_ranking(request: Request) -> Response:
    """`PUT /api/me/rankings/ROUND` with `{"ranking": [SESSION_ID, …]}` (most wanted first)."""
    state = app_state(request)
    _, festival, registration = await attendee_of(request, presented_token(request))
    data = await read_json_object(request)
    if set(data) != {"ranking"}:
        raise Invalid({"ranking": 'send {"ranking": [SESSION_ID, ...]}'})
    now = state.clock.now()
    chosen = validate_ranking_change(
        festival,
        request.path_params["round"],
        data["ranking"],
        registration.mode,
        now=now,
        language=registration.language,
    )
    updated = await set_ranking(state.db, registration.id, request.path_params["round"], chosen)
    code = await door_code(state, festival, updated)
    return JSONResponse(_me_json(now, state.settings.join_link_minutes, festival, updated, code))


async def api_me_export(request: Request) -> Response:
    _, festival, registration = await attendee_of(request, presented_token(request))
    return _download(festival, registration)
