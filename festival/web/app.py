"""`create_app(settings)` assembles the service; the lifespan owns the database.

Nothing happens at import time: uvicorn runs `create_app` (or the CLI hands it an app it
built), and the lifespan opens the database and applies migrations before the first request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from festival.access.grants import GrantCache
from festival.bus import make_bus
from festival.clock import Clock, SystemClock
from festival.config import Settings
from festival.errors import FestivalError
from festival.i18n import load_texts
from festival.live.hub import Hub
from festival.live.kinds import renderer_for
from festival.live.log import EventLog
from festival.live.qa_service import QaService
from festival.live.show_service import ShowService
from festival.mailing.compose import Composer
from festival.mailing.sender import Sender
from festival.mailing.transport import make_transport
from festival.programme.model import featured
from festival.report.cache import LiveFiguresCache
from festival.scheduling import Scheduler
from festival.storage.db import Database
from festival.storage.programme_repo import FestivalCache
from festival.web import (
    admin,
    admin_mail,
    admin_report,
    calendar,
    certificates,
    channels,
    checkin,
    errors,
    join,
    me,
    proposals,
    qa_pages,
    reconfirm,
    release,
    votes,
)
from festival.web.caches import start_following, stop_following
from festival.web.limits import LimitRules, Limits
from festival.web.programme import (
    api_festivals,
    api_programme,
    archive_page,
    programme_ics,
    programme_page,
)
from festival.web.registration import api_register, register_page
from festival.web.show_pages import host_page, presenter_page
from festival.web.state import AppState, Live, app_state
from festival.web.templating import make_templates


class _Lifespan(TypedDict):
    festival: AppState


async def healthz(request: Request) -> Response:
    async with app_state(request).db.session() as db:
        await db.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> Starlette:
    settings = settings or Settings()
    templates_dir = settings.resolved_templates_dir
    templates = make_templates(templates_dir)
    rules = LimitRules.from_settings(settings)  # a bad rule stops the start, not a request
    load_texts()  # so does a catalogue that does not parse

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[_Lifespan]:
        db = Database(settings.resolved_database_url)
        the_clock = clock or SystemClock()
        composer = Composer(
            db,
            templates_dir,
            base_url=settings.resolved_base_url,
            mail_from=settings.mail_from,
        )
        transport = make_transport(settings.smtp_url, settings.mail_dir)
        # Before anything else: a transport that cannot work must say so now, not fail every
        # message later where nobody looks.
        transport.prepare()
        sender = Sender(db, composer, transport, the_clock)
        bus = make_bus(settings.broker_url, namespace=settings.broker_namespace)
        log = EventLog(db)
        qa = QaService(log, bus)
        hub = Hub(bus, log, renderer_for)
        show = ShowService(log, bus, qa)
        scheduler = Scheduler(db, the_clock, qa=qa, show=show, bus=bus)
        limits = Limits.start(settings, rules)
        festivals, grants = FestivalCache(choose=featured), GrantCache()
        following = None
        try:
            await db.migrate()
            await bus.start()
            following = await start_following(bus, festivals, grants)
            await scheduler.start()
            sender.start()
            live_parts = Live(bus, log, qa, hub, show)
            state = AppState(
                settings,
                db,
                the_clock,
                templates,
                sender,
                live_parts,
                festivals,
                limits,
                grants,
                LiveFiguresCache(),
            )
            yield {"festival": state}
        finally:
            if following is not None:
                await stop_following(following)
            await hub.close()
            await sender.stop()
            await scheduler.stop()
            # Commits whose callers were cut off (jobs just stopped) still hold the writer
            # connection and publish on the bus: they finish before either is closed.
            await show.settle()
            await qa.settle()
            await bus.close()
            await limits.close()
            await db.dispose()

    routes = [
        Route("/healthz", healthz),
        Route("/", programme_page),
        Route("/api/programme", api_programme),
        Route("/programme.ics", programme_ics),
        Route("/archive", archive_page),
        Route("/register", register_page, methods=["GET", "POST"]),
        Route("/api/registrations", api_register, methods=["POST"]),
        Route("/me/{token}", me.me_page),
        Route("/me/{token}/choice", me.me_choice, methods=["POST"]),
        Route("/me/{token}/ranking", me.me_ranking, methods=["POST"]),
        Route("/me/{token}/delete", me.me_delete, methods=["POST"]),
        Route("/me/{token}/new-link", me.me_new_link, methods=["POST"]),
        Route("/me/{token}/data.json", me.me_data),
        Route("/me/{token}/checkin.png", me.me_checkin_png),
        Route("/me/{token}/release/{item}", release.release_page, methods=["GET", "POST"]),
        Route("/me/{token}/reconfirm", reconfirm.reconfirm_page, methods=["GET", "POST"]),
        Route("/me/{token}/certificate.pdf", certificates.certificate_pdf),
        Route("/certificates/{code}", certificates.verify_page),
        Route("/calendar/{token}.ics", calendar.personal_feed),
        Route("/join/{token}/{item}", join.join_link),
        Route("/api/me", me.api_me, methods=["GET", "DELETE"]),
        Route("/api/me/choices/{round}", me.api_me_choice, methods=["PUT"]),
        Route("/api/me/rankings/{round}", me.api_me_ranking, methods=["PUT"]),
        Route("/api/me/export", me.api_me_export),
        Route("/api/me/link", me.api_me_link, methods=["POST"]),
        Route("/me/{token}/questions/{channel}", qa_pages.attendee_questions),
        Route("/me/{token}/questions/{channel}", qa_pages.attendee_ask, methods=["POST"]),
        Route("/moderate", qa_pages.moderate_index),
        Route("/moderate/{channel}", qa_pages.moderate_page),
        Route("/overlay/{channel}", qa_pages.overlay_page),
        Route("/panel/{channel}", qa_pages.panel_page),
        Route("/api/channels/{channel}", channels.api_channel),
        Route("/api/channels/{channel}/actions", channels.api_channel_action, methods=["POST"]),
        Route("/api/show", channels.api_show),
        Route("/api/show/actions", channels.api_show_action, methods=["POST"]),
        Route("/host", host_page),
        Route("/presenter", presenter_page),
        # `/ws/channels/show` included: the show's channel (see channel_socket).
        WebSocketRoute("/ws/channels/{channel}", channels.channel_socket),
        Route("/checkin", checkin.checkin_page),
        Route("/api/checkin", checkin.api_checkin, methods=["POST"]),
        Route("/api/checkin/search", checkin.api_checkin_search),
        Route("/admin", admin.admin_page),
        Route("/admin/registrations.csv", admin.admin_csv),
        Route("/api/admin/registrations", admin.api_admin_registrations),
        Route("/admin/report", admin_report.admin_report_page),
        Route("/admin/report.csv", admin_report.admin_report_csv),
        Route("/api/admin/report", admin_report.api_admin_report),
        Route("/admin/mail/{key}", admin_mail.admin_mail),
        Route("/admin/mail/{key}/html", admin_mail.admin_mail_html),
        Route("/admin/outbox/retry", admin_mail.admin_outbox_retry, methods=["POST"]),
        Route("/api/admin/outbox", admin_mail.api_admin_outbox),
        Route("/api/admin/outbox/retry", admin_mail.api_admin_outbox_retry, methods=["POST"]),
        Route("/api/rounds/{round}/proposals", proposals.api_propose, methods=["POST"]),
        Route("/api/rounds/{round}/proposals", proposals.api_own_proposals),
        Route("/me/{token}/proposals", proposals.proposals_page, methods=["GET", "POST"]),
        Route("/admin/proposals/{proposal}/{action}", proposals.admin_decide, methods=["POST"]),
        Route("/api/votes/{vote}", votes.api_vote),
        Route("/api/votes/{vote}/ballots", votes.api_ballot, methods=["POST"]),
        Route("/api/votes/{vote}/ballot", votes.api_withdraw, methods=["DELETE"]),
        Route("/api/votes/{vote}/reveal", votes.api_reveal, methods=["POST"]),
        Route("/vote/confirm/{token}", votes.confirm_page, methods=["GET", "POST"]),
        Route("/vote/confirm/{token}/withdraw", votes.confirm_page, methods=["POST"]),
        Route("/vote/{vote}", votes.vote_page, methods=["GET", "POST"]),
        Route("/me/{token}/vote/{vote}", votes.personal_vote_page, methods=["GET", "POST"]),
        Route("/overlay/vote/{vote}", votes.overlay_page),
        Route("/api/festivals", api_festivals),
        Route("/api/festivals/{slug}/programme", api_programme),
        Route("/api/festivals/{slug}/registrations", api_register, methods=["POST"]),
        Route("/api/festivals/{slug}/votes/{vote}", votes.api_vote),
        Route("/api/festivals/{slug}/votes/{vote}/ballots", votes.api_ballot, methods=["POST"]),
        Route("/api/festivals/{slug}/votes/{vote}/ballot", votes.api_withdraw, methods=["DELETE"]),
        Route("/api/festivals/{slug}/votes/{vote}/reveal", votes.api_reveal, methods=["POST"]),
        Mount("/static", StaticFiles(directory=templates_dir / "static"), name="static"),
        # Every festival at its own address; last, so the service's own paths come first
        # (`festival check` refuses a slug that would shadow one: RESERVED_SLUGS).
        Route("/{slug}/", programme_page),
        Route("/{slug}/register", register_page, methods=["GET", "POST"]),
        Route("/{slug}/programme.ics", programme_ics),
        Route("/{slug}/archive", archive_page),
        Route("/{slug}/vote/{vote}", votes.vote_page, methods=["GET", "POST"]),
    ]
    # The client address (rate limits, the access log) is the socket's peer, unless that peer
    # is a proxy the settings trust: then uvicorn's middleware takes it from X-Forwarded-For.
    proxies = (
        [Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)]
        if settings.trusted_proxies
        else []
    )
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        # Outermost of ours: an error anywhere below is answered here (see ServerErrors).
        middleware=[Middleware(errors.ServerErrors), *proxies],
        exception_handlers={
            HTTPException: errors.http_error,
            FestivalError: errors.festival_error,
        },
    )
