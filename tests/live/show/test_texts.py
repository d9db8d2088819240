"""Every refusal the host console can meet has a text in both languages, and the limits those
texts quote are the rules' own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from festival.i18n import LANGUAGES, duration, has_text
from festival.show import (
    MAX_BLOCK_MINUTES,
    MAX_MESSAGE_CHARS,
    MAX_STEP_MINUTES,
    MIN_BLOCK_MINUTES,
    REHEARSAL_BEFORE,
    SHOW_ERROR_CODES,
)
from festival.web import show_pages
from festival.web.show_pages import console_text


def test_every_show_error_code_has_a_dutch_and_english_text():
    # tests/test_i18n.py checks that every text has both languages.
    missing = [c for c in SHOW_ERROR_CODES if not has_text(c)]

    assert missing == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_console_texts_quote_the_limits_of_the_rules(lang: str):
    assert f" {MAX_STEP_MINUTES}." in console_text("show.bad_minutes", lang)
    assert f" {duration(MIN_BLOCK_MINUTES, lang)}." in console_text("show.too_short", lang)
    assert f" {duration(MAX_BLOCK_MINUTES, lang)}." in console_text("show.too_long", lang)
    assert f" {MAX_MESSAGE_CHARS} " in console_text("show.message_too_long", lang)
    rehearsal = duration(REHEARSAL_BEFORE // timedelta(minutes=1), lang)
    assert f" {rehearsal} " in console_text("rehearsal_hint", lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_console_texts_follow_the_limits_when_they_change(
    monkeypatch: pytest.MonkeyPatch, lang: str
):
    monkeypatch.setattr(show_pages, "MAX_STEP_MINUTES", 97)
    monkeypatch.setattr(show_pages, "MIN_BLOCK_MINUTES", 3)
    monkeypatch.setattr(show_pages, "MAX_BLOCK_MINUTES", 451)
    monkeypatch.setattr(show_pages, "MAX_MESSAGE_CHARS", 333)
    monkeypatch.setattr(show_pages, "REHEARSAL_BEFORE", REHEARSAL_BEFORE * 2)
    hours = {"nl": "uur", "en": "hours"}[lang]
    minutes = {"nl": "minuten", "en": "minutes"}[lang]

    assert " 97." in console_text("show.bad_minutes", lang)
    assert f" 3 {minutes}." in console_text("show.too_short", lang)
    assert f" 7 {hours} 31 {minutes}." in console_text("show.too_long", lang)
    assert " 333 " in console_text("show.message_too_long", lang)
    assert f" 2 {hours} " in console_text("rehearsal_hint", lang)
