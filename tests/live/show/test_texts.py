"""Every refusal the host console can meet has a text in both languages."""

from __future__ import annotations

from festival.i18n import LANGUAGES, MESSAGES
from festival.show import SHOW_ERROR_CODES


def test_every_show_error_code_has_a_dutch_and_english_text():
    missing = [c for c in SHOW_ERROR_CODES if set(MESSAGES.get(c, {})) != set(LANGUAGES)]

    assert missing == []
