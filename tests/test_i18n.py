"""Every text exists in Dutch and English; counts, dates and durations read as each language
writes them.

The texts are the gettext catalogues festival/locale/<lang>/LC_MESSAGES/festival.po; the keys
the code uses are what Babel extracts with babel.cfg (docs/translations.md). A text missing in
either language, or a catalogue entry nothing uses, fails here by its key and language.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from festival.i18n import (
    LANGUAGES,
    catalogue_path,
    duration,
    has_text,
    is_plural,
    long_date,
    long_moment,
    percent,
    pick_language,
    plural_texts,
    translate,
    translate_plural,
    wait_text,
)
from tests.conftest import ROOT

# A count text (msgid_plural) is keyed by its msgid, like any other text.
Keys = dict[str, bool]  # key -> whether it is a count text


def _keys_of(catalog: Catalog) -> Keys:
    return {
        (m.id if isinstance(m.id, str) else m.id[0]): not isinstance(m.id, str)
        for m in catalog
        if m.id
    }


@cache
def _catalogue(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as po:
        return read_po(po, locale=language)


@cache
def _used_keys() -> Keys:
    """The keys Python code and templates use, as `pybabel extract -F babel.cfg .` sees them."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config, "babel.cfg")
    used: Keys = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords={}
    ):
        key = message if isinstance(message, str) else message[0]
        used[key] = used.get(key, False) or not isinstance(message, str)
    return used


def _incomplete(catalog: Catalog, used: Keys) -> list[str]:
    """What a catalogue lacks: a key without a text, or a count text without both forms."""
    entries = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
    problems = []
    for key, plural in sorted(used.items()):
        entry = entries.get(key)
        if entry is None or not entry.string or entry.fuzzy:
            problems.append(f"{key}: no {catalog.locale} text")
        elif plural != (not isinstance(entry.id, str)):
            problems.append(f"{key}: {catalog.locale} is {'not ' * plural}a count text")
        elif plural and not all(entry.string):
            problems.append(f"{key}: {catalog.locale} lacks a plural form")
    return problems


def test_extraction_finds_keys_in_python_and_templates():
    used = _used_keys()

    assert {"programme", "qa_send", "checkin_title"} <= set(used)  # a template, qa, run time
    assert used["vote_ballots"]  # a template's translate_plural
    assert used["mail_reminder"]  # a Python translate_plural
    assert used["checkin_pending"]  # a page script's count text (RUNTIME_KEYS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_used_has_a_text_in_each_language(language: str):
    assert _incomplete(_catalogue(language), _used_keys()) == []


def test_a_text_missing_in_one_language_is_named_with_its_language():
    dutch = _catalogue("nl")
    short = Catalog(locale="nl")
    for key, message in zip(_keys_of(dutch), (m for m in dutch if m.id), strict=True):
        if key not in ("vote_ballots", "programme"):
            short[message.id] = message

    assert _incomplete(short, _used_keys()) == [
        "programme: no nl text",
        "vote_ballots: no nl text",
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_catalogue_entry_is_unused(language: str):
    stale = sorted(set(_keys_of(_catalogue(language))) - set(_used_keys()))

    assert stale == [], f"{language}: entries nothing uses (remove, or list in RUNTIME_KEYS)"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogues_parse_with_the_two_plural_forms(language: str):
    catalog = _catalogue(language)

    assert catalog.locale is not None
    assert str(catalog.locale) == language
    assert catalog.plural_forms == "nplurals=2; plural=(n != 1);"
    assert catalog.num_plurals == 2
    assert [m.id for m in catalog if m.fuzzy and m.id] == []


def test_dutch_entries_show_the_english_text():
    english = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in _catalogue("en")}

    def shown(message_string: str | tuple[str, ...]) -> str:
        return message_string if isinstance(message_string, str) else " | ".join(message_string)

    wrong = [
        m.id
        for m in _catalogue("nl")
        if m.id
        and f"English: {shown(english[m.id if isinstance(m.id, str) else m.id[0]])}"
        not in " ".join(m.auto_comments)
    ]

    assert wrong == []


def test_placeholders_are_the_same_in_both_languages():
    def names(text: str | tuple[str, ...]) -> set[str]:
        joined = text if isinstance(text, str) else " ".join(text)
        return set(re.findall(r"\{(\w+)\}", joined))

    english = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in _catalogue("en")}
    differing = [
        m.id
        for m in _catalogue("nl")
        if m.id and names(m.string) != names(english[m.id if isinstance(m.id, str) else m.id[0]])
    ]

    assert differing == []


@pytest.mark.parametrize(
    ("count", "dutch", "english"),
    [(1, "1 stem", "1 vote"), (2, "2 stemmen", "2 votes"), (0, "0 stemmen", "0 votes")],
)
def test_a_count_text_takes_the_form_for_its_number(count: int, dutch: str, english: str):
    assert translate_plural("vote_ballots", count, "nl") == dutch
    assert translate_plural("vote_ballots", count, "en") == english


def test_a_count_text_fills_its_other_values():
    assert translate_plural("mail_reminder", 1, "en", item="Opening") == (
        "Opening starts in 1 minute. Use the button below to join."
    )


def test_a_page_script_gets_both_forms_by_plural_category():
    assert plural_texts("checkin_pending", "en") == {
        "one": "No connection: {n} check-in waiting, sent again when it is back",
        "other": "No connection: {n} check-ins waiting, sent again when it is back",
    }


def test_a_missing_key_is_a_programming_error_not_an_echo():
    with pytest.raises(KeyError):
        translate("no_such_text", "nl")
    with pytest.raises(KeyError):
        translate("vote_ballots", "nl")  # a count text needs its count
    with pytest.raises(KeyError):
        translate_plural("programme", 2, "en")
    with pytest.raises(KeyError):
        translate("programme", "de")
    assert (has_text("programme"), has_text("no_such_text")) == (True, False)
    assert (is_plural("vote_ballots"), is_plural("programme")) == (True, False)


def test_long_date_in_dutch_and_english():
    day = date(2020, 11, 19)

    assert long_date(day, "nl") == "donderdag 19 november 2020"
    assert long_date(day, "en") == "Thursday 19 November 2020"


def test_long_moment_is_the_wall_clock_given():
    moment = datetime(2020, 11, 17, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))

    assert long_moment(moment, "nl") == "dinsdag 17 november 2020, 09:00"
    assert long_moment(moment, "en") == "Tuesday 17 November 2020, 09:00"


def test_percent_with_the_language_decimal_sign():
    assert (percent(0.125, "nl"), percent(0.125, "en")) == ("12,5%", "12.5%")


def test_translate_fills_values():
    assert translate("running_late", "nl", n=duration(7, "nl")) == "loopt 7 minuten uit"
    assert translate("running_late", "en", n=duration(7, "en")) == "running 7 minutes late"


def test_pick_language_prefers_the_attendee_then_the_festival():
    assert pick_language("en", "nl") == "en"
    assert pick_language(None, "en") == "en"
    assert pick_language("de", "nl") == "nl"


@pytest.mark.parametrize(
    ("minutes", "dutch", "english"),
    [
        (1, "1 minuut", "1 minute"),
        (7, "7 minuten", "7 minutes"),
        (60, "1 uur", "1 hour"),
        (61, "1 uur 1 minuut", "1 hour 1 minute"),
        (-800, "13 uur 20 minuten", "13 hours 20 minutes"),  # a rehearsal the day before
        (0, "0 minuten", "0 minutes"),
    ],
)
def test_a_duration_reads_in_hours_and_minutes(minutes: int, dutch: str, english: str):
    assert (duration(minutes, "nl"), duration(minutes, "en")) == (dutch, english)


@pytest.mark.parametrize(
    ("seconds", "dutch", "english"),
    [
        (None, "een moment", "a moment"),
        (1, "1 seconde", "1 second"),
        (45, "45 seconden", "45 seconds"),
        (121, "3 minuten", "3 minutes"),
    ],
)
def test_a_wait_reads_in_seconds_then_minutes(seconds: int | None, dutch: str, english: str):
    assert (wait_text(seconds, "nl"), wait_text(seconds, "en")) == (dutch, english)
