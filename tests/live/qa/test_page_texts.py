"""The Q&A pages speak the page's language: every text qa.js asks for is handed to it, and
every refusal the pages translate has a Dutch and an English text."""

from __future__ import annotations

import re

from festival.i18n import has_text, translate_plural
from festival.web.qa_feed import ERROR_CODES, SCRIPT_TEXTS, error_text
from tests.conftest import ROOT


def test_every_text_qa_js_asks_for_is_handed_to_it():
    script = (ROOT / "templates" / "static" / "qa.js").read_text()
    asked = set(re.findall(r'(?<![\w.])t\("(\w+)"\)', script))

    assert asked  # the pattern still finds them
    assert sorted(asked - set(SCRIPT_TEXTS)) == []
    assert sorted(k for k in SCRIPT_TEXTS if not has_text(k)) == []


def test_every_refusal_the_pages_translate_has_a_text():
    # tests/test_i18n.py checks that every text has both languages.
    missing = [c for c in ERROR_CODES if not has_text(c)]

    assert missing == []


def test_a_refusal_reads_in_the_page_language_with_its_numbers():
    assert error_text("qa.too_long", "nl") == "Je vraag is te lang: hoogstens 500 tekens."
    assert error_text("qa.rate_limited", "en", retry_after=1) == (
        "Please wait: you can ask again in 1 second."
    )
    assert error_text("qa.rate_limited", "nl", retry_after=42) == translate_plural(
        "qa.rate_limited", 42, "nl"
    )
    assert error_text("qa.rate_limited", "en") == "Please wait: you can ask again in … seconds."
    assert error_text("message.invalid_json", "nl") is None  # the server's words then
