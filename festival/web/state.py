"""What the lifespan builds and every request can reach."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection
from starlette.templating import Jinja2Templates

from festival.access.grants import GrantCache
from festival.bus import Bus
from festival.clock import Clock
from festival.config import Settings
from festival.live.hub import Hub
from festival.live.log import EventLog
from festival.live.qa_service import QaService
from festival.live.show_service import ShowService
from festival.mailing.sender import Sender
from festival.report.cache import LiveFiguresCache
from festival.storage.db import Database
from festival.storage.programme_repo import FestivalCache
from festival.web.limits import Limits


@dataclass(frozen=True)
class Live:
    """The live channels' parts: the bus, the stored log, the Q&A and show services, the hub."""

    bus: Bus
    log: EventLog
    qa: QaService
    hub: Hub
    show: ShowService


@dataclass(frozen=True)
class AppState:
    settings: Settings
    db: Database
    clock: Clock
    templates: Jinja2Templates
    sender: Sender
    live: Live
    festivals: FestivalCache  # read through it: every page and live connection needs one
    limits: Limits
    grants: GrantCache  # live connections look tokens up through it
    reports: LiveFiguresCache  # the admin page's report replays the live log only when it grew


def app_state(conn: HTTPConnection) -> AppState:
    state: AppState = conn.state.festival
    return state
