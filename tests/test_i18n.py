"""Every text exists in Dutch and English; dates read as each language writes them."""

from __future__ import annotations

from datetime import date

import pytest

from festival.i18n import LANGUAGES, MESSAGES, duration, long_date, pick_language, translate


def test_every_message_has_every_language():
    missing = [key for key, texts in MESSAGES.items() if set(texts) != set(LANGUAGES)]

    assert missing == []


def test_placeholders_are_the_same_in_both_languages():
    def names(text: str) -> set[str]:
        return {part.split("}")[0] for part in text.split("{")[1:]}

    differing = [k for k, t in MESSAGES.items() if names(t["nl"]) != names(t["en"])]

    assert differing == []


def test_long_date_in_dutch_and_english():
    day = date(2020, 11, 19)

    assert long_date(day, "nl") == "donderdag 19 november 2020"
    assert long_date(day, "en") == "Thursday 19 November 2020"


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
