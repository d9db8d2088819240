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
class ReportSource:
    """The stored facts the report counts, for one festival."""

    counts: Mapping[str, Sequence[SessionCount]]  # session id -> places per way of attending
    given_back: Mapping[str, int]  # session id -> confirmed places given back
    log: Mapping[str, Sequence[LoggedEvent]]  # live channel -> its events, oldest first
