"""Cells for CSV files that organisers open in a spreadsheet. Stdlib only.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab or
carriage return) as a formula: a name typed as `=HYPERLINK(…)` would run on the organiser's
machine. Which characters start a cell depends on how the file is split: Excel in a Dutch
locale splits a comma-separated file on `;`, so `Ann;=cmd()` becomes two cells there. So
every place a cell could start, under any of the usual delimiters (`,`, `;`, tab) or after a
line break, gets a `'` before a formula character: the spreadsheet shows it as text.
"""

from __future__ import annotations

import re

FORMULA_START = "=+-@\t\r"
# A cell start under any delimiter (or a line break), spaces allowed (some programs trim
# them), then a formula character: a `'` goes right before that character.
_RISKY = re.compile(r"(^|[,;\t\r\n])( *)(?=[=+\-@\t\r])")


def safe_cell(value: object) -> str:
    """`value` as CSV cell text that no spreadsheet runs as a formula, whatever it splits on."""
    text = "" if value is None else str(value)
    return _RISKY.sub(r"\1\2'", text)
