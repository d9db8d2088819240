"""What the organiser's report is made from: the stored facts storage reads for it
(`festival.storage.report_repo`), as plain data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from festival.registration.model import SessionCount


@dataclass(frozen=True)
class LoggedEvent:
    """One stored event of a live channel, in its channel's order."""

    type: str
    actor: str
    at: datetime
    body: Mapping[str, Any]


@dataclass(frozen=True)
class Presence:
    """Who of an item's holders came: of a session's confirmed places (of the festival's
    registrations, for the plenary), how many holders joined the item by their join link,
    how many were checked in at the door, and how many did both."""

    joined: int
    checked_in: int
    both: int


NOBODY = Presence(0, 0, 0)


@dataclass(frozen=True)
class ReportSource:
    """The stored places and attendance the report counts, for one festival. The live
    channels' events are read apart (`festival.storage.report_repo.live_log`): they are the
    costly part, and the web keeps what it made of them (`festival.report.cache`)."""

    counts: Mapping[str, Sequence[SessionCount]]  # session id -> places per way of attending
    given_back: Mapping[str, int]  # session id -> confirmed places given back
    presence: Mapping[str, Presence]  # session id, or "plenary" -> who of its holders came
    registrations: int  # everyone registered holds a place at the plenary
