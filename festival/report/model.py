"""What the organiser's report says, as plain data: what `festival.report.figures.report`
makes of the stored facts (`festival.report.source`), for the CSV, the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from festival.programme.model import Festival
from festival.show import BlockActual


@dataclass(frozen=True)
class SessionFigures:
    round_id: str
    round_title: str
    session_id: str
    title: str
    capacity: int | None  # online places; None: no limit
    seats: int | None  # on-site seats; None: no limit
    registered: int  # confirmed places now, both ways of attending
    waitlisted: int
    given_back: int


@dataclass(frozen=True)
class ChannelFigures:
    channel: str
    title: str
    asked: int
    approved: int
    answered: int


@dataclass(frozen=True)
class Report:
    festival: Festival
    sessions: tuple[SessionFigures, ...]
    channels: tuple[ChannelFigures, ...]
    blocks: tuple[BlockActual, ...]  # empty when the festival has no plenary
