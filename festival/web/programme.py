"""Public programme: the page, `GET /api/programme` and `GET /programme.ics`; after the
festival's end the page leads with its archive (`/archive`: the report, the recordings and
slides, the questions answered)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response

from festival.i18n import duration, translate
from festival.invites.calendar import programme_calendar
from festival.programme.model import PLENARY, Block, Festival, Person, Round, Session
from festival.qa import View, archived, for_archive
from festival.qa.channels import qa_channels
from festival.registration.capacity import Availability, availability
from festival.show import ShowNow, show_now
from festival.storage.registration_repo import session_counts
from festival.web.context import current_festival, page_language
from festival.web.state import app_state


async def festival_with_availability(
    request: Request,
) -> tuple[Festival, dict[str, Availability]]:
    festival = await current_festival(request)
    async with app_state(request).db.session() as db:
        counts = await session_counts(db, festival.slug)
    return festival, availability(festival, counts)


@dataclass(frozen=True)
class ProgrammePage:
    """Everything templates/programme/page.html needs."""

    festival: Festival
    lang: str
    show_now: ShowNow | None  # None: the festival has no plenary to run
    base_url: str
    availability: dict[str, Availability]
    editions: tuple[Festival, ...] = ()  # the install's other festivals, by date
    now: datetime | None = None  # when the page is made, for the editions' status
    # After the festival's end: the questions answered, per Q&A channel (the plenary, each
    # session); None while the festival is still to come or running.
    answered: dict[str, list[View]] | None = None

    def local(self, moment: datetime) -> datetime:
        return self.festival.local(moment)

    def round_live(self, round_: Round) -> bool:
        """The round's breakouts are on now (its rooms between start and end)."""
        return (
            self.now is not None and not round_.cancelled and round_.start <= self.now < round_.end
        )

    @property
    def plenary_live(self) -> bool:
        return self.show_now is not None and self.show_now.live

    def on_air(self, block: Block) -> bool:
        """The plenary block running (or paused) now."""
        on_now = self.show_now.on_now() if self.show_now is not None else None
        return on_now is not None and on_now.id == block.id and on_now.status != "upcoming"

    def answered_in(self, channel: str = PLENARY) -> list[View]:
        """The archived questions of a session (by its id), or of the plenary."""
        return (self.answered or {}).get(channel, [])


async def festival_show_now(conn: HTTPConnection, festival: Festival) -> ShowNow | None:
    """Where the plenary stands: live or not, its delay, every block's projected times."""
    if festival.plenary is None:
        return None
    state = app_state(conn)
    _, show = await state.live.show.state(festival)
    return show_now(show, state.clock.now())


async def programme_page(request: Request) -> Response:
    """The programme; the archive once the festival is over."""
    return await _programme_or_archive(request, await current_festival(request))


async def archive_page(request: Request) -> Response:
    """The archive of a festival that is over; before its end, when the archive opens."""
    state = app_state(request)
    festival = await current_festival(request)
    if festival.status(state.clock.now()) == "past":
        return await _programme_or_archive(request, festival)
    lang = page_language(request, festival.language)
    opens = festival.local(festival.span()[1])
    return _remember_language(
        request,
        state.templates.TemplateResponse(
            request,
            "programme/archive_closed.html",
            {"festival": festival, "opens": opens, "lang": lang},
        ),
        lang,
    )


async def _programme_or_archive(request: Request, festival: Festival) -> Response:
    state = app_state(request)
    async with state.db.session() as db:
        counts = await session_counts(db, festival.slug)
    lang = page_language(request, festival.language)
    show = await festival_show_now(request, festival)
    moment = state.clock.now()
    async with state.db.session() as db:
        others = [f for f in await state.festivals.all(db) if f.slug != festival.slug]
    page = ProgrammePage(
        festival,
        lang,
        show,
        state.settings.resolved_base_url,
        availability(festival, counts),
        editions=tuple(sorted(others, key=lambda f: (f.date, f.slug))),
        now=moment,
        answered=await _answered(request, festival) if festival.status(moment) == "past" else None,
    )
    response = state.templates.TemplateResponse(
        request, "programme/page.html", {"page": page, "lang": lang}
    )
    return _remember_language(request, response, lang)


async def _answered(conn: HTTPConnection, festival: Festival) -> dict[str, list[View]]:
    """Per Q&A channel, the questions its archive keeps (`qa.archived`), as the public sees
    them; channels without any are left out."""
    qa = app_state(conn).live.qa
    answered = {}
    for channel in qa_channels(festival):
        _, state = await qa.state(festival.slug, channel)
        if questions := archived(state):
            answered[channel] = [for_archive(q) for q in questions]
    return answered


def _remember_language(request: Request, response: Response, lang: str) -> Response:
    if "lang" in request.query_params:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


async def api_programme(request: Request) -> Response:
    festival, places = await festival_with_availability(request)
    lang = page_language(request, festival.language)
    now = await festival_show_now(request, festival)
    return JSONResponse(programme_json(festival, places, show=now, lang=lang))


async def api_festivals(request: Request) -> Response:
    """Every festival of the install, by date, with its address and where it stands."""
    state = app_state(request)
    now, base = state.clock.now(), state.settings.resolved_base_url
    async with state.db.session() as db:
        festivals = sorted(await state.festivals.all(db), key=lambda f: (f.date, f.slug))
    return JSONResponse(
        {
            "festivals": [
                {
                    "slug": f.slug,
                    "title": f.title,
                    "date": f.date.isoformat(),
                    "timezone": f.timezone,
                    "status": f.status(now),
                    "url": base + f.path(),
                }
                for f in festivals
            ]
        }
    )


async def programme_ics(request: Request) -> Response:
    state = app_state(request)
    festival = await current_festival(request)
    body = programme_calendar(
        festival, base_url=state.settings.resolved_base_url, now=state.clock.now()
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{festival.slug}.ics"'},
    )


# -- JSON ----------------------------------------------------------------------------------


def _iso(festival: Festival, moment: datetime | None) -> str | None:
    """ISO 8601 with the festival zone's offset, as the contract says."""
    return festival.local(moment).isoformat() if moment else None


def _people(people: tuple[Person, ...]) -> list[dict[str, str]]:
    return [{"name": p.name, "role": p.role, "organisation": p.organisation} for p in people]


def _session_json(festival: Festival, s: Session, places: Availability) -> dict[str, Any]:
    return {
        "id": s.id,
        "title": s.title,
        "description": s.description,
        "hosts": _people(s.hosts),
        "start": _iso(festival, s.start),
        "end": _iso(festival, s.end),
        "capacity": s.capacity,
        "seats": s.seats,
        "places_left": places.places_left,
        "seats_left": places.seats_left,
        "waitlisted": places.waitlisted,
        "room": s.room,
        "language": s.language or festival.language,
        "cancelled": s.cancelled,
        "recording_url": s.materials.recording_url,
        "slides_url": s.materials.slides_url,
    }


def _delay_text(show: ShowNow | None, lang: str) -> str:
    if show is None or not show.live:
        return ""
    if show.delay_minutes > 0:
        return translate("running_late", lang, n=duration(show.delay_minutes, lang))
    if show.delay_minutes < 0:
        return translate("running_early", lang, n=duration(show.delay_minutes, lang))
    return translate("on_time", lang)


def _projected(f: Festival, show: ShowNow | None, block: Block) -> dict[str, str | None]:
    """A block's projected start and end: the plan until the show goes live; then actual or
    projected times, None for a block skipped or not run."""
    moved = show.projected(block.id) if show is not None else None
    if moved is None or block.cancelled:
        return {"projected_start": _iso(f, block.start), "projected_end": _iso(f, block.end)}
    return {"projected_start": _iso(f, moved.start), "projected_end": _iso(f, moved.end)}


def programme_json(
    festival: Festival, places: dict[str, Availability], *, show: ShowNow | None, lang: str
) -> dict[str, Any]:
    f = festival
    plenary = None
    if (p := f.plenary) is not None:
        projection = show.projection if show is not None else None
        plenary = {
            "title": p.title,
            "description": p.description,
            # The programme's times, also after a delay was announced to calendars.
            "planned_start": _iso(f, p.plan[0]),
            "planned_end": _iso(f, p.plan[1]),
            "projected_end": _iso(f, projection.end if projection else p.plan[1]),
            "live": show is not None and show.live,
            "over": show is not None and show.over,
            "stream_url": p.stream_url,
            "questions_url": p.questions_url,
            "room": p.room,
            "blocks": [
                {
                    "id": b.id,
                    "kind": b.kind,
                    "title": b.title,
                    "minutes": b.minutes,
                    "people": _people(b.people),
                    "description": b.description,
                    "planned_start": _iso(f, b.start),
                    "planned_end": _iso(f, b.end),
                    **_projected(f, show, b),
                    "cancelled": b.cancelled,
                    "recording_url": b.materials.recording_url,
                    "slides_url": b.materials.slides_url,
                }
                for b in p.blocks
            ],
        }
    return {
        "festival": {
            "slug": f.slug,
            "title": f.title,
            "date": f.date.isoformat(),
            "timezone": f.timezone,
            "language": f.language,
            "mode": f.mode,
            **f.about(),
            "registration_opens": _iso(f, f.registration_opens),
            "registration_closes": _iso(f, f.registration_closes),
            "recording_url": f.materials.recording_url,
            "slides_url": f.materials.slides_url,
        },
        "delay_minutes": show.delay_minutes if show is not None else 0,
        "delay_text": _delay_text(show, lang),
        "rounds": [
            {
                "id": r.id,
                "title": r.title,
                "description": r.description,
                "start": _iso(f, r.start),
                "end": _iso(f, r.end),
                "cancelled": r.cancelled,
                "sessions": [_session_json(f, s, places[s.id]) for s in r.sessions],
            }
            for r in f.rounds
        ],
        "plenary": plenary,
        "items": [
            {
                "id": i.id,
                "kind": i.kind,
                "title": i.title,
                "description": i.description,
                "start": _iso(f, i.start),
                "end": _iso(f, i.end),
                "room": i.room,
                "people": _people(i.people),
                "topics": list(i.topics),
                "cancelled": i.cancelled,
            }
            for i in f.items
        ],
        "votes": [
            {
                "id": v.id,
                "title": v.title,
                "description": v.description,
                "opens": _iso(f, v.opens),
                "closes": _iso(f, v.closes),
                "nominees": [asdict(n) for n in v.nominees],
                "voters": v.voters,
            }
            for v in f.votes
        ],
    }
