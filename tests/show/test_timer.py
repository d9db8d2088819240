"""Tests for festival.show.timer: host actions, their events, replay and timer readings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

import festival.show
from festival.programme.model import Block, Plenary
from festival.show import (
    REHEARSAL_BEFORE,
    SHOW_ERROR_CODES,
    BlockTimer,
    Show,
    ShowError,
    ShowEvent,
    end_block,
    end_show,
    evaluate,
    extend_block,
    go_live,
    message_presenter,
    message_rooms,
    move_block,
    new_show,
    next_block,
    pause_block,
    public_show,
    replay,
    reset_show,
    restore_block,
    resume_block,
    shorten_block,
    skip_block,
    start_block,
)

T0 = datetime(2020, 11, 19, 12, 30, tzinfo=UTC)  # 13:30 in Amsterdam, the planned start
HOST = "host-a"
OTHER = "host-b"


def at(minutes: float) -> datetime:
    """A moment `minutes` after the plenary's planned start."""
    return T0 + timedelta(minutes=minutes)


def make_plenary(start: datetime, *blocks: tuple[str, int]) -> Plenary:
    chain: list[Block] = []
    cursor = start
    for block_id, minutes in blocks:
        chain.append(Block(block_id, "lecture", block_id.title(), minutes, cursor))
        cursor += timedelta(minutes=minutes)
    return Plenary(title="Middagprogramma", start=start, end=cursor, blocks=tuple(chain))


PLENARY = make_plenary(T0, ("welkom", 10), ("lezing", 20), ("panel", 30), ("slot", 5))


def live() -> Show:
    return go_live(new_show(PLENARY), at=at(-1), by=HOST).show


def running(block_id: str = "welkom", minute: float = 0) -> Show:
    return start_block(live(), block_id, at=at(minute), by=HOST).show


def order(show: Show) -> list[str]:
    return [b.id for b in show.blocks]


def raises_code(code: str, action: Callable[[], object]) -> str:
    with pytest.raises(ShowError) as caught:
        action()
    assert caught.value.code == code
    return caught.value.message


# The package -------------------------------------------------------------------------------------


def test_package_all_is_pinned() -> None:
    assert festival.show.__all__ == [
        "ACTUALS_HEADER",
        "AMBER_AT",
        "CALENDAR_SHIFT_MINUTES",
        "CLOSING_SOON",
        "EVENT_TYPES",
        "MAX_BLOCK_MINUTES",
        "MAX_MESSAGE_CHARS",
        "MAX_STEP_MINUTES",
        "MIN_BLOCK_MINUTES",
        "RED_AT",
        "REHEARSAL_BEFORE",
        "RUN_LOG_HEADER",
        "SHOW_ERROR_CODES",
        "BlockActual",
        "BlockStatus",
        "BlockTimer",
        "EventType",
        "Outcome",
        "Phase",
        "PlenaryTimes",
        "ProjectedBlock",
        "ProjectedStatus",
        "Projection",
        "RoundCues",
        "Shift",
        "Show",
        "ShowError",
        "ShowErrorCode",
        "ShowEvent",
        "ShowNow",
        "ShowState",
        "TimerReading",
        "actual_rows",
        "apply_event",
        "block_actuals",
        "calendar_shift",
        "end_block",
        "end_show",
        "evaluate",
        "extend_block",
        "go_live",
        "is_over",
        "message_presenter",
        "message_rooms",
        "move_block",
        "new_show",
        "next_block",
        "pause_block",
        "phase_for",
        "plenary_times",
        "project",
        "public_show",
        "rehearsal_marks",
        "rehearses",
        "replay",
        "reset_show",
        "restore_block",
        "resume_block",
        "round_cues",
        "round_rows",
        "run_log_rows",
        "shift_worth_announcing",
        "shorten_block",
        "show_now",
        "skip_block",
        "start_block",
        "whole_minutes",
        "write_csv",
    ]


def test_show_error_codes_are_pinned() -> None:
    assert SHOW_ERROR_CODES == (
        "show.not_live",
        "show.finished",
        "show.unknown_block",
        "show.not_running",
        "show.already_started",
        "show.block_running",
        "show.block_skipped",
        "show.bad_minutes",
        "show.too_short",
        "show.too_long",
        "show.bad_position",
        "show.message_too_long",
        "show.bad_message",
        "show.still_live",
    )


def test_event_types_are_pinned() -> None:
    assert festival.show.EVENT_TYPES == (
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
    )


# New show and going live -------------------------------------------------------------------------


def test_new_show_copies_programme_blocks_in_order() -> None:
    show = new_show(PLENARY)

    assert show.blocks[1] == BlockTimer(
        id="lezing", title="Lezing", planned_start=at(10), planned_minutes=20, minutes=20
    )
    assert order(show) == ["welkom", "lezing", "panel", "slot"]
    assert (show.planned_start, show.planned_end) == (at(0), at(65))


def test_new_show_cancelled_block_left_out() -> None:
    cancelled = replace(PLENARY.blocks[2], cancelled=True)
    plenary = replace(PLENARY, blocks=(*PLENARY.blocks[:2], cancelled, PLENARY.blocks[3]))

    assert order(new_show(plenary)) == ["welkom", "lezing", "slot"]


def test_go_live_emits_show_live() -> None:
    outcome = go_live(new_show(PLENARY), at=at(-1), by=HOST)

    assert outcome.events == (ShowEvent("show.live", at(-1), HOST),)
    assert outcome.show.live_at == at(-1)


def test_go_live_twice_is_noop() -> None:
    show = live()

    assert go_live(show, at=at(0), by=OTHER).events == ()


# Starting ----------------------------------------------------------------------------------------


def test_start_block_emits_started_and_runs() -> None:
    outcome = start_block(live(), "welkom", at=at(0), by=HOST)

    assert outcome.events == (ShowEvent("block.started", at(0), HOST, "welkom"),)
    assert outcome.show.blocks[0].started_at == at(0)
    assert outcome.show.blocks[0].status == "running"


def test_start_block_already_running_is_noop() -> None:
    show = running()

    outcome = start_block(show, "welkom", at=at(1), by=OTHER)

    assert (outcome.show, outcome.events) == (show, ())


def test_start_block_later_one_moves_it_up_first() -> None:
    outcome = start_block(live(), "panel", at=at(0), by=HOST)

    assert outcome.events == (
        ShowEvent("block.moved", at(0), HOST, "panel", position=0),
        ShowEvent("block.started", at(0), HOST, "panel"),
    )
    assert order(outcome.show) == ["panel", "welkom", "lezing", "slot"]


def test_start_block_before_live_raises_not_live() -> None:
    raises_code("show.not_live", lambda: start_block(new_show(PLENARY), "welkom", at=T0, by=HOST))


def test_start_block_while_another_runs_raises_block_running() -> None:
    message = raises_code(
        "show.block_running", lambda: start_block(running(), "lezing", at=at(1), by=HOST)
    )

    assert message == "Block 'Welkom' is still running; end it or go to next."


def test_start_block_ended_raises_already_started() -> None:
    show = end_block(running(), "welkom", at=at(10), by=HOST).show

    raises_code("show.already_started", lambda: start_block(show, "welkom", at=at(11), by=HOST))


def test_start_block_skipped_raises_block_skipped() -> None:
    show = skip_block(live(), "welkom", at=at(0), by=HOST).show

    raises_code("show.block_skipped", lambda: start_block(show, "welkom", at=at(0), by=HOST))


def test_start_block_unknown_raises_unknown_block() -> None:
    message = raises_code("show.unknown_block", lambda: start_block(live(), "x", at=T0, by=HOST))

    assert message == "There is no block 'x' in this show."


# Ending and going to next ------------------------------------------------------------------------


def test_end_block_sets_ended_at_and_leaves_show_idle() -> None:
    outcome = end_block(running(), "welkom", at=at(9), by=HOST)

    assert outcome.events == (ShowEvent("block.ended", at(9), HOST, "welkom"),)
    assert outcome.show.blocks[0].ended_at == at(9)
    assert outcome.show.current is None


def test_end_block_already_ended_raises_not_running() -> None:
    show = end_block(running(), "welkom", at=at(9), by=HOST).show

    message = raises_code("show.not_running", lambda: end_block(show, "welkom", at=at(9), by=OTHER))

    assert message == "Block 'Welkom' is not running; it is ended."


def test_next_block_ends_running_and_starts_next() -> None:
    outcome = next_block(running(), "welkom", at=at(12), by=HOST)

    assert outcome.events == (
        ShowEvent("block.ended", at(12), HOST, "welkom"),
        ShowEvent("block.started", at(12), HOST, "lezing"),
    )
    assert [b.status for b in outcome.show.blocks] == ["ended", "running", "upcoming", "upcoming"]


def test_next_block_pressed_by_two_hosts_advances_once() -> None:
    show = next_block(running(), "welkom", at=at(12), by=HOST).show

    raises_code("show.not_running", lambda: next_block(show, "welkom", at=at(12), by=OTHER))


def test_next_block_passes_over_skipped_blocks() -> None:
    show = skip_block(running(), "lezing", at=at(1), by=HOST).show

    outcome = next_block(show, "welkom", at=at(10), by=HOST)

    assert outcome.show.current == replace(show.blocks[2], started_at=at(10))


def test_next_block_on_last_block_only_ends_it() -> None:
    show = live()
    for block_id in ("welkom", "lezing", "panel"):
        show = skip_block(show, block_id, at=at(0), by=HOST).show
    show = start_block(show, "slot", at=at(0), by=HOST).show

    outcome = next_block(show, "slot", at=at(5), by=HOST)

    assert outcome.events == (ShowEvent("block.ended", at(5), HOST, "slot"),)


# Extending and shortening ------------------------------------------------------------------------


def test_extend_block_adds_minutes() -> None:
    outcome = extend_block(running(), "welkom", 5, at=at(8), by=HOST)

    assert outcome.events == (ShowEvent("block.extended", at(8), HOST, "welkom", minutes=5),)
    assert outcome.show.blocks[0].minutes == 15


def test_extend_block_by_two_hosts_accumulates() -> None:
    show = extend_block(running(), "welkom", 5, at=at(8), by=HOST).show

    show = extend_block(show, "welkom", 5, at=at(8), by=OTHER).show

    assert show.blocks[0].minutes == 20


def test_shorten_block_takes_minutes_off() -> None:
    outcome = shorten_block(running(), "welkom", 3, at=at(2), by=HOST)

    assert outcome.events == (ShowEvent("block.shortened", at(2), HOST, "welkom", minutes=3),)
    assert outcome.show.blocks[0].minutes == 7


def test_shorten_block_to_one_minute_allowed() -> None:
    show = shorten_block(running(), "welkom", 9, at=at(2), by=HOST).show

    assert show.blocks[0].minutes == 1


def test_shorten_block_below_one_minute_raises_too_short() -> None:
    show = shorten_block(running(), "welkom", 5, at=at(2), by=HOST).show

    message = raises_code(
        "show.too_short", lambda: shorten_block(show, "welkom", 5, at=at(2), by=OTHER)
    )

    assert message == "Block 'Welkom' lasts 5 minutes; at most 4 can be taken off."


def test_extend_block_past_maximum_raises_too_long() -> None:
    show = running()
    for _ in range(3):
        show = extend_block(show, "welkom", 120, at=at(1), by=HOST).show

    raises_code("show.too_long", lambda: extend_block(show, "welkom", 120, at=at(1), by=HOST))
    assert show.blocks[0].minutes == 370


@pytest.mark.parametrize("minutes", [0, -5, 121, True])
def test_extend_block_bad_minutes_raises_bad_minutes(minutes: int) -> None:
    raises_code(
        "show.bad_minutes", lambda: extend_block(running(), "welkom", minutes, at=T0, by=HOST)
    )


def test_shorten_block_bad_minutes_raises_bad_minutes() -> None:
    raises_code("show.bad_minutes", lambda: shorten_block(running(), "welkom", 0, at=T0, by=HOST))


def test_extend_block_not_current_raises_not_running() -> None:
    raises_code("show.not_running", lambda: extend_block(running(), "lezing", 5, at=T0, by=HOST))


# Pausing -----------------------------------------------------------------------------------------


def test_pause_block_freezes_the_timer() -> None:
    show = pause_block(running(), "welkom", at=at(4), by=HOST).show

    assert evaluate(show, at(4)).remaining_seconds == 360
    assert evaluate(show, at(30)).remaining_seconds == 360
    assert evaluate(show, at(30)).state == "paused"


def test_pause_block_twice_is_noop() -> None:
    show = pause_block(running(), "welkom", at=at(4), by=HOST).show

    assert pause_block(show, "welkom", at=at(5), by=OTHER).events == ()


def test_resume_block_adds_the_pause_to_paused_total() -> None:
    show = pause_block(running(), "welkom", at=at(4), by=HOST).show

    outcome = resume_block(show, "welkom", at=at(7), by=HOST)

    assert outcome.events == (ShowEvent("block.resumed", at(7), HOST, "welkom"),)
    assert (outcome.show.blocks[0].paused_at, outcome.show.blocks[0].paused_total) == (
        None,
        timedelta(minutes=3),
    )
    assert evaluate(outcome.show, at(8)).remaining_seconds == 300


def test_resume_block_running_is_noop() -> None:
    assert resume_block(running(), "welkom", at=at(1), by=HOST).events == ()


def test_pause_block_not_current_raises_not_running() -> None:
    raises_code("show.not_running", lambda: pause_block(running(), "panel", at=T0, by=HOST))


def test_end_block_while_paused_counts_the_pause() -> None:
    show = pause_block(running(), "welkom", at=at(4), by=HOST).show

    show = end_block(show, "welkom", at=at(6), by=HOST).show

    assert (show.blocks[0].paused_at, show.blocks[0].paused_total, show.blocks[0].ended_at) == (
        None,
        timedelta(minutes=2),
        at(6),
    )


# Reordering, skipping, restoring -----------------------------------------------------------------


def test_move_block_changes_the_running_order() -> None:
    outcome = move_block(running(), "slot", 1, at=at(1), by=HOST)

    assert outcome.events == (ShowEvent("block.moved", at(1), HOST, "slot", position=1),)
    assert order(outcome.show) == ["welkom", "slot", "lezing", "panel"]


def test_move_block_to_the_end() -> None:
    show = move_block(running(), "lezing", 3, at=at(1), by=HOST).show

    assert order(show) == ["welkom", "panel", "slot", "lezing"]


def test_move_block_to_its_own_place_is_noop() -> None:
    assert move_block(running(), "panel", 2, at=at(1), by=HOST).events == ()


def test_move_block_before_a_started_block_raises_bad_position() -> None:
    message = raises_code(
        "show.bad_position", lambda: move_block(running(), "panel", 0, at=at(1), by=HOST)
    )

    assert message == "Block 'Panel' can move to positions 1 to 3, not 0."


def test_move_block_past_the_end_raises_bad_position() -> None:
    raises_code("show.bad_position", lambda: move_block(running(), "panel", 4, at=at(1), by=HOST))


def test_move_block_started_raises_already_started() -> None:
    raises_code("show.already_started", lambda: move_block(running(), "welkom", 2, at=T0, by=HOST))


def test_skip_block_marks_it_skipped() -> None:
    outcome = skip_block(running(), "lezing", at=at(1), by=HOST)

    assert outcome.events == (ShowEvent("block.skipped", at(1), HOST, "lezing"),)
    assert [b.id for b in outcome.show.upcoming] == ["panel", "slot"]


def test_skip_block_twice_is_noop() -> None:
    show = skip_block(running(), "lezing", at=at(1), by=HOST).show

    assert skip_block(show, "lezing", at=at(2), by=OTHER).events == ()


def test_skip_block_started_raises_already_started() -> None:
    raises_code("show.already_started", lambda: skip_block(running(), "welkom", at=T0, by=HOST))


def test_restore_block_makes_it_upcoming_again() -> None:
    show = skip_block(running(), "lezing", at=at(1), by=HOST).show

    outcome = restore_block(show, "lezing", at=at(2), by=HOST)

    assert outcome.events == (ShowEvent("block.restored", at(2), HOST, "lezing"),)
    assert outcome.show.blocks[1].status == "upcoming"


def test_restore_block_behind_started_blocks_moves_after_them() -> None:
    show = skip_block(live(), "welkom", at=at(0), by=HOST).show
    show = start_block(show, "lezing", at=at(0), by=HOST).show

    outcome = restore_block(show, "welkom", at=at(2), by=HOST)

    assert outcome.events == (
        ShowEvent("block.moved", at(2), HOST, "welkom", position=1),
        ShowEvent("block.restored", at(2), HOST, "welkom"),
    )
    assert order(outcome.show) == ["lezing", "welkom", "panel", "slot"]


def test_restore_block_not_skipped_is_noop() -> None:
    assert restore_block(running(), "lezing", at=at(2), by=HOST).events == ()


# Messages ----------------------------------------------------------------------------------------


def test_message_presenter_sets_and_clears() -> None:
    shown = message_presenter(live(), "  Nog 1 vraag  ", at=at(0), by=HOST)
    cleared = message_presenter(shown.show, "", at=at(1), by=HOST)

    assert shown.events == (ShowEvent("presenter.message", at(0), HOST, text="Nog 1 vraag"),)
    assert cleared.events == (ShowEvent("presenter.message", at(1), HOST, text=""),)
    assert (shown.show.presenter_message, cleared.show.presenter_message) == ("Nog 1 vraag", "")


def test_message_presenter_same_text_is_noop() -> None:
    show = message_presenter(live(), "Afronden", at=at(0), by=HOST).show

    assert message_presenter(show, "Afronden", at=at(1), by=OTHER).events == ()


def test_message_presenter_of_200_characters_allowed() -> None:
    show = message_presenter(live(), "x" * 200, at=at(0), by=HOST).show

    assert show.presenter_message == "x" * 200


def test_message_presenter_too_long_raises_message_too_long() -> None:
    message = raises_code(
        "show.message_too_long", lambda: message_presenter(live(), "x" * 201, at=T0, by=HOST)
    )

    assert message == "A message has at most 200 characters; this one has 201."


def test_message_presenter_control_characters_raise_bad_message() -> None:
    raises_code("show.bad_message", lambda: message_presenter(live(), "a\x07b", at=T0, by=HOST))


def test_message_rooms_sets_the_rooms_text() -> None:
    outcome = message_rooms(new_show(PLENARY), "Plenair begint om 13:30", at=at(-20), by=HOST)

    assert outcome.events == (
        ShowEvent("rooms.message", at(-20), HOST, text="Plenair begint om 13:30"),
    )
    assert outcome.show.rooms_message == "Plenair begint om 13:30"


def test_message_rooms_too_long_raises_message_too_long() -> None:
    raises_code("show.message_too_long", lambda: message_rooms(live(), "y" * 201, at=T0, by=HOST))


# Ending the show ---------------------------------------------------------------------------------


def test_end_show_ends_the_running_block_too() -> None:
    outcome = end_show(running(), at=at(60), by=HOST)

    assert outcome.events == (
        ShowEvent("block.ended", at(60), HOST, "welkom"),
        ShowEvent("show.ended", at(60), HOST),
    )
    assert (outcome.show.blocks[0].ended_at, outcome.show.ended_at) == (at(60), at(60))


def test_end_show_twice_is_noop() -> None:
    show = end_show(running(), at=at(60), by=HOST).show

    assert end_show(show, at=at(61), by=OTHER).events == ()


@pytest.mark.parametrize(
    "action",
    [
        lambda s: go_live(s, at=T0, by=HOST),
        lambda s: start_block(s, "lezing", at=T0, by=HOST),
        lambda s: end_block(s, "welkom", at=T0, by=HOST),
        lambda s: next_block(s, "welkom", at=T0, by=HOST),
        lambda s: extend_block(s, "welkom", 5, at=T0, by=HOST),
        lambda s: pause_block(s, "welkom", at=T0, by=HOST),
        lambda s: move_block(s, "slot", 1, at=T0, by=HOST),
        lambda s: skip_block(s, "slot", at=T0, by=HOST),
        lambda s: restore_block(s, "slot", at=T0, by=HOST),
        lambda s: message_presenter(s, "hoi", at=T0, by=HOST),
        lambda s: message_rooms(s, "hoi", at=T0, by=HOST),
    ],
)
def test_host_action_after_show_ended_raises_finished(action: Callable[[Show], object]) -> None:
    show = end_show(running(), at=at(60), by=HOST).show

    raises_code("show.finished", lambda: action(show))


# Time --------------------------------------------------------------------------------------------


def test_action_stamped_before_the_latest_event_takes_its_moment() -> None:
    show = running(minute=5)

    outcome = end_block(show, "welkom", at=at(4), by=OTHER)

    assert outcome.events == (ShowEvent("block.ended", at(5), OTHER, "welkom"),)


def test_action_with_naive_time_raises_value_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        go_live(new_show(PLENARY), at=datetime(2020, 11, 19, 13, 30), by=HOST)  # noqa: DTZ001


# Events and replay -------------------------------------------------------------------------------


def scenario() -> tuple[Show, list[ShowEvent]]:
    """A whole afternoon by two hosts, touching every action."""
    show = new_show(PLENARY)
    events: list[ShowEvent] = []
    steps: list[Callable[[Show], object]] = [
        lambda s: message_rooms(s, "Plenair begint zo", at=at(-5), by=HOST),
        lambda s: go_live(s, at=at(-1), by=HOST),
        lambda s: go_live(s, at=at(-1), by=OTHER),  # no-op
        lambda s: start_block(s, "welkom", at=at(1), by=HOST),
        lambda s: extend_block(s, "welkom", 5, at=at(8), by=HOST),
        lambda s: extend_block(s, "welkom", 2, at=at(8), by=OTHER),
        lambda s: pause_block(s, "welkom", at=at(9), by=HOST),
        lambda s: resume_block(s, "welkom", at=at(11), by=HOST),
        lambda s: message_presenter(s, "Afronden graag", at=at(15), by=OTHER),
        lambda s: skip_block(s, "lezing", at=at(16), by=HOST),
        lambda s: move_block(s, "slot", 2, at=at(16), by=HOST),
        lambda s: next_block(s, "welkom", at=at(20), by=HOST),
        lambda s: shorten_block(s, "slot", 2, at=at(21), by=HOST),
        lambda s: restore_block(s, "lezing", at=at(22), by=HOST),
        lambda s: end_block(s, "slot", at=at(24), by=HOST),
        lambda s: start_block(s, "panel", at=at(25), by=HOST),
        lambda s: message_presenter(s, "", at=at(30), by=HOST),
        lambda s: end_show(s, at=at(55), by=HOST),
    ]
    for step in steps:
        outcome = step(show)
        assert isinstance(outcome, festival.show.Outcome)
        show = outcome.show
        events.extend(outcome.events)
    return show, events


def test_replay_equals_direct() -> None:
    direct, events = scenario()

    assert replay(PLENARY, events) == direct
    assert order(direct) == ["welkom", "slot", "panel", "lezing"]
    assert [b.status for b in direct.blocks] == ["ended", "ended", "ended", "upcoming"]


def test_replay_after_dict_round_trip_equals_direct() -> None:
    direct, events = scenario()

    stored = [ShowEvent.from_dict(event.to_dict()) for event in events]

    assert stored == events
    assert replay(PLENARY, stored) == direct


def test_replay_ignores_events_for_blocks_no_longer_in_programme() -> None:
    events = [
        ShowEvent("show.live", at(0), HOST),
        ShowEvent("block.started", at(0), HOST, "verdwenen"),
        ShowEvent("block.moved", at(0), HOST, "verdwenen", position=0),
    ]

    show = replay(PLENARY, events)

    assert show == replace(new_show(PLENARY), live_at=at(0), updated_at=at(0))


def test_show_event_to_dict_is_json_ready() -> None:
    event = ShowEvent("block.extended", at(8), HOST, "welkom", minutes=5)

    assert event.to_dict() == {
        "type": "block.extended",
        "at": "2020-11-19T12:38:00+00:00",
        "by": HOST,
        "block_id": "welkom",
        "minutes": 5,
        "position": None,
        "text": None,
    }


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"type": "block.exploded", "at": "2020-11-19T12:38:00+00:00", "by": "a"}, "type"),
        ({"type": "show.live", "at": "2020-11-19T12:38:00", "by": "a"}, "offset"),
        ({"type": "show.live", "at": "2020-11-19T12:38:00+00:00", "by": 3}, "'by'"),
        (
            {"type": "block.extended", "at": "2020-11-19T12:38Z", "by": "a", "minutes": "5"},
            "'minutes'",
        ),
        (
            {"type": "block.extended", "at": "2020-11-19T12:38Z", "by": "a", "minutes": True},
            "'minutes'",
        ),
    ],
)
def test_show_event_from_dict_bad_field_raises_value_error(
    data: dict[str, object], error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        ShowEvent.from_dict(data)


# Starting over after a rehearsal ----------------------------------------------------------------


def test_reset_after_a_rehearsal_gives_the_show_as_planned() -> None:
    show = running("lezing", 2)  # moved up, then started
    show = extend_block(show, "lezing", 5, at=at(3), by=HOST).show
    show = skip_block(show, "panel", at=at(4), by=HOST).show
    show = message_presenter(show, "afronden", at=at(5), by=HOST).show
    ended = end_show(show, at=at(30), by=HOST).show

    outcome = reset_show(ended, at=at(40), by=OTHER)

    assert [(e.type, e.by) for e in outcome.events] == [("show.reset", OTHER)]
    assert replace(outcome.show, updated_at=None) == new_show(PLENARY)
    assert outcome.show.updated_at == at(40)
    started = start_block(
        go_live(outcome.show, at=at(41), by=HOST).show, "welkom", at=at(42), by=HOST
    )
    assert started.show.current is not None


def test_reset_refused_while_the_show_runs_and_a_no_op_before_it() -> None:
    message = raises_code("show.still_live", lambda: reset_show(running(), at=at(1), by=HOST))
    raises_code("show.still_live", lambda: reset_show(live(), at=at(1), by=HOST))

    assert "end it" in message
    assert reset_show(new_show(PLENARY), at=at(0), by=HOST).events == ()


def test_a_show_live_more_than_an_hour_early_is_a_rehearsal() -> None:
    on_the_hour = go_live(new_show(PLENARY), at=at(-60), by=HOST).show
    earlier = go_live(new_show(PLENARY), at=at(-61), by=HOST).show
    ended = end_show(earlier, at=at(-30), by=HOST).show

    assert timedelta(hours=1) == REHEARSAL_BEFORE
    assert (new_show(PLENARY).rehearsal, on_the_hour.rehearsal) == (False, False)
    assert (earlier.rehearsal, ended.rehearsal) == (True, True)  # until started over
    assert not reset_show(ended, at=at(-20), by=HOST).show.rehearsal


def test_the_public_sees_a_rehearsal_as_the_plan() -> None:
    show = go_live(new_show(PLENARY), at=at(-600), by=HOST).show
    show = start_block(show, "lezing", at=at(-600), by=HOST).show
    show = message_rooms(show, "test", at=at(-599), by=HOST).show
    real = start_block(live(), "welkom", at=at(0), by=HOST).show

    assert replace(public_show(show), updated_at=None) == new_show(PLENARY)
    assert public_show(real) == real


def test_start_over_while_a_rehearsal_runs_but_not_while_the_real_show_does() -> None:
    rehearsing = go_live(new_show(PLENARY), at=at(-120), by=HOST).show
    rehearsing = start_block(rehearsing, "welkom", at=at(-119), by=HOST).show

    outcome = reset_show(rehearsing, at=at(-110), by=HOST)

    assert [e.type for e in outcome.events] == ["show.reset"]
    assert outcome.show.live_at is None
    raises_code("show.still_live", lambda: reset_show(running(), at=at(1), by=HOST))


def test_reset_replays_like_the_actions() -> None:
    show = new_show(PLENARY)
    log: list[ShowEvent] = []
    for step in (
        lambda s: go_live(s, at=at(0), by=HOST),
        lambda s: start_block(s, "welkom", at=at(0), by=HOST),
        lambda s: end_show(s, at=at(5), by=HOST),
        lambda s: reset_show(s, at=at(6), by=HOST),
    ):
        outcome = step(show)
        show = outcome.show
        log.extend(outcome.events)

    assert replay(PLENARY, log) == show
