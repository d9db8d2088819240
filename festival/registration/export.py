"""Registrations as CSV for organisers (admin page and `festival export registrations`).

Two forms: the plain one (`,`, ids, English column names) for scripts, and one for Excel as
Dutch organisers have it (`excel=True`): `;` between cells, a UTF-8 byte order mark so accents
survive, column names in the festival's language and session titles instead of ids. In both,
no cell can be run as a formula (`festival.spreadsheet`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from festival.i18n import translate
from festival.programme.model import Festival
from festival.registration.model import Place, Registration
from festival.spreadsheet import safe_cell

BOM = "\ufeff"
_COLUMNS = ("id", "name", "email", "organisation", "language", "mode", "registered_at")


def registrations_csv(
    festival: Festival, registrations: Iterable[Registration], *, excel: bool = False
) -> str:
    rounds = list(festival.rounds)
    titles = {s.id: s.title for _, s in festival.sessions()}
    language = festival.language
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if excel else ",", lineterminator="\r\n")
    if excel:
        header = [translate(f"csv_{c}", language) for c in _COLUMNS]
        for r in rounds:
            header += [
                r.title,
                f"{r.title}: {translate('csv_status', language)}",
                f"{r.title}: {translate('csv_position', language)}",
            ]
    else:
        header = list(_COLUMNS)
        for r in rounds:
            header += [f"{r.id}", f"{r.id}_status", f"{r.id}_waitlist_position"]
    writer.writerow([safe_cell(v) for v in header])
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
            if place is None:
                row += ["", "", ""]
            elif excel:
                row += [titles.get(place.session_id, place.session_id), _status(place, language)]
                row += [place.position]
            else:
                row += [place.session_id, place.status, place.position]
        writer.writerow([safe_cell(v) for v in row])
    return (BOM if excel else "") + out.getvalue()


def _status(place: Place, language: str) -> str:
    if place.status == "waitlisted":
        return translate("csv_waitlisted", language)
    return translate("csv_confirmed", language)
