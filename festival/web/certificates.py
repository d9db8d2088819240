"""Certificates of attendance: `GET /me/TOKEN/certificate.pdf` and their verification page
`GET /certificates/CODE`.

Whether an attendee gets one, and for which minutes, is `festival.attendance.certificate`;
the first download issues its verification code (`festival.attendance.service:certificate`).
Before the festival's end, below its minimum or for a festival without certificates the
download is a `404` page saying why, as the personal page does. The verification page confirms
festival, date, name and total minutes of a code that was issued, and says only "not valid"
for any other (a forged code, or one whose registration was erased).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from festival.attendance import Certificate, certificate, normal_code
from festival.attendance.document import render
from festival.storage.attendance_repo import AttendanceSql
from festival.web.context import attendee_of, page_language
from festival.web.state import app_state

HEADERS = {
    # Personal: no shared cache keeps it, no search engine lists it.
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
}


async def certificate_pdf(request: Request) -> Response:
    state = app_state(request)
    token = request.path_params["token"]
    _, festival, registration = await attendee_of(request, token)
    request.state.language = registration.language  # the attendee's, over a remembered choice
    lang = page_language(request, registration.language)
    async with state.db.session() as db, db.begin():
        made: Certificate = await certificate(
            AttendanceSql(db),
            festival,
            registration,
            now=state.clock.now(),
        )
    if made.eligibility.standing != "ready":
        return state.templates.TemplateResponse(
            request,
            "certificates/unavailable.html",
            {"festival": festival, "standing": made.eligibility, "token": token, "lang": lang},
            status_code=404,
            headers=HEADERS,
        )
    verify_url = f"{state.settings.resolved_base_url}/certificates/{made.code}"
    filename = f"{festival.slug}-certificate.pdf"
    return Response(
        render(made, lang, verify_url),
        media_type="application/pdf",
        headers={**HEADERS, "Content-Disposition": f'inline; filename="{filename}"'},
    )


async def verify_page(request: Request) -> Response:
    state = app_state(request)
    code = normal_code(request.path_params["code"])
    async with state.db.session() as db:
        verified = await AttendanceSql(db).verified(code) if code else None
        festival = await state.festivals.read(db, verified.festival) if verified else None
    lang = page_language(request, festival.language if festival else "nl")
    return state.templates.TemplateResponse(
        request,
        "certificates/verify.html",
        {"verified": verified if festival else None, "festival": festival, "lang": lang},
        status_code=200 if festival else 404,
        headers={"X-Robots-Tag": "noindex", "Cache-Control": "no-store"},
    )
