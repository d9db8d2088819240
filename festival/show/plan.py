"""Reading the show at a moment: the timer, where the plenary is heading, and when cues fall.

Owns the timer reading for the host console and the presenter (state, elapsed, remaining,
colour phase, next block); the projection of every block's start and end from the programme's
plan and the show's state; the delay, of the plenary and of each block; the rule for when a
shift is big enough to send calendar updates; the "room opens" and "closing soon" moments of
breakout rounds; and the export of a show as CSV rows (actual times per block, the run log).
timer.py changes the show; this module only reads it. Pure: `now` is passed in, nothing is
stored or scheduled here. Stdlib, festival.programme and festival.show.timer.

All arithmetic is on timezone-aware UTC datetimes and timedeltas, so midnight and daylight-saving
changes need no special case: a 60-minute block is 60 real minutes even on the night the wall
clock repeats 02:00-03:00. Local time appears only when rows are formatted for export.

The projection chains the running order. An ended block keeps its actual start and end; the
running one ends at max(now, started_at + minutes + pauses); each upcoming block starts when the
block before it is projected to end, and none earlier than now (or, before anything has run,
than the plenary's planned start). Blocks do not wait for their planned start, so a show that
runs ahead shows a negative delay. Skipped blocks, and blocks still to run when the show
ended, take no time.

Breakout rounds are not moved by plenary delays. Each room has its own host and join link, and
attendees hold calendar invites for the programme's times; in every programme we have, rounds
come before the plenary or beside it, so an overrun cannot reach them. Should an overrun meet a
later round, the rooms open on time and the host tells them so (`message_rooms`), rather than a
dozen rooms' invites and jobs shifting with every extension.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal, TextIO

# The default threshold: a smaller change of the plenary's end sends no calendar update.
from festival.programme.model import CALENDAR_SHIFT_MINUTES as CALENDAR_SHIFT_MINUTES
from festival.programme.model import Round
from festival.show.timer import (
    BlockStatus,
    BlockTimer,
    Show,
    ShowEvent,
    public_show,
    rehearsal_marks,
)
from festival.spreadsheet import safe_cell

ShowState = Literal["idle", "running", "paused", "finished"]
Phase = Literal["normal", "amber", "red"]
ProjectedStatus = Literal[BlockStatus, "not_run"]  # not_run: still upcoming when the show ended

AMBER_AT = timedelta(minutes=2)  # the presenter's timer turns amber with this much left
RED_AT = timedelta(0)  # ... and red from here on, into overtime
CLOSING_SOON = timedelta(minutes=5)  # the "closing soon" warning in breakout rooms

ACTUALS_HEADER = (
    "block_id",
    "title",
    "status",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "planned_minutes",
    "timer_minutes",  # after extending and shortening
    "actual_minutes",  # from actual start to actual end, pauses included
    "paused_minutes",
)
RUN_LOG_HEADER = ("at", "by", "type", "block_id", "minutes", "position", "text", "rehearsal")

_MINUTE_US = 60_000_000
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class TimerReading:
    """The show at one moment, as the host console and the presenter countdown show it."""

    state: ShowState
    live: bool
    block_id: str | None
    title: str
    minutes: int  # the current block's duration now; 0 without one
    elapsed_seconds: int | None  # None without a current block
    remaining_seconds: int | None  # negative in overtime
    phase: Phase
    next_block_id: str | None
    next_title: str
    presenter_message: str


@dataclass(frozen=True)
class ProjectedBlock:
    id: str
    title: str
    status: ProjectedStatus
    planned_start: datetime
    planned_end: datetime
    start: datetime | None  # actual or projected; None when the block takes no time
    end: datetime | None
    delay_minutes: int | None  # start against planned start; negative when early


@dataclass(frozen=True)
class Projection:
    at: datetime  # the `now` it was made for
    blocks: tuple[ProjectedBlock, ...]  # in running order
    planned_end: datetime
    end: datetime  # the show's actual end once ended, else the chain's projected end
    delay_minutes: int  # end against planned end


@dataclass(frozen=True)
class RoundCues:
    round_id: str
    opens_at: datetime
    closing_soon_at: datetime
    closes_at: datetime


# The timer ---------------------------------------------------------------------------------------


def phase_for(remaining: timedelta) -> Phase:
    """The presenter's colour for this much time left."""
    if remaining <= RED_AT:
        return "red"
    if remaining <= AMBER_AT:
        return "amber"
    return "normal"


def evaluate(show: Show, now: datetime) -> TimerReading:
    """The show's timer at `now` (timezone-aware)."""
    if now.tzinfo is None:
        raise ValueError("evaluate needs a timezone-aware moment")
    current = show.current
    following = show.upcoming if show.ended_at is None else ()
    upcoming = following[0] if following else None
    reading = TimerReading(
        state=_state(current, following),
        live=show.live_at is not None and show.ended_at is None,
        block_id=None,
        title="",
        minutes=0,
        elapsed_seconds=None,
        remaining_seconds=None,
        phase="normal",
        next_block_id=upcoming.id if upcoming else None,
        next_title=upcoming.title if upcoming else "",
        presenter_message=show.presenter_message,
    )
    if current is None:
        return reading
    remaining = current.remaining(now)
    return replace(
        reading,
        block_id=current.id,
        title=current.title,
        minutes=current.minutes,
        # Down for elapsed, up for remaining: a countdown reads 0:01 until time is really up,
        # and a whole-second count is <= 0 exactly when the time left is.
        elapsed_seconds=current.run_time(now) // _SECOND,
        remaining_seconds=-(-remaining // _SECOND),
        phase=phase_for(remaining),
    )


def _state(current: BlockTimer | None, following: tuple[BlockTimer, ...]) -> ShowState:
    if current is not None:
        return "paused" if current.status == "paused" else "running"
    # Nothing runs and nothing is left to run: the presenter is done even before "end show".
    return "idle" if following else "finished"


# Projection -------------------------------------------------------------------------------------


def whole_minutes(span: timedelta) -> int:
    """`span` in minutes, to the nearest, halves away from zero: 90 s is 2, -90 s is -2."""
    micros = span // timedelta(microseconds=1)
    rounded = (abs(micros) + _MINUTE_US // 2) // _MINUTE_US
    return rounded if micros >= 0 else -rounded


def project(show: Show, now: datetime) -> Projection:
    """Every block's projected (or actual) start and end at `now`, and the delay."""
    if now.tzinfo is None:
        raise ValueError("project needs a timezone-aware moment")
    now = now.astimezone(UTC)
    cursor = show.planned_start
    blocks: list[ProjectedBlock] = []
    for block in show.blocks:
        status = _status(show, block)
        span = _span(block, status, cursor, now)
        if span is not None:
            cursor = span[1]
        blocks.append(_projected(block, status, span))
    end = show.ended_at or cursor
    return Projection(
        at=now,
        blocks=tuple(blocks),
        planned_end=show.planned_end,
        end=end,
        delay_minutes=whole_minutes(end - show.planned_end),
    )


def is_over(show: Show, now: datetime) -> bool:
    """The show has ended, or went live and has nothing left to run."""
    return show.ended_at is not None or (
        show.live_at is not None and evaluate(show, now).state == "finished"
    )


@dataclass(frozen=True)
class ShowNow:
    """The show as attendees' pages render it at one moment: live or not, the delay,
    projected times. Made from `public_show`: a rehearsal shows the plan.

    Before the show goes live the programme's times stand; nothing is projected from a show
    that has not begun (a festival long past would otherwise run years late).
    """

    live: bool
    over: bool
    delay_minutes: int  # 0 unless live and not over
    rooms_message: str
    projection: Projection | None

    def projected(self, block_id: str) -> ProjectedBlock | None:
        if self.projection is None:
            return None
        return next((b for b in self.projection.blocks if b.id == block_id), None)

    def on_now(self) -> ProjectedBlock | None:
        """The block on air (running or paused), else the next to run: the one a delay
        banner names. None before the show goes live, after it, or with nothing left."""
        if self.projection is None or not self.live:
            return None
        blocks = self.projection.blocks
        running = next((b for b in blocks if b.status in ("running", "paused")), None)
        return running or next((b for b in blocks if b.status == "upcoming"), None)


def show_now(show: Show, now: datetime) -> ShowNow:
    """Where the show stands for attendees (and the mail that follows them)."""
    show = public_show(show)
    if show.live_at is None:
        return ShowNow(False, False, 0, show.rooms_message, None)
    projection = project(show, now)
    over = is_over(show, now)
    delay = 0 if over else projection.delay_minutes
    return ShowNow(not over, over, delay, show.rooms_message, projection)


def _status(show: Show, block: BlockTimer) -> ProjectedStatus:
    if show.ended_at is not None and block.status == "upcoming":
        return "not_run"
    return block.status


def _span(
    block: BlockTimer, status: ProjectedStatus, cursor: datetime, now: datetime
) -> tuple[datetime, datetime] | None:
    if block.started_at is not None and block.ended_at is not None:
        return block.started_at, block.ended_at
    if block.started_at is not None:
        return block.started_at, now + max(block.remaining(now), timedelta(0))
    if status != "upcoming":
        return None
    start = max(cursor, now)
    return start, start + timedelta(minutes=block.minutes)


def _projected(
    block: BlockTimer, status: ProjectedStatus, span: tuple[datetime, datetime] | None
) -> ProjectedBlock:
    return ProjectedBlock(
        id=block.id,
        title=block.title,
        status=status,
        planned_start=block.planned_start,
        planned_end=block.planned_end,
        start=span[0] if span else None,
        end=span[1] if span else None,
        delay_minutes=whole_minutes(span[0] - block.planned_start) if span else None,
    )


def round_cues(round_: Round) -> RoundCues:
    """When a breakout round opens and when its rooms get the "closing soon" warning."""
    # A round shorter than the warning gets it as it opens, never before.
    closing_soon = max(round_.start, round_.end - CLOSING_SOON)
    return RoundCues(round_.id, round_.start, closing_soon, round_.end)


# Export ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockActual:
    """One block's planned against actual times, as the run-of-show recorded them: the
    export's rows and the organiser's report read the show through this."""

    id: str
    title: str
    status: ProjectedStatus
    planned_start: datetime
    planned_end: datetime
    started_at: datetime | None
    ended_at: datetime | None
    planned_minutes: int
    timer_minutes: int  # after extending and shortening
    paused: timedelta

    @property
    def ran(self) -> timedelta | None:
        """From actual start to actual end, pauses included; None until it ended."""
        if self.started_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.started_at

    @property
    def start_difference(self) -> int | None:
        """Whole minutes the block started after its planned start (negative: early)."""
        return (
            None if self.started_at is None else whole_minutes(self.started_at - self.planned_start)
        )

    @property
    def end_difference(self) -> int | None:
        """Whole minutes the block ended after its planned end (negative: early)."""
        return None if self.ended_at is None else whole_minutes(self.ended_at - self.planned_end)


def block_actuals(show: Show) -> tuple[BlockActual, ...]:
    """Every block of the show in running order, planned against actual."""
    return tuple(
        BlockActual(
            id=block.id,
            title=block.title,
            status=_status(show, block),
            planned_start=block.planned_start,
            planned_end=block.planned_end,
            started_at=block.started_at,
            ended_at=block.ended_at,
            planned_minutes=block.planned_minutes,
            timer_minutes=block.minutes,
            paused=block.paused_total,
        )
        for block in show.blocks
    )


def actual_rows(show: Show, *, zone: tzinfo = UTC) -> tuple[tuple[str, ...], ...]:
    """The header, then one row per block in running order; times in `zone` with offset."""
    rows = [ACTUALS_HEADER]
    for block in block_actuals(show):
        ran = block.ran
        rows.append(
            (
                block.id,
                block.title,
                block.status,
                _time(block.planned_start, zone),
                _time(block.planned_end, zone),
                _time(block.started_at, zone),
                _time(block.ended_at, zone),
                str(block.planned_minutes),
                str(block.timer_minutes),
                _minutes(ran),
                _minutes(None if ran is None else block.paused),
            )
        )
    return tuple(rows)


def round_rows(
    rounds: Iterable[Round], now: datetime, *, zone: tzinfo = UTC
) -> tuple[tuple[str, ...], ...]:
    """One row per breakout round in `ACTUALS_HEADER`'s columns (no header), to follow
    `actual_rows`. Rounds keep the programme's clock (see the module docstring), so once
    reached their actual times are the planned ones."""
    rows = []
    for round_ in rounds:
        started = not round_.cancelled and now >= round_.start
        ended = started and now >= round_.end
        status = (
            "skipped"
            if round_.cancelled
            else "ended"
            if ended
            else "running"
            if started
            else "upcoming"
        )
        planned = whole_minutes(round_.end - round_.start)
        rows.append(
            (
                round_.id,
                round_.title,
                status,
                _time(round_.start, zone),
                _time(round_.end, zone),
                _time(round_.start if started else None, zone),
                _time(round_.end if ended else None, zone),
                str(planned),
                str(planned),
                str(planned) if ended else "",
                "0" if ended else "",
            )
        )
    return tuple(rows)


def run_log_rows(
    start: Show, events: Iterable[ShowEvent], *, zone: tzinfo = UTC
) -> tuple[tuple[str, ...], ...]:
    """The header, then one row per host action's event, in the order given, from the show
    `start` (the show before them). The last column says `yes` for the events of a rehearsal,
    from going live until starting over, so a report can leave them out."""
    rows = [RUN_LOG_HEADER]
    events = tuple(events)
    for event, rehearsal in zip(events, rehearsal_marks(start, events), strict=True):
        rows.append(
            (
                _time(event.at, zone),
                event.by,
                event.type,
                event.block_id or "",
                "" if event.minutes is None else str(event.minutes),
                "" if event.position is None else str(event.position),
                event.text or "",
                "yes" if rehearsal else "",
            )
        )
    return tuple(rows)


def write_csv(rows: Iterable[tuple[str, ...]], out: TextIO) -> None:
    """The rows as CSV; a cell a spreadsheet would run as a formula (a host's message
    "=HYPERLINK(…)"), under any delimiter, is kept as text (`festival.spreadsheet`)."""
    csv.writer(out).writerows(tuple(safe_cell(value) for value in row) for row in rows)


def _time(moment: datetime | None, zone: tzinfo) -> str:
    return "" if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")


def _minutes(span: timedelta | None) -> str:
    return "" if span is None else str(whole_minutes(span))
