"""Tests for festival.show.plan: timer readings, projection and delay, cues, export."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from festival.programme.model import Block, Plenary, Round
from festival.show import (
    ACTUALS_HEADER,
    RUN_LOG_HEADER,
    ProjectedBlock,
    Projection,
    RoundCues,
    Show,
    ShowEvent,
    TimerReading,
    actual_rows,
    block_actuals,
    end_block,
    end_show,
    evaluate,
    extend_block,
    go_live,
    message_presenter,
    new_show,
    next_block,
    pause_block,
    phase_for,
    project,
    reset_show,
    resume_block,
    round_cues,
    round_rows,
    run_log_rows,
    skip_block,
    start_block,
    whole_minutes,
    write_csv,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
T0 = datetime(2020, 11, 19, 12, 30, tzinfo=UTC)  # 13:30 in Amsterdam, the planned start
HOST = "host-a"


def at(minutes: float, start: datetime = T0) -> datetime:
    return start + timedelta(minutes=minutes)


def make_plenary(start: datetime, *blocks: tuple[str, int]) -> Plenary:
    chain: list[Block] = []
    cursor = start
    for block_id, minutes in blocks:
        chain.append(Block(block_id, "lecture", block_id.title(), minutes, cursor))
        cursor += timedelta(minutes=minutes)
    return Plenary(title="Middagprogramma", start=start, end=cursor, blocks=tuple(chain))


PLENARY = make_plenary(T0, ("welkom", 10), ("lezing", 20), ("panel", 30), ("slot", 5))


def running(plenary: Plenary = PLENARY, start: datetime = T0) -> Show:
    """Live, and the first block started on time."""
    show = go_live(new_show(plenary), at=start, by=HOST).show
    return start_block(show, plenary.blocks[0].id, at=start, by=HOST).show


def spans(projection: Projection) -> list[tuple[str, datetime | None, datetime | None, int | None]]:
    return [(b.id, b.start, b.end, b.delay_minutes) for b in projection.blocks]


def local_spans(projection: Projection) -> list[tuple[str, str, str]]:
    return [(b.id, _local(b.start), _local(b.end)) for b in projection.blocks if b.start and b.end]


def _local(moment: datetime | None) -> str:
    assert moment is not None
    return moment.astimezone(AMSTERDAM).isoformat()


# The timer -------------------------------------------------------------------------------


def test_evaluate_before_anything_is_idle() -> None:
    assert evaluate(new_show(PLENARY), at(-10)) == TimerReading(
        state="idle",
        live=False,
        block_id=None,
        title="",
        minutes=0,
        elapsed_seconds=None,
        remaining_seconds=None,
        phase="normal",
        next_block_id="welkom",
        next_title="Welkom",
        presenter_message="",
    )


def test_evaluate_running_block_counts_down() -> None:
    show = message_presenter(running(), "Nog 1 vraag", at=at(1), by=HOST).show

    assert evaluate(show, at(3.5)) == TimerReading(
        state="running",
        live=True,
        block_id="welkom",
        title="Welkom",
        minutes=10,
        elapsed_seconds=210,
        remaining_seconds=390,
        phase="normal",
        next_block_id="lezing",
        next_title="Lezing",
        presenter_message="Nog 1 vraag",
    )


def test_evaluate_overtime_is_negative_and_red() -> None:
    reading = evaluate(running(), at(12))

    assert (reading.remaining_seconds, reading.elapsed_seconds, reading.phase) == (-120, 720, "red")


def test_evaluate_after_extension_counts_the_new_duration() -> None:
    show = extend_block(running(), "welkom", 5, at=at(9), by=HOST).show

    assert evaluate(show, at(12)).remaining_seconds == 180


@pytest.mark.parametrize(
    ("seconds_in", "remaining", "phase"),
    [
        (479, 121, "normal"),
        (479.5, 121, "normal"),  # 120.5 s left still reads 121, before amber
        (480, 120, "amber"),
        (599, 1, "amber"),
        (599.5, 1, "amber"),  # half a second left: the countdown shows 1, not 0
        (600, 0, "red"),
        (600.5, 0, "red"),
        (601, -1, "red"),
    ],
)
def test_evaluate_phase_at_the_boundaries(seconds_in: float, remaining: int, phase: str) -> None:
    reading = evaluate(running(), T0 + timedelta(seconds=seconds_in))

    assert (reading.remaining_seconds, reading.phase) == (remaining, phase)


@pytest.mark.parametrize(
    ("left", "phase"),
    [
        (timedelta(minutes=2, microseconds=1), "normal"),
        (timedelta(minutes=2), "amber"),
        (timedelta(microseconds=1), "amber"),
        (timedelta(0), "red"),
        (timedelta(minutes=-5), "red"),
    ],
)
def test_phase_for_thresholds(left: timedelta, phase: str) -> None:
    assert phase_for(left) == phase


def test_evaluate_between_blocks_is_idle_with_next() -> None:
    show = end_block(running(), "welkom", at=at(10), by=HOST).show

    reading = evaluate(show, at(11))

    assert (reading.state, reading.block_id, reading.next_title) == ("idle", None, "Lezing")


def test_evaluate_after_show_ended_is_finished() -> None:
    show = end_show(running(), at=at(60), by=HOST).show

    reading = evaluate(show, at(61))

    assert (reading.state, reading.live, reading.next_block_id) == ("finished", False, None)


def test_evaluate_every_block_done_is_finished() -> None:
    show = go_live(new_show(PLENARY), at=at(-1), by=HOST).show
    for block_id in ("welkom", "lezing", "panel", "slot"):
        show = skip_block(show, block_id, at=at(0), by=HOST).show

    assert evaluate(show, at(1)).state == "finished"


# Projection --------------------------------------------------------------------------------------


def test_project_before_the_start_follows_the_plan() -> None:
    projection = project(new_show(PLENARY), at(-30))

    assert projection == Projection(
        at=at(-30),
        blocks=(
            ProjectedBlock("welkom", "Welkom", "upcoming", at(0), at(10), at(0), at(10), 0),
            ProjectedBlock("lezing", "Lezing", "upcoming", at(10), at(30), at(10), at(30), 0),
            ProjectedBlock("panel", "Panel", "upcoming", at(30), at(60), at(30), at(60), 0),
            ProjectedBlock("slot", "Slot", "upcoming", at(60), at(65), at(60), at(65), 0),
        ),
        planned_end=at(65),
        end=at(65),
        delay_minutes=0,
    )


def test_project_nothing_started_after_planned_start_chains_from_now() -> None:
    show = go_live(new_show(PLENARY), at=at(-1), by=HOST).show

    projection = project(show, at(3))

    assert spans(projection)[0] == ("welkom", at(3), at(13), 3)
    assert (projection.end, projection.delay_minutes) == (at(68), 3)


def test_project_overrun_chains_the_later_blocks() -> None:
    show = next_block(running(), "welkom", at=at(15), by=HOST).show

    projection = project(show, at(20))

    assert spans(projection) == [
        ("welkom", at(0), at(15), 0),
        ("lezing", at(15), at(35), 5),
        ("panel", at(35), at(65), 5),
        ("slot", at(65), at(70), 5),
    ]
    assert [b.status for b in projection.blocks] == ["ended", "running", "upcoming", "upcoming"]
    assert (projection.end, projection.delay_minutes) == (at(70), 5)


def test_project_running_block_in_overtime_ends_now() -> None:
    projection = project(running(), at(13))

    assert spans(projection)[:2] == [("welkom", at(0), at(13), 0), ("lezing", at(13), at(33), 3)]
    assert projection.delay_minutes == 3


def test_project_extension_moves_the_chain() -> None:
    show = extend_block(running(), "welkom", 5, at=at(2), by=HOST).show

    projection = project(show, at(3))

    assert (spans(projection)[0], projection.delay_minutes) == (("welkom", at(0), at(15), 0), 5)


def test_project_paused_block_pushes_the_chain_while_paused() -> None:
    show = pause_block(running(), "welkom", at=at(4), by=HOST).show

    projection = project(show, at(9))

    assert spans(projection)[0] == ("welkom", at(0), at(15), 0)
    assert projection.delay_minutes == 5


def test_project_resumed_block_keeps_the_pause() -> None:
    show = pause_block(running(), "welkom", at=at(4), by=HOST).show
    show = resume_block(show, "welkom", at=at(7), by=HOST).show

    assert project(show, at(8)).delay_minutes == 3


def test_project_skipped_block_takes_no_time() -> None:
    show = skip_block(running(), "lezing", at=at(1), by=HOST).show

    projection = project(show, at(2))

    assert spans(projection)[1:3] == [
        ("lezing", None, None, None),
        ("panel", at(10), at(40), -20),
    ]
    assert (projection.blocks[1].status, projection.delay_minutes) == ("skipped", -20)


def test_project_running_ahead_gives_a_negative_delay() -> None:
    show = end_block(running(), "welkom", at=at(6), by=HOST).show

    projection = project(show, at(6))

    assert spans(projection)[1] == ("lezing", at(6), at(26), -4)
    assert projection.delay_minutes == -4


def test_project_between_blocks_starts_the_next_from_now() -> None:
    show = end_block(running(), "welkom", at=at(10), by=HOST).show

    projection = project(show, at(12))

    assert (spans(projection)[1], projection.delay_minutes) == (("lezing", at(12), at(32), 2), 2)


def test_project_after_the_show_ended_uses_its_end() -> None:
    show = next_block(running(), "welkom", at=at(10), by=HOST).show
    show = next_block(show, "lezing", at=at(30), by=HOST).show
    show = end_show(show, at=at(50), by=HOST).show

    projection = project(show, at(70))

    assert spans(projection)[2:] == [("panel", at(30), at(50), 0), ("slot", None, None, None)]
    assert projection.blocks[3].status == "not_run"
    assert (projection.end, projection.delay_minutes) == (at(50), -15)


@pytest.mark.parametrize(
    ("overrun", "delay"),
    [
        (timedelta(minutes=4, seconds=29), 4),
        (timedelta(minutes=4, seconds=30), 5),
        (timedelta(minutes=4, seconds=31), 5),
    ],
)
def test_project_delay_rounds_to_the_nearest_minute(overrun: timedelta, delay: int) -> None:
    show = end_block(running(), "welkom", at=T0 + timedelta(minutes=10) + overrun, by=HOST).show

    assert project(show, at(5)).delay_minutes == delay


@pytest.mark.parametrize(
    ("span", "minutes"),
    [
        (timedelta(0), 0),
        (timedelta(seconds=29), 0),
        (timedelta(seconds=30), 1),
        (timedelta(seconds=89), 1),
        (timedelta(seconds=90), 2),
        (timedelta(seconds=-29), 0),
        (timedelta(seconds=-30), -1),
        (timedelta(seconds=-90), -2),
        (timedelta(hours=2), 120),
    ],
)
def test_whole_minutes_rounds_halves_away_from_zero(span: timedelta, minutes: int) -> None:
    assert whole_minutes(span) == minutes


def test_project_naive_now_raises_value_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        project(new_show(PLENARY), datetime(2020, 11, 19, 13, 30))  # noqa: DTZ001


# Midnight and daylight saving --------------------------------------------------------------------

LATE = datetime(2020, 11, 19, 23, 30, tzinfo=AMSTERDAM).astimezone(UTC)
LATE_PLENARY = make_plenary(LATE, ("laat", 20), ("nacht", 40))


def test_project_across_midnight() -> None:
    show = next_block(running(LATE_PLENARY, LATE), "laat", at=at(25, LATE), by=HOST).show

    projection = project(show, at(30, LATE))

    assert local_spans(projection) == [
        ("laat", "2020-11-19T23:30:00+01:00", "2020-11-19T23:55:00+01:00"),
        ("nacht", "2020-11-19T23:55:00+01:00", "2020-11-20T00:35:00+01:00"),
    ]
    assert (projection.delay_minutes, projection.blocks[1].delay_minutes) == (5, 5)


# On 2021-10-31 Amsterdam's clocks go back at 03:00 CEST to 02:00 CET: 02:00-03:00 happens twice.
NIGHT = datetime(2021, 10, 31, 1, 30, tzinfo=AMSTERDAM).astimezone(UTC)
NIGHT_PLENARY = make_plenary(NIGHT, ("nacht", 60), ("klok", 60), ("ochtend", 60))


def test_dst_plenary_planned_in_real_minutes() -> None:
    projection = project(new_show(NIGHT_PLENARY), at(-10, NIGHT))

    assert (NIGHT, projection.planned_end) == (
        datetime(2021, 10, 30, 23, 30, tzinfo=UTC),
        datetime(2021, 10, 31, 2, 30, tzinfo=UTC),
    )
    assert local_spans(projection) == [
        ("nacht", "2021-10-31T01:30:00+02:00", "2021-10-31T02:30:00+02:00"),
        ("klok", "2021-10-31T02:30:00+02:00", "2021-10-31T02:30:00+01:00"),
        ("ochtend", "2021-10-31T02:30:00+01:00", "2021-10-31T03:30:00+01:00"),
    ]


def test_project_across_the_dst_change_with_an_overrun() -> None:
    show = next_block(running(NIGHT_PLENARY, NIGHT), "nacht", at=at(70, NIGHT), by=HOST).show
    now = datetime(2021, 10, 31, 1, 0, tzinfo=UTC)  # 02:00 CET, the second time round

    projection = project(show, now)

    assert local_spans(projection) == [
        ("nacht", "2021-10-31T01:30:00+02:00", "2021-10-31T02:40:00+02:00"),
        ("klok", "2021-10-31T02:40:00+02:00", "2021-10-31T02:40:00+01:00"),
        ("ochtend", "2021-10-31T02:40:00+01:00", "2021-10-31T03:40:00+01:00"),
    ]
    assert [b.delay_minutes for b in projection.blocks] == [0, 10, 10]
    assert projection.delay_minutes == 10
    assert evaluate(show, now).remaining_seconds == 40 * 60


def test_actual_rows_across_the_dst_change_in_local_time() -> None:
    show = next_block(running(NIGHT_PLENARY, NIGHT), "nacht", at=at(70, NIGHT), by=HOST).show
    show = end_show(show, at=at(130, NIGHT), by=HOST).show

    rows = actual_rows(show, zone=AMSTERDAM)

    assert rows[2] == (
        "klok",
        "Klok",
        "ended",
        "2021-10-31T02:30:00+02:00",
        "2021-10-31T02:30:00+01:00",
        "2021-10-31T02:40:00+02:00",
        "2021-10-31T02:40:00+01:00",
        "60",
        "60",
        "60",
        "0",
    )


# Calendar updates --------------------------------------------------------------------------------


# Breakout rounds ---------------------------------------------------------------------------------

MORNING = datetime(2020, 11, 19, 9, 30, tzinfo=UTC)  # 10:30 in Amsterdam


def make_round(round_id: str, start: datetime, minutes: int, *, cancelled: bool = False) -> Round:
    end = start + timedelta(minutes=minutes)
    return Round(round_id, round_id.title(), start, end, sessions=(), cancelled=cancelled)


def test_round_cues_open_at_start_and_warn_five_minutes_before_end() -> None:
    assert round_cues(make_round("ronde-1", MORNING, 60)) == RoundCues(
        round_id="ronde-1",
        opens_at=MORNING,
        closing_soon_at=at(55, MORNING),
        closes_at=at(60, MORNING),
    )


def test_round_cues_shorter_than_the_warning_warn_at_opening() -> None:
    cues = round_cues(make_round("kort", MORNING, 3))

    assert cues.closing_soon_at == MORNING


# Export ------------------------------------------------------------------------------------------


def exported_show() -> Show:
    show = pause_block(running(), "welkom", at=at(4), by=HOST).show
    show = resume_block(show, "welkom", at=at(6), by=HOST).show
    show = next_block(show, "welkom", at=at(12), by=HOST).show
    show = skip_block(show, "panel", at=at(13), by=HOST).show
    show = next_block(show, "lezing", at=at(30), by=HOST).show
    return end_show(show, at=at(36), by=HOST).show


def test_actual_rows_one_per_block_in_festival_time() -> None:
    rows = actual_rows(exported_show(), zone=AMSTERDAM)

    assert rows == (
        ACTUALS_HEADER,
        ("welkom", "Welkom", "ended", "2020-11-19T13:30:00+01:00", "2020-11-19T13:40:00+01:00",
         "2020-11-19T13:30:00+01:00", "2020-11-19T13:42:00+01:00", "10", "10", "12", "2"),
        ("lezing", "Lezing", "ended", "2020-11-19T13:40:00+01:00", "2020-11-19T14:00:00+01:00",
         "2020-11-19T13:42:00+01:00", "2020-11-19T14:00:00+01:00", "20", "20", "18", "0"),
        ("panel", "Panel", "skipped", "2020-11-19T14:00:00+01:00", "2020-11-19T14:30:00+01:00",
         "", "", "30", "30", "", ""),
        ("slot", "Slot", "ended", "2020-11-19T14:30:00+01:00", "2020-11-19T14:35:00+01:00",
         "2020-11-19T14:00:00+01:00", "2020-11-19T14:06:00+01:00", "5", "5", "6", "0"),
    )  # fmt: skip


def test_block_actuals_differences_in_minutes_late_and_early() -> None:
    blocks = block_actuals(exported_show())

    assert [(b.id, b.start_difference, b.end_difference) for b in blocks] == [
        ("welkom", 0, 2),  # ran 2 minutes over
        ("lezing", 2, 0),  # started late, made it up
        ("panel", None, None),  # skipped: no actual times
        ("slot", -30, -29),  # moved up into the skipped panel's time
    ]


def test_actual_rows_running_block_has_no_end_yet() -> None:
    rows = actual_rows(running())

    assert rows[1][5:] == ("2020-11-19T12:30:00+00:00", "", "10", "10", "", "")


def test_run_log_rows_one_per_event() -> None:
    events = (
        ShowEvent("show.live", at(-1), HOST),
        ShowEvent("block.extended", at(8), "host-b", "welkom", minutes=5),
        ShowEvent("block.moved", at(9), HOST, "slot", position=1),
        ShowEvent("presenter.message", at(10), HOST, text="Afronden, graag"),
    )

    assert run_log_rows(new_show(PLENARY), events, zone=AMSTERDAM) == (
        RUN_LOG_HEADER,
        ("2020-11-19T13:29:00+01:00", HOST, "show.live", "", "", "", "", ""),
        ("2020-11-19T13:38:00+01:00", "host-b", "block.extended", "welkom", "5", "", "", ""),
        ("2020-11-19T13:39:00+01:00", HOST, "block.moved", "slot", "", "1", "", ""),
        ("2020-11-19T13:40:00+01:00", HOST, "presenter.message", "", "", "", "Afronden, graag",
         ""),
    )  # fmt: skip


def test_run_log_rows_mark_a_rehearsal_until_it_is_started_over() -> None:
    start = new_show(PLENARY)
    log = []
    show = start
    for step in (
        lambda s: go_live(s, at=at(-180), by=HOST),
        lambda s: start_block(s, "welkom", at=at(-179), by=HOST),
        lambda s: end_show(s, at=at(-170), by=HOST),
        lambda s: reset_show(s, at=at(-160), by=HOST),
        lambda s: go_live(s, at=at(-2), by=HOST),
    ):
        outcome = step(show)
        show = outcome.show
        log.extend(outcome.events)

    rows = run_log_rows(start, log)

    assert [(row[2], row[7]) for row in rows[1:]] == [
        ("show.live", "yes"),
        ("block.started", "yes"),
        ("block.ended", "yes"),
        ("show.ended", "yes"),
        ("show.reset", "yes"),
        ("show.live", ""),
    ]


def test_run_log_rows_from_actions_record_who_did_what() -> None:
    show = go_live(new_show(PLENARY), at=at(-1), by=HOST)
    message = message_presenter(show.show, "Welkom!", at=at(0), by="host-b")

    rows = run_log_rows(new_show(PLENARY), (*show.events, *message.events))

    assert [row[:3] for row in rows[1:]] == [
        ("2020-11-19T12:29:00+00:00", HOST, "show.live"),
        ("2020-11-19T12:30:00+00:00", "host-b", "presenter.message"),
    ]


def test_write_csv_quotes_as_the_csv_module_does() -> None:
    out = io.StringIO()

    write_csv(
        [RUN_LOG_HEADER, ("2020-11-19T13:40:00+01:00", HOST, "presenter.message", "", "", "",
                          "Afronden, graag", "")],
        out,
    )  # fmt: skip

    assert out.getvalue() == (
        "at,by,type,block_id,minutes,position,text,rehearsal\r\n"
        '2020-11-19T13:40:00+01:00,host-a,presenter.message,,,,"Afronden, graag",\r\n'
    )


def test_write_csv_keeps_formulas_as_text() -> None:
    out = io.StringIO()

    write_csv([("=HYPERLINK(1)", "-5 minuten", "@x", "13:40")], out)

    assert out.getvalue() == "'=HYPERLINK(1),'-5 minuten,'@x,13:40\r\n"


def test_round_rows_keep_the_programme_clock() -> None:
    rounds = [
        make_round("ronde-1", MORNING, 60),
        make_round("ronde-2", MORNING + timedelta(minutes=90), 60),
        make_round("ronde-3", MORNING + timedelta(minutes=180), 60, cancelled=True),
    ]

    rows = round_rows(rounds, MORNING + timedelta(minutes=100), zone=AMSTERDAM)

    assert rows == (
        ("ronde-1", "Ronde-1", "ended", "2020-11-19T10:30:00+01:00", "2020-11-19T11:30:00+01:00",
         "2020-11-19T10:30:00+01:00", "2020-11-19T11:30:00+01:00", "60", "60", "60", "0"),
        ("ronde-2", "Ronde-2", "running", "2020-11-19T12:00:00+01:00", "2020-11-19T13:00:00+01:00",
         "2020-11-19T12:00:00+01:00", "", "60", "60", "", ""),
        ("ronde-3", "Ronde-3", "skipped", "2020-11-19T13:30:00+01:00", "2020-11-19T14:30:00+01:00",
         "", "", "60", "60", "", ""),
    )  # fmt: skip
    assert all(len(row) == len(ACTUALS_HEADER) for row in rows)
