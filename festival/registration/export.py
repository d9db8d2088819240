"""Registrations as CSV for organisers (admin page and `festival export registrations`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from festival.programme.model import Festival
from festival.registration.model import Registration

# A cell starting with one of these is a formula to a spreadsheet; quote it so that a name
# like "=HYPERLINK(…)" typed into the form stays text on the organiser's machine.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def registrations_csv(festival: Festival, registrations: Iterable[Registration]) -> str:
    rounds = [r for r in festival.rounds]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = ["id", "name", "email", "organisation", "language", "mode", "registered_at"]
    for r in rounds:
        header += [f"{r.id}", f"{r.id}_status", f"{r.id}_waitlist_position"]
    writer.writerow(header)
    for reg in registrations:
        row: list[object] = [
            reg.id,
            reg.name,
            reg.email,
            reg.organisation,
            reg.language,
            reg.mode,
            festival.local(reg.created_at).isoformat(),
        ]
        for r in rounds:
            place = reg.place_in(r.id)
            row += [place.session_id, place.status, place.position] if place else ["", "", ""]
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()
