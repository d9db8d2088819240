"""The host's run-of-show: plenary timers as data, the host actions and the events they produce.

Owns the show state (per block: started_at, planned minutes, paused_at/paused_total, ended_at,
skipped; and the running order), every host action, the events, rebuilding a show by replaying
its events, and the time a block has run and has left. It never asks for the time: actions
take `at`, readings take `now`, and the adapter gets both from festival.clock. Stdlib,
festival.errors and festival.programme only; no web, database, scheduler or asyncio.

Errors:

    FestivalError
     └── ShowError  code "show.<reason>" from ShowErrorCode; the show is left unchanged

An action is decided, then applied: it checks the show, builds its events, and the new show is
those events folded in with `apply_event`, the function `replay` uses. A show rebuilt from its
stored events is therefore the show the actions built.

Conflicts. Two hosts may act at once; the server applies their actions one at a time, in the
order it commits them, and each is judged against the show as it finds it. Actions name the
block the host was looking at, so a stale one cannot hit another block:
- An action that no longer applies is refused with a ShowError and changes nothing. Ending,
  advancing, pausing, resuming, extending or shortening a block that is not the current one is
  `show.not_running`, so two hosts pressing "next" together advance one block, not two.
  Starting, moving or skipping a block that has already started is `show.already_started`.
  After the show ended every action but starting over (`reset_show`) is `show.finished`.
- An action whose outcome already holds is a no-op and returns no events: going live twice,
  starting the block that is already running, pausing a paused block, resuming a running one,
  skipping a skipped block, restoring one that is not skipped, moving a block to where it is,
  setting the message already shown, ending an ended show.
- Extend and shorten are changes, not targets: each adds or removes its minutes from the
  duration it finds, in order, so the later one wins by landing on top of the earlier one and
  nothing is lost (two hosts adding 5 minutes add 10). Each step is checked against the
  duration it meets; one that would leave less than MIN_BLOCK_MINUTES or more than
  MAX_BLOCK_MINUTES is refused, not clamped, so the host sees why.
- Time never runs backwards inside a show: an action stamped before the show's latest event
  (two instances whose clocks disagree) is taken to happen at that event's moment.

Rehearsals. A show that went live more than REHEARSAL_BEFORE ahead of the plenary's planned
start is a rehearsal (`Show.rehearsal`), from then until the host starts over: only the crew
(hosts, presenters, moderators) sees it. Attendees, their pages, reminders and calendars get
`public_show`, the show as planned; starting over is allowed during a rehearsal, live or not.
This is the one place that rule is written; everything else asks `Show.rehearsal`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal, TypeVar, get_args

from festival.errors import FestivalError
from festival.programme.model import Plenary

ShowErrorCode = Literal[
    "show.not_live",  # a block cannot start before the plenary is live
    "show.finished",  # the show has ended
    "show.unknown_block",
    "show.not_running",  # the named block is not the running (or paused) one
    "show.already_started",  # the block has started or run; it cannot start, move or skip
    "show.block_running",  # another block is still running; end it or use next
    "show.block_skipped",  # restore the block before starting it
    "show.bad_minutes",  # a step must be a whole number from 1 to MAX_STEP_MINUTES
    "show.too_short",
    "show.too_long",
    "show.bad_position",
    "show.message_too_long",
    "show.bad_message",
    "show.still_live",  # starting over is for a rehearsal or a show that is over or not begun
]
SHOW_ERROR_CODES: tuple[ShowErrorCode, ...] = get_args(ShowErrorCode)

EventType = Literal[
    "show.live",
    "show.ended",
    "show.reset",
    "block.started",
    "block.ended",
    "block.paused",
    "block.resumed",
    "block.extended",
    "block.shortened",
    "block.skipped",
    "block.restored",
    "block.moved",
    "presenter.message",
    "rooms.message",
]
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
_EVENT_TYPE: dict[str, EventType] = {name: name for name in EVENT_TYPES}

BlockStatus = Literal["upcoming", "running", "paused", "ended", "skipped"]

MAX_STEP_MINUTES = 120  # one extend or shorten; more is a typo or a new programme
MIN_BLOCK_MINUTES = 1
MAX_BLOCK_MINUTES = 480  # a plenary block of more than 8 hours is certainly a mistake
MAX_MESSAGE_CHARS = 200  # fits a presenter screen and a room banner in large type
REHEARSAL_BEFORE = timedelta(hours=1)
"""Going live earlier than this before the plenary's planned start makes the show a rehearsal:
a host on the day goes live minutes early, not hours."""

_T = TypeVar("_T")
# Newlines may break a message over lines; other control characters only garble screens.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


class ShowError(FestivalError):
    """A host action that does not apply to the show as it stands; nothing was changed."""

    code = "show.error"

    def __init__(self, code: ShowErrorCode, message: str) -> None:
        super().__init__(message, code=code)


@dataclass(frozen=True)
class ShowEvent:
    """One thing that happened to the show: what, when, who did it, and to which block.

    The stream of these is the run log; an adapter stores each with the channel's sequence
    number and broadcasts it.
    """

    type: EventType
    at: datetime  # UTC
    by: str  # who acted, e.g. the host token's label
    block_id: str | None = None
    minutes: int | None = None  # block.extended / block.shortened: by how much
    position: int | None = None  # block.moved: the new 0-based place in the running order
    text: str | None = None  # presenter.message / rooms.message; "" clears it

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping; `from_dict` reads it back."""
        return {**asdict(self), "at": self.at.isoformat()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ShowEvent:
        """An event from `to_dict`'s shape; ValueError names the first field that is wrong."""
        kind = _EVENT_TYPE.get(str(data.get("type")))
        if kind is None:
            raise ValueError(f"unknown event type {data.get('type')!r}")
        at = data.get("at")
        moment = datetime.fromisoformat(at) if isinstance(at, str) else None
        if moment is None or moment.tzinfo is None:
            raise ValueError("event 'at' must be an ISO 8601 moment with an offset")
        by = data.get("by")
        if not isinstance(by, str):
            raise ValueError("event 'by' must be a string")
        return cls(
            type=kind,
            at=moment.astimezone(UTC),
            by=by,
            block_id=_optional(data, "block_id", str),
            minutes=_optional(data, "minutes", int),
            position=_optional(data, "position", int),
            text=_optional(data, "text", str),
        )


def _optional(data: Mapping[str, object], key: str, kind: type[_T]) -> _T | None:
    value = data.get(key)
    # bool is an int to isinstance, but True minutes is a bug upstream, not one minute.
    if value is None or (isinstance(value, kind) and not isinstance(value, bool)):
        return value
    raise ValueError(f"event {key!r} must be {kind.__name__} or null")


@dataclass(frozen=True)
class BlockTimer:
    """One plenary block as the show runs it; the planned fields are copied from the programme."""

    id: str
    title: str
    planned_start: datetime
    planned_minutes: int
    minutes: int  # the duration now: planned, then extended or shortened while it runs
    started_at: datetime | None = None
    paused_at: datetime | None = None  # set while paused
    paused_total: timedelta = timedelta(0)  # pauses that have ended
    ended_at: datetime | None = None
    skipped: bool = False

    @property
    def status(self) -> BlockStatus:
        if self.skipped:
            return "skipped"
        if self.started_at is None:
            return "upcoming"
        if self.ended_at is not None:
            return "ended"
        return "paused" if self.paused_at is not None else "running"

    @property
    def planned_end(self) -> datetime:
        return self.planned_start + timedelta(minutes=self.planned_minutes)

    def run_time(self, now: datetime) -> timedelta:
        """Time counted against the block by `now`: since its start, less every pause."""
        if self.started_at is None:
            return timedelta(0)
        stop = self.paused_at or self.ended_at or now
        return max(stop - self.started_at - self.paused_total, timedelta(0))

    def remaining(self, now: datetime) -> timedelta:
        """Time left at `now`; negative in overtime."""
        return timedelta(minutes=self.minutes) - self.run_time(now)


@dataclass(frozen=True)
class Show:
    """The plenary's run-of-show; `blocks` is the running order."""

    title: str
    planned_start: datetime
    planned_end: datetime
    blocks: tuple[BlockTimer, ...]
    live_at: datetime | None = None
    ended_at: datetime | None = None
    presenter_message: str = ""
    rooms_message: str = ""
    updated_at: datetime | None = None  # the latest event's moment

    @property
    def current(self) -> BlockTimer | None:
        """The running or paused block; at most one."""
        return next((b for b in self.blocks if b.status in ("running", "paused")), None)

    @property
    def upcoming(self) -> tuple[BlockTimer, ...]:
        """Blocks still to run, in running order (skipped ones left out)."""
        return tuple(b for b in self.blocks if b.status == "upcoming")

    def find(self, block_id: str) -> BlockTimer | None:
        return next((b for b in self.blocks if b.id == block_id), None)

    @property
    def rehearsal(self) -> bool:
        """Live (or ended) after going live more than REHEARSAL_BEFORE before the start."""
        return rehearses(self.live_at, self.planned_start)


def rehearses(live_at: datetime | None, planned_start: datetime) -> bool:
    """The rehearsal rule on its two moments, for shows that travel as data."""
    return live_at is not None and live_at < planned_start - REHEARSAL_BEFORE


def public_show(show: Show) -> Show:
    """The show as attendees may know it: during a rehearsal, the show as planned (nothing
    live, no delay, no messages), so nothing of a rehearsal reaches them."""
    return _reset(show) if show.rehearsal else show


def rehearsal_marks(show: Show, events: Iterable[ShowEvent]) -> tuple[bool, ...]:
    """For each event, folded onto `show` in order: whether it was part of a rehearsal (the
    show was a rehearsal after it, or it started a rehearsal over)."""
    marks = []
    for event in events:
        after = apply_event(show, event)
        marks.append(after.rehearsal or (event.type == "show.reset" and show.rehearsal))
        show = after
    return tuple(marks)


@dataclass(frozen=True)
class Outcome:
    """What an action did: the show after it and the events it produced (none for a no-op)."""

    show: Show
    events: tuple[ShowEvent, ...]


def new_show(plenary: Plenary) -> Show:
    """The show before anything happened: every block upcoming, in programme order."""
    return Show(
        title=plenary.title,
        planned_start=plenary.plan[0].astimezone(UTC),
        planned_end=plenary.plan[1].astimezone(UTC),
        blocks=tuple(
            BlockTimer(
                id=block.id,
                title=block.title,
                planned_start=block.start.astimezone(UTC),
                planned_minutes=block.minutes,
                minutes=block.minutes,
            )
            for block in plenary.blocks
            if not block.cancelled  # a cancelled block is not part of the run at all
        ),
    )


# Host actions ------------------------------------------------------------------------------------


def go_live(show: Show, *, at: datetime, by: str) -> Outcome:
    _check_open(show)
    if show.live_at is not None:
        return Outcome(show, ())
    return _emit(show, ShowEvent("show.live", _moment(show, at), by))


def end_show(show: Show, *, at: datetime, by: str) -> Outcome:
    """End the show, and with it the current block."""
    if show.ended_at is not None:
        return Outcome(show, ())
    when = _moment(show, at)
    current = show.current
    ending = () if current is None else (ShowEvent("block.ended", when, by, current.id),)
    return _emit(show, *ending, ShowEvent("show.ended", when, by))


def reset_show(show: Show, *, at: datetime, by: str) -> Outcome:
    """Start over, for clearing a rehearsal: every block upcoming again, in programme order,
    at its planned length, nothing live and no messages. Refused while the show is live and
    not over, so a running day cannot be wiped by a slip, unless it is a rehearsal; the
    events before stay in the log."""
    running = show.live_at is not None and show.ended_at is None and (show.current or show.upcoming)
    if running and not show.rehearsal:
        raise ShowError("show.still_live", "The show is live; end it before starting over.")
    if replace(_reset(show), updated_at=show.updated_at) == show:
        return Outcome(show, ())
    return _emit(show, ShowEvent("show.reset", _moment(show, at), by))


def _reset(show: Show) -> Show:
    blocks = sorted(show.blocks, key=lambda b: b.planned_start)
    return replace(
        show,
        blocks=tuple(
            BlockTimer(b.id, b.title, b.planned_start, b.planned_minutes, b.planned_minutes)
            for b in blocks
        ),
        live_at=None,
        ended_at=None,
        presenter_message="",
        rooms_message="",
    )


def start_block(show: Show, block_id: str, *, at: datetime, by: str) -> Outcome:
    """Start a block; one later in the order is first moved up to be next."""
    _check_open(show)
    block = _find(show, block_id)
    current = show.current
    if current is not None and current.id == block.id:
        return Outcome(show, ())
    if show.live_at is None:
        raise ShowError("show.not_live", "Put the plenary live before starting a block.")
    if block.status == "skipped":
        raise ShowError("show.block_skipped", f"{_name(block)} was skipped; restore it first.")
    if block.status == "ended":
        raise ShowError("show.already_started", f"{_name(block)} has already run.")
    if current is not None:
        raise ShowError(
            "show.block_running", f"{_name(current)} is still running; end it or go to next."
        )
    when = _moment(show, at)
    # Started blocks stay a prefix of the running order, so projections can simply chain.
    first = show.blocks.index(show.upcoming[0])
    here = show.blocks.index(block)
    moving = (
        () if here == first else (ShowEvent("block.moved", when, by, block.id, position=first),)
    )
    return _emit(show, *moving, ShowEvent("block.started", when, by, block.id))


def end_block(show: Show, block_id: str, *, at: datetime, by: str) -> Outcome:
    block = _current(show, block_id)
    return _emit(show, ShowEvent("block.ended", _moment(show, at), by, block.id))


def next_block(show: Show, block_id: str, *, at: datetime, by: str) -> Outcome:
    """End the running block `block_id` and start the next one in the order, if any."""
    block = _current(show, block_id)
    when = _moment(show, at)
    ended = ShowEvent("block.ended", when, by, block.id)
    following = show.upcoming
    if not following:
        return _emit(show, ended)
    return _emit(show, ended, ShowEvent("block.started", when, by, following[0].id))


def extend_block(show: Show, block_id: str, minutes: int, *, at: datetime, by: str) -> Outcome:
    _check_step(minutes)
    block = _current(show, block_id)
    if block.minutes + minutes > MAX_BLOCK_MINUTES:
        raise ShowError(
            "show.too_long",
            f"{_name(block)} would last {block.minutes + minutes} minutes; "
            f"the most is {MAX_BLOCK_MINUTES}.",
        )
    event = ShowEvent("block.extended", _moment(show, at), by, block.id, minutes=minutes)
    return _emit(show, event)


def shorten_block(show: Show, block_id: str, minutes: int, *, at: datetime, by: str) -> Outcome:
    """Take minutes off the running block; below its elapsed time it goes into overtime."""
    _check_step(minutes)
    block = _current(show, block_id)
    if block.minutes - minutes < MIN_BLOCK_MINUTES:
        raise ShowError(
            "show.too_short",
            f"{_name(block)} lasts {block.minutes} minutes; at most "
            f"{block.minutes - MIN_BLOCK_MINUTES} can be taken off.",
        )
    event = ShowEvent("block.shortened", _moment(show, at), by, block.id, minutes=minutes)
    return _emit(show, event)


def pause_block(show: Show, block_id: str, *, at: datetime, by: str) -> Outcome:
    block = _current(show, block_id)
    if block.status == "paused":
        return Outcome(show, ())
    return _emit(show, ShowEvent("block.paused", _moment(show, at), by, block.id))


def resume_block(show: Show, block_id: str, *, at: datetime, by: str) -> Outcome:
    block = _current(show, block_id)
    if block.status == "running":
        return Outcome(show, ())
    return _emit(show, ShowEvent("block.resumed", _moment(show, at), by, block.id))


def move_block(show: Show, block_id: str, position: int, *, at: datetime, by: str) -> Outcome:
    """Move a block that has not started to `position` (0-based) in the running order.

    The position counts in the order as this action finds it, and may not be before a block
    that has started.
    """
    _check_open(show)
    block = _check_not_started(show, block_id)
    lowest, highest = _free_positions(show, block)
    if isinstance(position, bool) or not lowest <= position <= highest:
        raise ShowError(
            "show.bad_position",
            f"{_name(block)} can move to positions {lowest} to {highest}, not {position}.",
        )
    if position == show.blocks.index(block):
        return Outcome(show, ())
    return _emit(show, ShowEvent("block.moved", _moment(show, at), by, block.id, position=position))


def _free_positions(show: Show, block: BlockTimer) -> tuple[int, int]:
    """The positions a block that has not started may take: after every block that has."""
    others = [b for b in show.blocks if b is not block]
    started = [i for i, b in enumerate(others) if b.started_at is not None]
    return (started[-1] + 1 if started else 0), len(others)


def skip_block(show: Show, block_id: str, *, at: datetime, by: str) -> Outcome:
    _check_open(show)
    block = _find(show, block_id)
    if block.skipped:
        return Outcome(show, ())
    _check_not_started(show, block_id)
    return _emit(show, ShowEvent("block.skipped", _moment(show, at), by, block.id))


def restore_block(show: Show, block_id: str, *, at: datetime, by: str) -> Outcome:
    """Undo a skip. The block is upcoming again where it stands, or, when blocks after it
    have started meanwhile, right after the last of them."""
    _check_open(show)
    block = _find(show, block_id)
    if not block.skipped:
        return Outcome(show, ())
    when = _moment(show, at)
    lowest, _ = _free_positions(show, block)
    moving: tuple[ShowEvent, ...] = ()
    if show.blocks.index(block) < lowest:
        moving = (ShowEvent("block.moved", when, by, block.id, position=lowest),)
    return _emit(show, *moving, ShowEvent("block.restored", when, by, block.id))


def message_presenter(show: Show, text: str, *, at: datetime, by: str) -> Outcome:
    """Show `text` on the presenter's screen; an empty text clears it."""
    _check_open(show)
    clean = _message(text)
    if clean == show.presenter_message:
        return Outcome(show, ())
    return _emit(show, ShowEvent("presenter.message", _moment(show, at), by, text=clean))


def message_rooms(show: Show, text: str, *, at: datetime, by: str) -> Outcome:
    """Show `text` in every breakout room; an empty text clears it."""
    _check_open(show)
    clean = _message(text)
    if clean == show.rooms_message:
        return Outcome(show, ())
    return _emit(show, ShowEvent("rooms.message", _moment(show, at), by, text=clean))


def _emit(show: Show, *events: ShowEvent) -> Outcome:
    for event in events:
        show = apply_event(show, event)
    return Outcome(show, events)


def _moment(show: Show, at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("host actions need a timezone-aware moment")
    moment = at.astimezone(UTC)
    if show.updated_at is not None and moment < show.updated_at:
        return show.updated_at
    return moment


def _name(block: BlockTimer) -> str:
    return f"Block {block.title!r}"


def _check_open(show: Show) -> None:
    if show.ended_at is not None:
        raise ShowError("show.finished", "The show has ended; host actions no longer apply.")


def _find(show: Show, block_id: str) -> BlockTimer:
    block = show.find(block_id)
    if block is None:
        raise ShowError("show.unknown_block", f"There is no block {block_id!r} in this show.")
    return block


def _current(show: Show, block_id: str) -> BlockTimer:
    _check_open(show)
    block = _find(show, block_id)
    if block.status not in ("running", "paused"):
        raise ShowError("show.not_running", f"{_name(block)} is not running; it is {block.status}.")
    return block


def _check_not_started(show: Show, block_id: str) -> BlockTimer:
    block = _find(show, block_id)
    if block.started_at is not None:
        raise ShowError("show.already_started", f"{_name(block)} has already started.")
    return block


def _check_step(minutes: int) -> None:
    if isinstance(minutes, bool) or not 1 <= minutes <= MAX_STEP_MINUTES:
        raise ShowError(
            "show.bad_minutes",
            f"Minutes must be a whole number from 1 to {MAX_STEP_MINUTES}, not {minutes!r}.",
        )


def _message(text: str) -> str:
    clean = text.strip()
    if len(clean) > MAX_MESSAGE_CHARS:
        raise ShowError(
            "show.message_too_long",
            f"A message has at most {MAX_MESSAGE_CHARS} characters; this one has {len(clean)}.",
        )
    if _CONTROL.search(clean):
        raise ShowError("show.bad_message", "A message may not contain control characters.")
    return clean


# Applying events ---------------------------------------------------------------------------------


def replay(plenary: Plenary, events: Iterable[ShowEvent]) -> Show:
    """The show rebuilt from its stored events, oldest first."""
    show = new_show(plenary)
    for event in events:
        show = apply_event(show, event)
    return show


def apply_event(show: Show, event: ShowEvent) -> Show:
    """The show after `event`. No checks: events record what was already decided.

    An event about a block the show does not have (removed from the programme since) is left
    out rather than refused, so a reloaded programme cannot stop a running show.
    """
    latest = event.at if show.updated_at is None else max(show.updated_at, event.at)
    show = replace(show, updated_at=latest)
    match event.type:
        case "show.live":
            return replace(show, live_at=event.at)
        case "show.ended":
            return replace(show, ended_at=event.at)
        case "show.reset":
            return _reset(show)
        case "presenter.message":
            return replace(show, presenter_message=event.text or "")
        case "rooms.message":
            return replace(show, rooms_message=event.text or "")
        case "block.moved":
            return _moved(show, event)
    return _change_block(show, event)


def _moved(show: Show, event: ShowEvent) -> Show:
    block = show.find(event.block_id or "")
    if block is None:
        return show
    rest = [b for b in show.blocks if b is not block]
    rest.insert(min(event.position or 0, len(rest)), block)
    return replace(show, blocks=tuple(rest))


def _change_block(show: Show, event: ShowEvent) -> Show:
    block = show.find(event.block_id or "")
    if block is None:
        return show
    changed = _block_after(block, event)
    return replace(show, blocks=tuple(changed if b is block else b for b in show.blocks))


def _block_after(block: BlockTimer, event: ShowEvent) -> BlockTimer:
    at = event.at
    match event.type:
        case "block.started":
            return replace(block, started_at=at)
        case "block.ended":
            return replace(_unpaused(block, at), ended_at=at)
        case "block.paused":
            return replace(block, paused_at=at)
        case "block.resumed":
            return _unpaused(block, at)
        case "block.extended":
            return replace(block, minutes=block.minutes + (event.minutes or 0))
        case "block.shortened":
            return replace(block, minutes=block.minutes - (event.minutes or 0))
        case "block.skipped":
            return replace(block, skipped=True)
        case "block.restored":
            return replace(block, skipped=False)
    raise ValueError(f"{event.type} is not an event about one block")


def _unpaused(block: BlockTimer, at: datetime) -> BlockTimer:
    if block.paused_at is None:
        return block
    return replace(block, paused_at=None, paused_total=block.paused_total + (at - block.paused_at))
