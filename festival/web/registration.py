"""Registering: `POST /api/registrations` and the /register page (works without JavaScript).

Both count against the registration limits (festival/web/limits.py): every attempt per client
address, every valid one per mailbox, including a second registration, which mails the
personal link again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from festival.errors import Invalid
from festival.i18n import runtime_key, translate
from festival.programme.model import Festival
from festival.registration.capacity import Availability, availability
from festival.registration.service import register
from festival.registration.validation import session_modes, validate_registration
from festival.storage.registration_repo import RegistrationSql, session_counts
from festival.web.context import current_festival, page_language, ranks_offered, registration_json
from festival.web.requests import form_rankings, read_json_object
from festival.web.state import app_state


async def api_register(request: Request) -> Response:
    state = app_state(request)
    # As last checked, as for a live connection: a rush must not ask the store for the
    # festival on every request (a reload reaches it at once on the bus). The transaction
    # still takes places and capacities from the store.
    festival = await current_festival(request, live=True)
    await state.limits.check_address(request)
    data = await read_json_object(request)
    now = state.clock.now()
    wanted = validate_registration(festival, data, now=now, smtputf8=state.settings.mail_smtputf8)
    request.state.language = wanted.language  # a refusal from here on speaks it (429, 503)
    await state.limits.check_email(wanted.email)
    done = await register(RegistrationSql(state.db), festival.slug, wanted, now=now)
    if not done.created:
        # Never hand out someone's token to whoever knows their e-mail address.
        return JSONResponse(
            {
                "status": "exists",
                "message": "this e-mail address is already registered; "
                "use the personal link from the confirmation",
            },
            status_code=200,
        )
    body = registration_json(done.registration, festival)
    body["token"] = done.token
    body["personal_url"] = f"{state.settings.resolved_base_url}/me/{done.token}"
    return JSONResponse(body, status_code=201)


# How the error summary names a field (a round's problem is named by the round's title).
_SUMMARY_NAMES = {
    "name": runtime_key("field_name"),
    "email": runtime_key("field_email"),
    "organisation": runtime_key("admin_organisation"),
    "mode": runtime_key("admin_mode"),
    "consent": runtime_key("field_consent"),
}


@dataclass(frozen=True)
class RegisterPage:
    """Everything templates/registration/form.html needs."""

    festival: Festival
    lang: str
    availability: dict[str, Availability]
    preferences: bool = False  # ranking sessions instead of choosing one
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    exists: bool = False

    def ranks(self, round_id: str) -> range:
        for r in self.festival.rounds:
            if r.id == round_id:
                return ranks_offered(r)
        return range(0)

    def problems(self) -> list[tuple[str, str]]:
        """The error summary's lines in the form's order: (the id of the field a line links to,
        its text: the field's name and its message, so no two links read alike); the id is ""
        for a problem of the registration as a whole (not open)."""
        rounds = {r.id: r.title for r in self.festival.rounds if not r.cancelled}
        kind = "rankings" if self.preferences else "choices"
        order = ["registration", "name", "email", "organisation", "mode", kind]
        order += [f"{kind}.{r}" for r in rounds] + ["consent"]
        known = [key for key in order if key in self.errors]
        rest = [key for key in self.errors if key not in order]  # a field the form lacks
        lines = []
        for key in known + rest:
            named = _SUMMARY_NAMES.get(key)
            label = translate(named, self.lang) if named else rounds.get(key.partition(".")[2])
            message = self.errors[key]
            lines.append(
                (self.field_id(key, list(rounds)), f"{label}: {message}" if label else message)
            )
        return lines

    def field_id(self, key: str, rounds: list[str]) -> str:
        """The form field an error `key` belongs to; a round's problem goes to its first
        radio button or ranking, one about every round to the first round's."""
        if key in ("name", "email", "organisation", "consent"):
            return key
        if key == "mode":
            return "mode-online" if self.festival.mode == "hybrid" else ""  # radios of a hybrid day
        kind, _, round_id = key.partition(".")
        round_id = round_id or (rounds[0] if rounds else "")
        if kind == "choices" and round_id:
            return f"choice-{round_id}"
        if kind == "rankings" and round_id:
            return f"rank-{round_id}-1"
        return ""

    def modes(self, session_id: str) -> tuple[str, ...]:
        for _, s in self.festival.sessions():
            if s.id == session_id:
                return session_modes(self.festival, s)
        return ()


async def _page(
    request: Request, festival: Festival, lang: str, status: int = 200, **extra: Any
) -> Response:
    state = app_state(request)
    async with state.db.session() as db:
        counts = await session_counts(db, festival.slug)
    preferences = festival.collects_preferences(state.clock.now())
    page = RegisterPage(festival, lang, availability(festival, counts), preferences, **extra)
    return state.templates.TemplateResponse(
        request, "registration/form.html", {"page": page, "lang": lang}, status_code=status
    )


async def register_page(request: Request) -> Response:
    festival = await current_festival(request, live=request.method == "POST")  # as above
    lang = page_language(request, festival.language)
    if request.method == "GET":
        return await _page(request, festival, lang)
    state = app_state(request)
    await state.limits.check_address(request)
    form = await request.form(max_files=0, max_fields=50, max_part_size=64 * 1024)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    data: dict[str, Any] = {
        "name": values.get("name", ""),
        "email": values.get("email", ""),
        "organisation": values.get("organisation", ""),
        "language": values.get("language") or lang,
        "consent": values.get("consent") == "yes",
        "choices": {
            k.removeprefix("choice-"): v for k, v in values.items() if k.startswith("choice-")
        },
    }
    rankings = form_rankings(values)
    if rankings:
        data["rankings"] = rankings
    if values.get("mode"):
        data["mode"] = values["mode"]
    now = state.clock.now()
    try:
        wanted = validate_registration(
            festival, data, now=now, smtputf8=state.settings.mail_smtputf8
        )
    except Invalid as exc:
        return await _page(request, festival, lang, 422, values=values, errors=exc.errors)
    request.state.language = wanted.language  # as in api_register
    await state.limits.check_email(wanted.email)
    done = await register(RegistrationSql(state.db), festival.slug, wanted, now=now)
    if not done.created:
        return await _page(request, festival, lang, 200, values=values, exists=True)
    # `registered`: the page opens with the confirmation of what was just done.
    return RedirectResponse(
        f"/me/{done.token}?lang={wanted.language}&registered=1", status_code=303
    )
