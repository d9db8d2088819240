"""Checking a registration request against the programme, field by field.

Every problem is collected and raised at once as `Invalid({field: message})`, in the
attendee's language, so a form can show each message next to its field.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from email_validator import EmailNotValidError, validate_email

from festival.errors import Invalid
from festival.i18n import pick_language, translate
from festival.programme.model import Festival, Session
from festival.registration.model import (
    ATTENDANCE,
    DEFAULT_IGNORABLE,
    MAX_EMAIL,
    MAX_NAME,
    MAX_ORGANISATION,
    Attendance,
    RegistrationRequest,
)
from festival.text import SURROGATE, clean_user_text

FIELDS = ("name", "email", "organisation", "language", "mode", "choices", "rankings", "consent")
# A field name taken from the input is echoed in the error; this much of it is enough.
_FIELD_ECHO = 64


class _Errors:
    def __init__(self, language: str) -> None:
        self.language = language
        self.found: dict[str, str] = {}

    def add(self, field: str, key: str, **values: object) -> None:
        # Field names can come from the input (unknown fields, round ids): keep them showable.
        shown = SURROGATE.sub("\ufffd", field)[:_FIELD_ECHO]
        self.found.setdefault(shown, translate(key, self.language, **values))


def _text(errors: _Errors, data: Mapping[str, Any], field: str, limit: int, required: bool) -> str:
    raw = data.get(field)
    if raw is not None and not isinstance(raw, str):
        errors.add(field, "err_text")
        return ""
    # The rule for all text people type (festival/text.py); a name is one line.
    value = clean_user_text(raw or "")
    if required and not value:
        errors.add(field, "err_required")
    elif len(value) > limit:
        errors.add(field, "err_too_long", n=limit)
    return value


def normalise_email(address: str, *, smtputf8: bool, errors: _Errors) -> str:
    """The address as stored and mailed: compatibility forms made plain (NFKC: full-width
    letters), invisible characters removed, checked by email-validator (no DNS look-up), the
    domain in its ASCII (IDNA) form. A local part beyond ASCII (`zoë@…`) needs a transport
    that speaks SMTPUTF8 (`smtputf8`); otherwise the attendee is told so."""
    plain = DEFAULT_IGNORABLE.sub("", unicodedata.normalize("NFKC", address)).strip()
    try:
        checked = validate_email(plain, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        errors.add("email", "err_email")
        return address
    if checked.ascii_domain is None or len(checked.ascii_domain) > MAX_EMAIL:
        errors.add("email", "err_email")
        return address
    if not checked.local_part.isascii() and not smtputf8:
        errors.add("email", "err_email_smtputf8")
        return address
    normalised = f"{checked.local_part}@{checked.ascii_domain}"
    if len(normalised) > MAX_EMAIL:
        errors.add("email", "err_too_long", n=MAX_EMAIL)
    return normalised


def mail_address(address: object, *, smtputf8: bool, language: str) -> str:
    """An address someone typed outside a registration (a public ballot), normalised as a
    registration's is; Invalid({"email": …}) in `language` when it is not one."""
    errors = _Errors(pick_language(language, "en"))
    text = _text(errors, {"email": address}, "email", MAX_EMAIL, required=True)
    if text and not errors.found:
        text = normalise_email(text, smtputf8=smtputf8, errors=errors)
    if errors.found:
        raise Invalid(errors.found)
    return text


def session_modes(festival: Festival, session: Session) -> tuple[Attendance, ...]:
    """How one can attend a session: an online festival is online, on-site is on site;
    in a hybrid festival a session with only seats is on site only, only places online only."""
    if festival.mode == "online":
        return ("online",)
    if festival.mode == "onsite":
        return ("onsite",)
    if session.seats is not None and session.capacity is None:
        return ("onsite",)
    if session.capacity is not None and session.seats is None:
        return ("online",)
    return ATTENDANCE


def check_window(festival: Festival, now: datetime, language: str) -> None:
    """Registration is open between the programme's opening and closing times."""
    if festival.registration_opens and now < festival.registration_opens:
        when = f"{festival.local(festival.registration_opens):%Y-%m-%d %H:%M}"
        raise Invalid({"registration": translate("err_not_open", language, when=when)})
    if festival.registration_closes and now >= festival.registration_closes:
        raise Invalid({"registration": translate("err_closed", language)})


def validate_choices(
    festival: Festival,
    choices: Any,
    mode: Attendance,
    now: datetime,
    errors: _Errors,
) -> dict[str, str]:
    if choices is None:
        return {}
    if not isinstance(choices, Mapping):
        errors.add("choices", "err_choices")
        return {}
    rounds = {r.id: r for r in festival.rounds if not r.cancelled}
    valid: dict[str, str] = {}
    for round_id, session_id in choices.items():
        field = f"choices.{round_id}"
        round_ = rounds.get(round_id)
        if round_ is None:
            errors.add(field, "err_round")
            continue
        if session_id in (None, ""):
            continue  # "none" is a valid choice: afternoon only
        if not isinstance(session_id, str):
            errors.add(field, "err_choices")
            continue
        session = next((s for s in round_.sessions if s.id == session_id), None)
        if session is None:
            errors.add(field, "err_session")
        elif session.cancelled:
            errors.add(field, "err_session_cancelled")
        elif now >= round_.start:
            errors.add(field, "err_round_started")
        elif mode not in session_modes(festival, session):
            only = session_modes(festival, session)[0]
            errors.add(
                field, "err_session_mode", mode=translate(f"mode_{only}_only", errors.language)
            )
        else:
            valid[round_id] = session_id
    return valid


def validate_rankings(
    festival: Festival, rankings: Any, mode: Attendance, errors: _Errors
) -> dict[str, tuple[str, ...]]:
    """Per round, the sessions in order of preference: each once, each in that round."""
    if rankings is None:
        return {}
    if not isinstance(rankings, Mapping):
        errors.add("rankings", "err_rankings")
        return {}
    rounds = {r.id: r for r in festival.rounds if not r.cancelled}
    valid: dict[str, tuple[str, ...]] = {}
    for round_id, ranking in rankings.items():
        field = f"rankings.{round_id}"
        round_ = rounds.get(round_id)
        if round_ is None:
            errors.add(field, "err_round")
            continue
        if ranking is None:
            continue
        if not isinstance(ranking, list) or not all(isinstance(s, str) for s in ranking):
            errors.add(field, "err_rankings")
            continue
        if len(set(ranking)) != len(ranking):
            errors.add(field, "err_ranking_twice")
            continue
        sessions = {s.id: s for s in round_.sessions}
        for session_id in ranking:
            session = sessions.get(session_id)
            if session is None:
                errors.add(field, "err_session")
            elif session.cancelled:
                errors.add(field, "err_session_cancelled")
            elif mode not in session_modes(festival, session):
                only = session_modes(festival, session)[0]
                errors.add(
                    field, "err_session_mode", mode=translate(f"mode_{only}_only", errors.language)
                )
        if field not in errors.found and ranking:
            valid[round_id] = tuple(ranking)
    return valid


def validate_registration(
    festival: Festival, data: Mapping[str, Any], *, now: datetime, smtputf8: bool = False
) -> RegistrationRequest:
    """Check a registration request; `smtputf8` says whether the mail transport can deliver
    to an address with a non-ASCII local part. Raises `Invalid` with every field's problem."""
    requested = data.get("language")
    language = pick_language(requested if isinstance(requested, str) else None, festival.language)
    check_window(festival, now, language)
    errors = _Errors(language)
    for field in data:
        if field not in FIELDS:
            errors.add(str(field), "err_unknown_field")
    name = _text(errors, data, "name", MAX_NAME, required=True)
    email = _text(errors, data, "email", MAX_EMAIL, required=True)
    if email and "email" not in errors.found:
        email = normalise_email(email, smtputf8=smtputf8, errors=errors)
    organisation = _text(errors, data, "organisation", MAX_ORGANISATION, required=False)
    if requested not in (None, "") and requested != language:
        errors.add("language", "err_language")
    default_mode: Attendance = "onsite" if festival.mode == "onsite" else "online"
    mode = data.get("mode") or default_mode
    if mode not in ATTENDANCE:
        errors.add("mode", "err_mode")
        mode = default_mode
    elif festival.mode != "hybrid" and mode != default_mode:
        errors.add(
            "mode", "err_mode_festival", mode=translate(f"mode_{default_mode}_only", language)
        )
    attendance = cast(Attendance, mode)
    choices: dict[str, str] = {}
    rankings: dict[str, tuple[str, ...]] = {}
    if festival.collects_preferences(now):
        if data.get("choices"):
            errors.add("choices", "err_rank_instead")
        rankings = validate_rankings(festival, data.get("rankings"), attendance, errors)
    else:
        if data.get("rankings"):
            errors.add("rankings", "err_rankings_closed")
        choices = validate_choices(festival, data.get("choices"), attendance, now, errors)
    if data.get("consent") is not True:
        errors.add("consent", "err_consent")
    if errors.found:
        raise Invalid(errors.found)
    return RegistrationRequest(
        name=name,
        email=email,
        organisation=organisation,
        language=language,
        mode=attendance,
        choices=choices,
        rankings=rankings,
    )


def validate_ranking_change(
    festival: Festival,
    round_id: str,
    ranking: Any,
    mode: Attendance,
    *,
    now: datetime,
    language: str,
) -> tuple[str, ...]:
    """Check a new ranking for one round while preferences are still collected."""
    errors = _Errors(language)
    if not festival.collects_preferences(now):
        errors.add("rankings", "err_rankings_closed")
        raise Invalid(errors.found)
    valid = validate_rankings(festival, {round_id: ranking}, mode, errors)
    if errors.found:
        raise Invalid(errors.found)
    return valid.get(round_id, ())


def validate_change(
    festival: Festival,
    round_id: str,
    session_id: str | None,
    mode: Attendance,
    *,
    now: datetime,
    language: str,
) -> str | None:
    """Check moving to `session_id` (or to none) in one round; the session id or None."""
    errors = _Errors(language)
    rounds = {r.id: r for r in festival.rounds if not r.cancelled}
    if round_id in rounds and now >= rounds[round_id].start:
        errors.add(f"choices.{round_id}", "err_round_started")
    valid = validate_choices(festival, {round_id: session_id}, mode, now, errors)
    if errors.found:
        raise Invalid(errors.found)
    return valid.get(round_id)
