"""One rule for text that people type (names, questions, moderators' notes).

Composed (NFC), so one text has one spelling. NUL (which PostgreSQL refuses in text) and the
other C0 and C1 controls, tab and DEL become a space; a field that may hold several lines keeps its
line breaks (CR LF and CR become LF). Bidirectional embeddings, overrides, isolates and marks
are dropped: they would turn the text around them (a page, a mail, a moderator's screen) back
to front, and pages show people's text isolated anyway. Lone surrogates (JSON's "\\ud800")
cannot be encoded as UTF-8, so they become U+FFFD.
"""

from __future__ import annotations

import re
import unicodedata

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SURROGATE = re.compile("[\ud800-\udfff]")
_NEWLINE = re.compile(r"\r\n?")


def clean_user_text(value: str, *, multiline: bool = False) -> str:
    """`value` by the rule above. One line (`multiline=False`): every run of white space,
    line breaks included, folds to one space. Several lines: line breaks stay, and trailing
    spaces of each line go. Leading and trailing white space of the whole text goes."""
    value = unicodedata.normalize("NFC", SURROGATE.sub("\ufffd", value))
    value = BIDI.sub("", value)
    if not multiline:
        return " ".join(CONTROL.sub(" ", value).split())
    lines = CONTROL.sub(" ", _NEWLINE.sub("\n", value)).replace("\t", " ").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()
