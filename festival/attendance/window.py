"""When a personal join link opens, and what one use of it gets: the one rule.

An item (a session, or the plenary) is open to join from `lead_minutes` before its start until
its end. The plenary follows the run of show as attendees see it: while the show is live its
start and end are the projected ones (`festival.show.plenary_times`), once it is over it has
ended, otherwise the times announced on the programme stand. Only a confirmed place opens a
session's link; everyone registered has a place at the plenary. Pure: the caller passes in
`now`, the festival as read and the show as stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from festival.errors import Forbidden, NotFound
from festival.programme.model import PLENARY, Festival
from festival.registration.model import Registration, status_in
from festival.show import PlenaryTimes, Show, is_over, plenary_times, public_show

JoinOutcome = Literal["open", "not_yet", "ended", "cancelled", "no_link"]
"""`open`: off to the provider's link. `not_yet` / `ended`: outside the window. `cancelled`:
the session (or its round) was taken off the programme. `no_link`: inside the window, but the
item has no online link (an on-site session)."""


@dataclass(frozen=True)
class JoinWindow:
    opens: datetime
    closes: datetime

    def outcome(self, now: datetime) -> Literal["open", "not_yet", "ended"]:
        if now < self.opens:
            return "not_yet"
        return "open" if now < self.closes else "ended"


@dataclass(frozen=True)
class JoinDecision:
    """What one use of a personal join link gets at one moment."""

    entry: str
    title: str
    outcome: JoinOutcome
    window: JoinWindow
    url: str  # the provider's link, only when the outcome is `open`


def join_window(
    start: datetime, end: datetime, lead_minutes: int, projected: PlenaryTimes | None = None
) -> JoinWindow:
    """From `lead_minutes` before the start (the projected one, when the plenary runs live)
    until the end."""
    if projected is not None:
        start, end = projected.start, projected.end
    return JoinWindow(start - timedelta(minutes=lead_minutes), end)


def plenary_window(festival: Festival, show: Show, now: datetime, lead_minutes: int) -> JoinWindow:
    """The plenary's join window with the show as it stands: projected while it runs live,
    closed once it is over (also before the end announced), as planned otherwise."""
    assert festival.plenary is not None
    p = festival.plenary
    window = join_window(p.start, p.end, lead_minutes, plenary_times(festival, show, now))
    public = public_show(show)
    if public.live_at is not None and is_over(public, now):
        return JoinWindow(window.opens, min(window.closes, public.ended_at or now))
    return window


def join_decision(
    festival: Festival,
    registration: Registration,
    entry: str,
    now: datetime,
    *,
    lead_minutes: int,
    show: Show | None,
) -> JoinDecision:
    """Whether `registration` may join `entry` now, and where to; `show`: the plenary's run of
    show as stored (None: the programme's times stand). Raises NotFound for an item the
    programme does not have, Forbidden for one the attendee holds no confirmed place in."""
    if entry == PLENARY:
        if festival.plenary is None:
            raise NotFound(f"{festival.slug} has no plenary", code="join.no_item")
        p = festival.plenary
        window = (
            plenary_window(festival, show, now, lead_minutes)
            if show is not None
            else join_window(p.start, p.end, lead_minutes)
        )
        return _decided(entry, p.title, window, p.stream_url, now)
    found = next(((r, s) for r, s in festival.sessions() if s.id == entry), None)
    if found is None:
        raise NotFound(f"no session {entry!r}", code="join.no_item")
    round_, session = found
    place = next((p for p in registration.places if p.session_id == entry), None)
    status = status_in(place, round_, session) if place is not None else None
    window = join_window(session.start, session.end, lead_minutes)
    if status == "cancelled":
        return JoinDecision(entry, session.title, "cancelled", window, "")
    if status != "confirmed":
        # Another attendee's session, or a place still on the waitlist.
        raise Forbidden(f"no confirmed place in {entry!r}", code="join.no_place")
    return _decided(entry, session.title, window, session.join_url, now)


def _decided(entry: str, title: str, window: JoinWindow, url: str, now: datetime) -> JoinDecision:
    outcome: JoinOutcome = window.outcome(now)
    if outcome == "open" and not url:
        outcome = "no_link"
    return JoinDecision(entry, title, outcome, window, url if outcome == "open" else "")
