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
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from festival.clock import Clock, SystemClock
from festival.config import Settings
from festival.errors import FestivalError
from festival.storage.db import Database
from festival.web import errors
from festival.web.programme import api_programme, programme_ics, programme_page
from festival.web.state import AppState, app_state
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

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[_Lifespan]:
        db = Database(settings.resolved_database_url)
        try:
            await db.migrate()
            yield {"festival": AppState(settings, db, clock or SystemClock(), templates)}
        finally:
            await db.dispose()

    routes = [
        Route("/healthz", healthz),
        Route("/", programme_page),
        Route("/api/programme", api_programme),
        Route("/programme.ics", programme_ics),
        Mount("/static", StaticFiles(directory=templates_dir / "static"), name="static"),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            HTTPException: errors.http_error,
            FestivalError: errors.festival_error,
            Exception: errors.server_error,
        },
    )
