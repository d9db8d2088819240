"""The organiser's report on the web: a section of /admin, a printable page (`/admin/report`),
the same CSV as `festival export report` (`/admin/report.csv`) and JSON
(`/api/admin/report`). The counting is `festival.report.figures`'s; an admin token sees the
reports of the festivals it covers only (`granted_festival`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from festival.programme.model import Festival
from festival.report.export import report_csv
from festival.report.figures import live_figures, report
from festival.report.model import Report
from festival.storage.report_repo import live_log, log_lengths, report_source
from festival.web.auth import ADMIN_COOKIE, require
from festival.web.context import granted_festival, page_language
from festival.web.state import app_state


async def report_of(request: Request, festival: Festival) -> Report:
    """The report now. The live channels' log is read and replayed only when it grew since
    the last time (`festival.report.cache`): an admin page loaded again and again on a big
    day reads the channels' lengths, not every question and vote."""
    state = app_state(request)
    async with state.db.session() as db:
        source = await report_source(db, festival.slug)
        lengths = await log_lengths(db, festival.slug)
        live = state.reports.get(festival, lengths)
        if live is None:
            live = live_figures(festival, await live_log(db, festival.slug))
            state.reports.put(festival, lengths, live)
    return report(festival, source, live, now=state.clock.now())


async def _admin_report(request: Request) -> Report:
    grant = await require(request, "admin", cookie=ADMIN_COOKIE)
    return await report_of(request, await granted_festival(request, grant))


async def admin_report_page(request: Request) -> Response:
    """The report alone, to print: on paper without the site's header and links."""
    made = await _admin_report(request)
    lang = page_language(request, made.festival.language)
    return app_state(request).templates.TemplateResponse(
        request, "admin/report.html", {"report": made, "lang": lang}
    )


async def admin_report_csv(request: Request) -> Response:
    """`?format=excel` for Excel as Dutch organisers have it (`;`, a UTF-8 byte order mark)."""
    made = await _admin_report(request)
    excel = request.query_params.get("format") == "excel"
    name = f"{made.festival.slug}-report{'-excel' if excel else ''}.csv"
    return Response(
        report_csv(made, excel=excel),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def api_admin_report(request: Request) -> Response:
    made = await _admin_report(request)
    festival = made.festival

    def local(moment: datetime | None) -> str | None:
        return None if moment is None else festival.local(moment).isoformat()

    body: dict[str, Any] = {
        "festival": festival.slug,
        "sessions": [
            {
                "round": s.round_id,
                "session": s.session_id,
                "title": s.title,
                "capacity": s.capacity,
                "seats": s.seats,
                "registered": s.registered,
                "waitlisted": s.waitlisted,
                "given_back": s.given_back,
                "checked_in": s.checked_in,
                "joined_online": s.joined_online,
                "attended": s.attended,
                "ended": s.ended,
                "no_shows": s.no_shows,
            }
            for s in made.sessions
        ],
        "plenary": None
        if (p := made.plenary) is None
        else {
            "registered": p.registered,
            "checked_in": p.checked_in,
            "joined_online": p.joined_online,
            "attended": p.attended,
        },
        "ended_sessions": {
            "sessions": made.ended.sessions,
            "registered": made.ended.registered,
            "checked_in": made.ended.checked_in,
            "joined_online": made.ended.joined_online,
            "attended": made.ended.attended,
            "no_shows": made.ended.no_shows,
            "no_show_rate": made.ended.no_show_rate,
        },
        "channels": [
            {
                "channel": c.channel,
                "title": c.title,
                "asked": c.asked,
                "approved": c.approved,
                "answered": c.answered,
            }
            for c in made.channels
        ],
        "blocks": [
            {
                "block": b.id,
                "title": b.title,
                "status": b.status,
                "planned_start": local(b.planned_start),
                "planned_end": local(b.planned_end),
                "actual_start": local(b.started_at),
                "actual_end": local(b.ended_at),
                "start_difference_minutes": b.start_difference,
                "end_difference_minutes": b.end_difference,
            }
            for b in made.blocks
        ],
    }
    return JSONResponse(body)
