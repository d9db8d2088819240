"""Dutch and English texts for pages, mails and page scripts, and numbers, dates and durations
written the way each language does.

The texts live in gettext catalogues, `festival/locale/<lang>/LC_MESSAGES/festival.po`, one per
language (docs/translations.md). Their msgids are the keys the code uses — `translate("key",
lang, **values)` in Python and templates, the same keys in the page scripts' JSON texts — so the
catalogues are monolingual: English is the base text, Dutch carries it as a translator comment.
A new text goes into both files (with `{name}` placeholders, `msgid_plural` for a count), and
tests/test_i18n.py fails while either language lacks it or no code uses it.

Each catalogue is read and compiled in memory on its first use (no .mo files to build or to go
stale). A missing key stays a programming error: KeyError, never the key echoed on a page.
Dates, times, durations and percentages come from Babel's CLDR data for the language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Final

# Babel's modules are imported where they are first used: reading its CLDR data and the
# catalogues costs a command that shows no text (most of the CLI) a quarter of a second.
if TYPE_CHECKING:
    from babel.support import Translations

LANGUAGES = ("nl", "en")
DOMAIN: Final = "festival"
LOCALE_DIR: Final = Path(__file__).parent / "locale"


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@dataclass(frozen=True)
class _Catalogue:
    translations: Translations
    texts: frozenset[str]
    plurals: frozenset[str]


@cache
def _catalogue(language: str) -> _Catalogue:
    """One language's texts, compiled once: read_po, then write_mo into memory. An entry
    without a text (or marked fuzzy) is left out, so asking for it raises KeyError."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    if language not in LANGUAGES:
        raise KeyError(language)
    with catalogue_path(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    usable = [m for m in catalog if m.id and m.string and not m.fuzzy]
    return _Catalogue(
        Translations(compiled, domain=DOMAIN),
        texts=frozenset(m.id for m in usable if isinstance(m.id, str)),
        plurals=frozenset(m.id[0] for m in usable if not isinstance(m.id, str)),
    )


def load_texts() -> None:
    """Read and compile every language's catalogue now (each once per process): a server
    calls it when it starts, so a broken catalogue stops the start and the first request
    does not wait the fifth of a second the compiling takes."""
    for language in LANGUAGES:
        _catalogue(language)


def pick_language(requested: str | None, default: str) -> str:
    """The attendee's choice when it is one we speak, else the festival's language."""
    if requested in LANGUAGES:
        return requested
    return default if default in LANGUAGES else "nl"


def translate(key: str, language: str, **values: object) -> str:
    """The text `key` in `language`, its `{name}` placeholders filled from `values`."""
    catalogue = _catalogue(language)
    if key not in catalogue.texts:
        raise KeyError(key)
    text = catalogue.translations.gettext(key)
    return text.format(**values) if values else text


def translate_plural(key: str, n: int, language: str, **values: object) -> str:
    """The form of `key` that goes with the count `n` ("1 stem", "2 stemmen"); `{n}` in the
    text is the count, other placeholders come from `values`."""
    catalogue = _catalogue(language)
    if key not in catalogue.plurals:
        raise KeyError(key)
    return catalogue.translations.ngettext(key, key, n).format(n=n, **values)


def plural_texts(key: str, language: str) -> dict[str, str]:
    """Both forms of a count text for a page script, by CLDR plural category, so the script
    picks one with `Intl.PluralRules`. Dutch and English have exactly two forms, `one` for 1
    and `other` for the rest (the catalogues' Plural-Forms, tested)."""
    catalogue = _catalogue(language)
    if key not in catalogue.plurals:
        raise KeyError(key)
    gettext = catalogue.translations
    return {"one": gettext.ngettext(key, key, 1), "other": gettext.ngettext(key, key, 2)}


def has_text(key: str) -> bool:
    """Whether `key` is a text (for codes that may or may not have one, like error codes)."""
    base = _catalogue("en")
    return key in base.texts or key in base.plurals


def is_plural(key: str) -> bool:
    """Whether `key` is a count text, for `translate_plural` (or `plural_texts`)."""
    return key in _catalogue("en").plurals


def duration(minutes: int, language: str) -> str:
    """`7 minuten`, `1 uur`, `13 uur 20 minuten` / `1 minute`, `2 hours 5 minutes`: a delay
    of a day before (a rehearsal) reads as hours, not as 800 minutes. CLDR's unit words, the
    same as the pages' script gets from the browser (Intl.NumberFormat, unit style, long)."""
    hours, rest = divmod(abs(minutes), 60)
    parts = [_unit(hours, "hour", language)] if hours else []
    if rest or not hours:
        parts.append(_unit(rest, "minute", language))
    return " ".join(parts)


def _unit(amount: int, unit: str, language: str) -> str:
    from babel.units import format_unit

    return str(format_unit(amount, f"duration-{unit}", length="long", locale=language))


def wait_text(seconds: int | None, language: str) -> str:
    """How long to wait: `45 seconden`, `2 minuten`, `1 uur` / `45 seconds`, … (None: `a
    moment`). Up to two minutes in seconds, beyond that in whole minutes rounded up."""
    if seconds is None:
        return translate("a_moment", language)
    if seconds < 120:
        return _unit(seconds, "second", language)
    return duration(-(-seconds // 60), language)


def percent(fraction: float, language: str) -> str:
    """`12,5%` / `12.5%`: one decimal, with the language's decimal sign (as a spreadsheet in
    that language reads it back as a number)."""
    from babel.numbers import format_percent

    return format_percent(fraction, "0.0%", locale=language)


def long_date(day: date, language: str) -> str:
    """`donderdag 19 november 2020` / `Thursday 19 November 2020`: CLDR's day and month
    names in the order both languages write a date in running text."""
    from babel.dates import format_date

    return format_date(day, "EEEE d MMMM y", locale=language)


def long_moment(moment: datetime, language: str) -> str:
    """`dinsdag 17 november 2020, 09:00` / `Tuesday 17 November 2020, 09:00`: a wall-clock
    moment (the caller gives it in the zone it means)."""
    from babel.dates import format_datetime

    return format_datetime(moment, "EEEE d MMMM y, HH:mm", locale=language)


def runtime_key(key: str) -> str:
    """Marks a key the code builds or passes around at run time, so extraction sees it."""
    return key


def runtime_plural(key: str) -> str:
    """`runtime_key` for a count text (extracted with both forms)."""
    return key


# Keys no extractor can see: built at run time, passed as values, or sent to a page script.
# pybabel extract finds them here (docs/translations.md); tests/test_i18n.py needs them too.
RUNTIME_KEYS: Final = (
    # Error pages: web/errors.py and web/proposals.py pass a title and a text key.
    runtime_key("denied_text"),
    runtime_key("denied_title"),
    runtime_key("error_text"),
    runtime_key("error_title"),
    runtime_key("not_found_text"),
    runtime_key("not_found_title"),
    runtime_key("proposal_refused_title"),
    runtime_key("rate_limited_title"),
    runtime_key("unavailable_text"),
    runtime_key("unavailable_title"),
    # Error codes (FestivalError.code) shown by their code: web/errors.py, web/limits.py, the Q&A and show channels.
    runtime_key("auth.forbidden"),
    runtime_key("connection.lost"),
    runtime_key("connection.rate_limited"),
    runtime_key("message.rate_limited"),
    runtime_key("message.too_large"),
    runtime_key("proposal.too_many"),
    runtime_key("qa.already_voted"),
    runtime_key("qa.closed"),
    runtime_key("qa.empty"),
    runtime_key("qa.invalid_option"),
    runtime_key("qa.not_allowed_state"),
    runtime_key("qa.not_votable"),
    runtime_key("qa.not_voted"),
    runtime_key("qa.poll_closed"),
    runtime_key("qa.poll_options"),
    runtime_key("qa.poll_still_open"),
    runtime_plural("qa.rate_limited"),
    runtime_key("qa.same_question"),
    runtime_key("qa.too_long"),
    runtime_key("qa.unknown_poll"),
    runtime_key("qa.unknown_question"),
    runtime_key("qa.unknown_speaker"),
    runtime_key("registration.rate_limited"),
    runtime_key("show.already_started"),
    runtime_key("show.bad_message"),
    runtime_key("show.bad_minutes"),
    runtime_key("show.bad_position"),
    runtime_key("show.block_running"),
    runtime_key("show.block_skipped"),
    runtime_key("show.finished"),
    runtime_key("show.message_too_long"),
    runtime_key("show.not_live"),
    runtime_key("show.not_running"),
    runtime_key("show.still_live"),
    runtime_key("show.too_long"),
    runtime_key("show.too_short"),
    runtime_key("show.unknown_block"),
    runtime_key("vote.rate_limited"),
    # Form errors by code: registration/validation.py, web/votes.py and web/proposals.py (f"err_{...}", f"proposal_err_{...}").
    runtime_key("err_choices"),
    runtime_key("err_consent"),
    runtime_key("err_email"),
    runtime_key("err_email_smtputf8"),
    runtime_key("err_full_keep"),
    runtime_key("err_language"),
    runtime_key("err_mode"),
    runtime_key("err_mode_festival"),
    runtime_key("err_proposal_closed"),
    runtime_key("err_proposal_not_taken"),
    runtime_key("err_rank_instead"),
    runtime_key("err_ranking_twice"),
    runtime_key("err_rankings"),
    runtime_key("err_rankings_closed"),
    runtime_key("err_required"),
    runtime_key("err_round"),
    runtime_key("err_round_started"),
    runtime_key("err_session"),
    runtime_key("err_session_cancelled"),
    runtime_key("err_session_mode"),
    runtime_key("err_text"),
    runtime_key("err_too_long"),
    runtime_key("err_unknown_field"),
    runtime_key("err_vote_already_voted"),
    runtime_key("err_vote_bad_link"),
    runtime_key("err_vote_closed"),
    runtime_key("err_vote_link_required"),
    runtime_key("err_vote_no_ballot"),
    runtime_key("err_vote_not_open"),
    runtime_key("err_vote_other_festival"),
    runtime_key("err_vote_revealed"),
    runtime_key("proposal_err_description"),
    runtime_key("proposal_err_title"),
    # Built from a value: csv_{column}, edition_{status}, mail_kind_{kind}, mail_proposal_{state}, mode_{mode}, outbox_{status}, proposal_state_{state}, vote_status_{status}.
    runtime_key("csv_email"),
    runtime_key("csv_id"),
    runtime_key("csv_language"),
    runtime_key("csv_mode"),
    runtime_key("csv_name"),
    runtime_key("csv_organisation"),
    runtime_key("csv_position"),
    runtime_key("csv_registered_at"),
    runtime_key("csv_status"),
    runtime_key("edition_live"),
    runtime_key("edition_past"),
    runtime_key("edition_upcoming"),
    runtime_key("mail_kind_ballot"),
    runtime_key("mail_kind_certificate"),
    runtime_key("mail_kind_invite"),
    runtime_key("mail_kind_link"),
    runtime_key("mail_kind_promoted"),
    runtime_key("mail_kind_proposal"),
    runtime_key("mail_kind_reconfirm"),
    runtime_key("mail_kind_reconfirm_lapsed"),
    runtime_key("mail_kind_reminder"),
    runtime_key("mail_kind_watch_again"),
    runtime_key("mail_kind_welcome"),
    runtime_key("mail_proposal_accepted"),
    runtime_key("mail_proposal_accepted_subject"),
    runtime_key("mail_proposal_declined"),
    runtime_key("mail_proposal_declined_subject"),
    runtime_key("mode_hybrid"),
    runtime_key("mode_online_only"),
    runtime_key("mode_onsite_only"),
    runtime_key("outbox_failed"),
    runtime_key("outbox_pending"),
    runtime_key("outbox_sending"),
    runtime_key("outbox_sent"),
    runtime_key("outbox_skipped"),
    runtime_key("proposal_state_accepted"),
    runtime_key("proposal_state_declined"),
    runtime_key("proposal_state_pending"),
    runtime_key("vote_status_closed"),
    runtime_key("vote_status_open"),
    runtime_key("vote_status_revealed"),
    runtime_key("vote_status_upcoming"),
    # Picked by a condition or from a table: templates/admin/_report.html, templates/me/release.html, mailing/compose.py, report/export.py.
    runtime_key("mail_invite"),
    runtime_key("mail_invite_cancel"),
    runtime_key("mail_invite_cancel_subject"),
    runtime_key("mail_invite_subject"),
    runtime_key("mail_invite_update"),
    runtime_key("mail_invite_update_subject"),
    runtime_key("release_button"),
    runtime_key("release_confirmed"),
    runtime_key("release_done"),
    runtime_key("release_leave_button"),
    runtime_key("release_left"),
    runtime_key("release_waitlisted"),
    runtime_key("report_attendance_note"),
    runtime_key("report_attendance_note_online"),
    runtime_key("report_attendance_of"),
    runtime_key("report_no_show_rate"),
    runtime_key("report_plenary_attendance"),
    runtime_key("report_plenary_attendance_online"),
    # Page scripts' texts (JSON by key): web/qa_pages.py, web/checkin.py, web/show_pages.py (`page.text(...)`).
    runtime_key("checkin_already"),
    runtime_key("checkin_button"),
    runtime_key("checkin_code_label"),
    runtime_key("checkin_done_at"),
    runtime_key("checkin_failed"),
    runtime_key("checkin_no_places"),
    runtime_key("checkin_nobody"),
    runtime_key("checkin_not_yet"),
    runtime_key("checkin_online"),
    runtime_plural("checkin_pending"),
    runtime_key("checkin_scan"),
    runtime_key("checkin_scan_stop"),
    runtime_key("checkin_search_button"),
    runtime_key("checkin_search_label"),
    runtime_key("checkin_title"),
    runtime_key("checkin_unknown"),
    runtime_key("checkin_welcome"),
    runtime_plural("poll_answers"),
    runtime_key("poll_change"),
    runtime_key("poll_close_button"),
    runtime_key("poll_closed_result"),
    runtime_key("poll_hide_button"),
    runtime_key("poll_none"),
    runtime_key("poll_on_screen"),
    runtime_key("poll_send"),
    runtime_key("poll_show_button"),
    runtime_key("poll_yours"),
    runtime_key("proposal_refused"),
    runtime_key("qa_announce_answered"),
    runtime_key("qa_announce_approved"),
    runtime_key("qa_announce_hidden"),
    runtime_key("qa_announce_merged"),
    runtime_key("qa_announce_on_air"),
    runtime_key("qa_announce_pending"),
    runtime_key("qa_announce_starred"),
    runtime_key("qa_announce_unstarred"),
    runtime_key("qa_answered"),
    runtime_key("qa_approve"),
    runtime_key("qa_closed"),
    runtime_key("qa_edit"),
    runtime_key("qa_edited"),
    runtime_key("qa_hidden"),
    runtime_key("qa_hide"),
    runtime_key("qa_mark_answered"),
    runtime_key("qa_merge"),
    runtime_key("qa_merge_into"),
    runtime_key("qa_merged"),
    runtime_key("qa_note"),
    runtime_key("qa_offline"),
    runtime_key("qa_open"),
    runtime_key("qa_original"),
    runtime_key("qa_pending"),
    runtime_key("qa_pick"),
    runtime_key("qa_reconnecting"),
    runtime_key("qa_star"),
    runtime_key("qa_unpick"),
    runtime_key("qa_unstar"),
    runtime_key("qa_unvote"),
    runtime_key("qa_vote"),
    runtime_key("rehearsal_hint"),
)
