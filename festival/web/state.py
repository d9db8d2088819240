"""What the lifespan builds and every request can reach."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection
from starlette.templating import Jinja2Templates

from festival.clock import Clock
from festival.config import Settings
from festival.mailing.sender import Sender
from festival.storage.db import Database


@dataclass(frozen=True)
class AppState:
    settings: Settings
    db: Database
    clock: Clock
    templates: Jinja2Templates
    sender: Sender


def app_state(conn: HTTPConnection) -> AppState:
    state: AppState = conn.state.festival
    return state
