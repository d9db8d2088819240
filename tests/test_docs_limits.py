"""The limits docs/live-protocol.md quotes are the ones the rules enforce: each number in the
doc is read where it stands and compared with the constant it describes, so neither can
change alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from festival.qa.model import MAX_NOTE, MAX_TEXT
from festival.show.timer import (
    MAX_BLOCK_MINUTES,
    MAX_MESSAGE_CHARS,
    MAX_STEP_MINUTES,
    MIN_BLOCK_MINUTES,
)

PROTOCOL = Path(__file__).parent.parent / "docs" / "live-protocol.md"


def quote(where: str, pattern: str, limit: int, times: int = 1) -> object:
    """`pattern` finds the quoted number (group `n`) `times` times in the doc."""
    return pytest.param(pattern, limit, times, id=where)


@pytest.mark.parametrize(
    ("pattern", "limit", "times"),
    [
        quote(
            "extend",
            r"`extend` / `shorten` \| `block_id`, `minutes` \(1–(?P<n>[\d,]+)\)",
            MAX_STEP_MINUTES,
        ),
        quote(
            "bad_minutes", r"`show\.bad_minutes` \| .* from 1 to (?P<n>[\d,]+) ", MAX_STEP_MINUTES
        ),
        quote("shortest block", r"a block lasts at least (?P<n>[\d,]+) and", MIN_BLOCK_MINUTES),
        quote(
            "longest block", r"a block lasts .* at most (?P<n>[\d,]+) minutes", MAX_BLOCK_MINUTES
        ),
        quote(
            "messages",
            r"`message_\w+` \| `text` \(at most (?P<n>[\d,]+) characters",
            MAX_MESSAGE_CHARS,
            2,
        ),
        quote(
            "message_too_long",
            r"`show\.message_too_long` .* over (?P<n>[\d,]+) characters",
            MAX_MESSAGE_CHARS,
        ),
        quote("question text", r"\| question text \| 1–(?P<n>[\d,]+) characters", MAX_TEXT),
        quote(
            "qa.too_long",
            r"`qa\.too_long` \| a question of 0 or over (?P<n>[\d,]+) characters",
            MAX_TEXT,
        ),
        quote("moderator note", r"\| moderator note \| (?P<n>[\d,]+) characters", MAX_NOTE),
    ],
)
def test_the_protocol_quotes_the_limit_the_rules_enforce(pattern: str, limit: int, times: int):
    quoted = [int(m["n"].replace(",", "")) for m in re.finditer(pattern, PROTOCOL.read_text())]

    assert quoted == [limit] * times
