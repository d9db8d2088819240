"""When a run-of-show delay reaches the calendars: the one rule.

Mail follows the show as attendees see it (`public_show`): a rehearsal shows the plan, so it
moves nobody's reminder or calendar; so does a show not yet live, one that is over, or one
left live after the festival's day. Calendars show whole minutes, and are told again only
when the delay moved `Festival.calendar_shift_minutes` or more from the one they were told
last, so a show drifting a minute at a time does not send an update at every step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from festival.programme.model import CALENDAR_SHIFT_MINUTES, Festival
from festival.show.plan import is_over, project
from festival.show.timer import Show, public_show


@dataclass(frozen=True)
class PlenaryTimes:
    """The plenary as the show runs it: its start (actual, or projected) and projected end."""

    start: datetime
    end: datetime
    delay_minutes: int


@dataclass(frozen=True)
class Shift:
    """New plenary times to announce to calendars, in whole minutes."""

    start: datetime
    end: datetime
    delay_minutes: int


def plenary_times(festival: Festival, show: Show, now: datetime) -> PlenaryTimes | None:
    """The plenary's times for mail (reminders and calendars), or None while the programme's
    times stand: before the show goes live, in a rehearsal, once it is over, and on any day
    but the festival's."""
    if festival.local(now).date() != festival.date:
        return None
    show = public_show(show)
    if show.live_at is None or is_over(show, now):
        return None
    projection = project(show, now)
    start = next((b.start for b in projection.blocks if b.start is not None), None)
    if start is None:
        return None
    return PlenaryTimes(start, projection.end, projection.delay_minutes)


def calendar_shift(
    festival: Festival, show: Show, announced_minutes: int, now: datetime
) -> Shift | None:
    """What to announce to calendars now that the show stands as it does, given the delay
    announced last (0: none); None when calendars keep what they have."""
    times = plenary_times(festival, show, now)
    if times is None or not shift_worth_announcing(
        times.delay_minutes, announced_minutes, festival.calendar_shift_minutes
    ):
        return None
    return Shift(_whole_minute(times.start), _whole_minute(times.end), times.delay_minutes)


def shift_worth_announcing(
    delay_minutes: int, announced_minutes: int, threshold: int = CALENDAR_SHIFT_MINUTES
) -> bool:
    """Whether the delay moved far enough from the last one announced to update calendars.

    Compared with what was announced, not with the plan, so a show drifting a minute at a time
    gets an update each `threshold` minutes rather than one at every step past it.
    """
    if threshold < 1:
        raise ValueError("the threshold is at least 1 minute")
    return abs(delay_minutes - announced_minutes) >= threshold


def _whole_minute(moment: datetime) -> datetime:
    """Calendars show minutes: 13:42:31 is announced as 13:43."""
    return (moment + timedelta(seconds=30)).replace(second=0, microsecond=0)
