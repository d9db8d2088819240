"""The Q&A pages speak the page's language: every text qa.js asks for is handed to it, and
every refusal the pages translate has a Dutch and an English text."""

from __future__ import annotations

import re

from festival.i18n import LANGUAGES, MESSAGES, translate
from festival.web.qa_pages import ERROR_CODES, SCRIPT_TEXTS, error_text
from tests.conftest import ROOT


def test_every_text_qa_js_asks_for_is_handed_to_it():
    script = (ROOT / "templates" / "static" / "qa.js").read_text()
    asked = set(re.findall(r'(?<![\w.])t\("(\w+)"\)', script))

    assert asked  # the pattern still finds them
    assert sorted(asked - set(SCRIPT_TEXTS)) == []
    assert sorted(k for k in SCRIPT_TEXTS if set(MESSAGES.get(k, {})) != set(LANGUAGES)) == []


def test_every_refusal_the_pages_translate_has_both_languages():
    missing = [c for c in ERROR_CODES if set(MESSAGES.get(c, {})) != set(LANGUAGES)]

    assert missing == []


def test_a_refusal_reads_in_the_page_language_with_its_numbers():
    assert error_text("qa.too_long", "nl") == "Je vraag is te lang: hoogstens 500 tekens."
    assert error_text("qa.rate_limited", "en") == "Please wait: you can ask again in {n} seconds."
    assert error_text("qa.rate_limited", "nl", retry_after=42) == translate(
        "qa.rate_limited", "nl", n=42
    )
    assert error_text("message.invalid_json", "nl") is None  # the server's words then
