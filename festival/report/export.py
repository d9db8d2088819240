"""The organiser's report as CSV (`festival export report`, `/admin/report.csv`).

Four tables one after the other, an empty row between them, each with its own header: the
sessions (with who came), the Q&A channels, the plenary's blocks, and attendance: the
plenary's and the ended sessions' together with the festival's no-show rate. A no-show count
not yet counted (the session has not ended) is an empty cell; the rate is a percentage in the
festival's language (`12,5%`), which spreadsheets read as a number. Column names are in the
festival's language, times in its zone (named in the time columns' headers) as
`YYYY-MM-DD HH:MM`, which spreadsheets read as a date and time. Two forms, as for the
registrations: `,` between cells, or for Excel as Dutch organisers have it (`excel=True`)
`;` and a UTF-8 byte order mark. No cell can be run as a formula (`festival.spreadsheet`).
A festival without a venue (online only) has no seats and no check-ins: those columns are left
out, as on the admin page, rather than filled with zeros an organiser would have to explain.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from festival.i18n import percent, translate
from festival.report.model import Report
from festival.spreadsheet import safe_cell

BOM = "\ufeff"
SESSION_COLUMNS = (
    "report_round",
    "report_session",
    "report_capacity",
    "report_seats",
    "report_registered",
    "report_waitlisted",
    "report_given_back",
    "report_checked_in",
    "report_joined_online",
    "report_attended",
    "report_no_shows",
)
CHANNEL_COLUMNS = ("report_channel", "report_asked", "report_approved", "report_answered")
BLOCK_COLUMNS = (
    "report_block",
    "report_status",
    "report_planned_start",
    "report_planned_end",
    "report_actual_start",
    "report_actual_end",
    "report_start_difference",
    "report_end_difference",
)
ATTENDANCE_COLUMNS = (
    "report_attendance_of",
    "report_registered",
    "report_checked_in",
    "report_joined_online",
    "report_attended",
    "report_no_shows",
    "report_no_show_rate",
)
# The columns whose header names the festival's zone.
_TIMES = frozenset(BLOCK_COLUMNS[2:6])
# The columns that count a venue: absent for an online festival (`Report.on_site`).
_VENUE = frozenset({"report_seats", "report_checked_in"})


def report_csv(report: Report, *, excel: bool = False) -> str:
    festival = report.festival
    language = festival.language

    def header(columns: Sequence[str]) -> list[str]:
        return [
            f"{translate(c, language)} ({festival.timezone})"
            if c in _TIMES
            else translate(c, language)
            for c in columns
        ]

    def local(moment: datetime | None) -> str:
        return "" if moment is None else f"{festival.local(moment):%Y-%m-%d %H:%M}"

    sessions = [
        {
            "report_round": s.round_title,
            "report_session": s.title,
            "report_capacity": s.capacity,
            "report_seats": s.seats,
            "report_registered": s.registered,
            "report_waitlisted": s.waitlisted,
            "report_given_back": s.given_back,
            "report_checked_in": s.checked_in,
            "report_joined_online": s.joined_online,
            "report_attended": s.attended,
            "report_no_shows": s.no_shows,
        }
        for s in report.sessions
    ]
    attendance = [
        dict(zip(ATTENDANCE_COLUMNS, row, strict=True)) for row in _attendance_rows(report)
    ]
    session_columns = [c for c in SESSION_COLUMNS if report.on_site or c not in _VENUE]
    attendance_columns = [c for c in ATTENDANCE_COLUMNS if report.on_site or c not in _VENUE]
    tables: list[list[Sequence[object]]] = [
        [header(session_columns)] + [[row[c] for c in session_columns] for row in sessions],
        [header(CHANNEL_COLUMNS)]
        + [[c.title, c.asked, c.approved, c.answered] for c in report.channels],
        [header(BLOCK_COLUMNS)]
        + [
            [
                b.title,
                translate(f"status_{b.status}", language),
                local(b.planned_start),
                local(b.planned_end),
                local(b.started_at),
                local(b.ended_at),
                b.start_difference,
                b.end_difference,
            ]
            for b in report.blocks
        ],
        [header(attendance_columns)] + [[row[c] for c in attendance_columns] for row in attendance],
    ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if excel else ",", lineterminator="\r\n")
    for n, rows in enumerate(tables):
        if n:
            writer.writerow([])
        writer.writerows([safe_cell(v) for v in row] for row in rows)
    return (BOM if excel else "") + out.getvalue()


def _attendance_rows(report: Report) -> list[list[object]]:
    language = report.festival.language
    rows: list[list[object]] = []
    if (plenary := report.plenary) is not None:
        assert report.festival.plenary is not None  # figures exist for a plenary only
        rows.append(
            [
                report.festival.plenary.title,
                plenary.registered,
                plenary.checked_in,
                plenary.joined_online,
                plenary.attended,
                None,  # the plenary has no no-shows (`festival.report.figures`)
                None,
            ]
        )
    e = report.ended
    rate = None if e.no_show_rate is None else percent(e.no_show_rate, language)
    label = translate("report_ended_sessions", language, n=e.sessions)
    rows.append([label, e.registered, e.checked_in, e.joined_online, e.attended, e.no_shows, rate])
    return rows
