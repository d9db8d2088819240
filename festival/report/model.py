"""What the organiser's report says, as plain data: what `festival.report.figures.report`
makes of the stored facts (`festival.report.source`), for the CSV, the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from festival.attendance import has_door
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
    checked_in: int  # of the registered: checked in at the door
    joined_online: int  # of the registered: joined by their join link
    attended: int  # of the registered: either
    ended: bool
    no_shows: int | None  # registered and not attended; None until the session has ended


@dataclass(frozen=True)
class PlenaryFigures:
    registered: int  # every registration holds a place at the plenary
    checked_in: int
    joined_online: int
    attended: int


@dataclass(frozen=True)
class EndedSessions:
    """The sessions that have ended, together: the festival's no-show rate."""

    sessions: int
    registered: int
    checked_in: int
    joined_online: int
    attended: int
    no_shows: int
    no_show_rate: float | None  # no_shows / registered; None while nobody is counted


@dataclass(frozen=True)
class ChannelFigures:
    channel: str
    title: str
    asked: int
    approved: int
    answered: int


@dataclass(frozen=True)
class LiveFigures:
    """What the live channels' log says: replayed, the costly part of the report."""

    channels: tuple[ChannelFigures, ...]
    blocks: tuple[BlockActual, ...]  # empty when the festival has no plenary


@dataclass(frozen=True)
class Report:
    festival: Festival
    sessions: tuple[SessionFigures, ...]
    plenary: PlenaryFigures | None  # None when the festival has no plenary
    ended: EndedSessions
    live: LiveFigures

    @property
    def on_site(self) -> bool:
        """Whether seats and check-ins mean anything: not for a festival without a venue."""
        return has_door(self.festival)

    @property
    def channels(self) -> tuple[ChannelFigures, ...]:
        return self.live.channels

    @property
    def blocks(self) -> tuple[BlockActual, ...]:
        return self.live.blocks
