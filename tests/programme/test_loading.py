"""Tests for festival.programme.loading: programme files in, `Festival` or every problem out.

Each bad-file test builds a small programme (a valid `[festival]` table plus a few entries),
and checks the exact lines a user would see from `festival check`: `FILE:LINE: message`.
Line numbers are looked up in the test's own text by a snippet of the offending line, so a
reader can see which line is meant without counting.
"""

import re
import tomllib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from festival.errors import ProgrammeError
from festival.programme.loading import (
    BLOCK_KEYS,
    FESTIVAL_KEYS,
    ITEM_KEYS,
    NOMINEE_KEYS,
    PERSON_KEYS,
    PLENARY_KEYS,
    ROUND_KEYS,
    SESSION_KEYS,
    TOP_KEYS,
    VOTE_KEYS,
    parse_programme,
    read_programme,
)
from festival.programme.model import Festival

ROOT = Path(__file__).resolve().parents[2]
SCHEDULES = sorted((ROOT / "schedules").glob("*.toml"))
DOCS = ROOT / "docs" / "programme-format.md"
FILE = "demo.toml"

# -- building programme texts ------------------------------------------------------------------

FESTIVAL_FIELDS: dict[str, str] = {
    "slug": '"demo-day"',
    "title": '"Demo day"',
    "date": "2020-11-19",
    "timezone": '"Europe/Amsterdam"',
    "language": '"nl"',
    "mode": '"online"',
}


def programme(*parts: str, **festival: str | None) -> str:
    """A valid `[festival]` table followed by `parts`.

    Keyword arguments are festival fields as raw TOML values: they replace the defaults,
    add fields (or unknown keys), and `None` leaves a field out.
    """
    fields = {**FESTIVAL_FIELDS, **festival}
    lines = [
        "[festival]",
        *(f"{key} = {value}" for key, value in fields.items() if value is not None),
    ]
    return "\n".join(lines) + "\n" + "".join(parts)


def round_(round_id: str, start: str, end: str, *sessions: str) -> str:
    """A `[[round]]`; `start` and `end` are raw TOML values."""
    head = [
        "",
        "[[round]]",
        f'id = "{round_id}"',
        f'title = "Round {round_id}"',
        f"start = {start}",
        f"end = {end}",
    ]
    return "\n".join(head) + "\n" + "".join(sessions)


def session(session_id: str, *lines: str) -> str:
    """A `[[round.session]]` with extra raw TOML `lines`."""
    body = ["  [[round.session]]", f'  id = "{session_id}"', f'  title = "Session {session_id}"']
    return "\n".join([*body, *(f"  {line}" for line in lines)]) + "\n"


def plenary(start: str, end: str, *blocks: str) -> str:
    head = ["", "[plenary]", 'title = "Afternoon"', f"start = {start}", f"end = {end}"]
    return "\n".join(head) + "\n" + "".join(blocks)


def block(block_id: str, minutes: int, *lines: str) -> str:
    body = [
        "  [[plenary.block]]",
        f'  id = "{block_id}"',
        '  kind = "other"',
        f'  title = "Block {block_id}"',
        f"  minutes = {minutes}",
    ]
    return "\n".join([*body, *(f"  {line}" for line in lines)]) + "\n"


def item(item_id: str, start: str, end: str, *lines: str) -> str:
    body = [
        "",
        "[[item]]",
        f'id = "{item_id}"',
        'kind = "other"',
        f'title = "Item {item_id}"',
        f"start = {start}",
        f"end = {end}",
    ]
    return "\n".join([*body, *lines]) + "\n"


def lines_with(text: str, snippet: str) -> list[int]:
    """1-based numbers of the lines of `text` that contain `snippet`."""
    return [n for n, line in enumerate(text.splitlines(), start=1) if snippet in line]


def line_of(text: str, snippet: str) -> int:
    """The number of the one line of `text` that contains `snippet`."""
    found = lines_with(text, snippet)
    assert len(found) == 1, f"{snippet!r} is on lines {found}, expected exactly one"
    return found[0]


def problems_in(text: str) -> list[str]:
    """What `festival check` would print for `text` (it must be invalid)."""
    with pytest.raises(ProgrammeError) as caught:
        parse_programme(text, FILE)
    return [str(problem) for problem in caught.value.problems]


def load(text: str, *, on_date: date | None = None) -> Festival:
    return parse_programme(text, FILE, on_date=on_date)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


ONE_ROUND = round_("r1", "10:00:00", "11:00:00", session("s1"))

# -- a valid file --------------------------------------------------------------------------


def test_parse_programme_minimal_festival_loads() -> None:
    festival = load(programme())

    assert (festival.slug, festival.title, festival.date) == (
        "demo-day",
        "Demo day",
        date(2020, 11, 19),
    )
    assert (festival.timezone, festival.language, festival.mode) == (
        "Europe/Amsterdam",
        "nl",
        "online",
    )
    assert (festival.rounds, festival.plenary, festival.items, festival.votes) == ((), None, (), ())


def test_parse_programme_round_item_and_plenary_load_in_utc() -> None:
    text = programme(
        ONE_ROUND,
        item("lunch", "12:00:00", "13:00:00"),
        plenary("13:30:00", "14:00:00", block("talk", 30)),
    )

    festival = load(text)

    (round_1,) = festival.rounds
    assert (round_1.start, round_1.end) == (utc(2020, 11, 19, 9), utc(2020, 11, 19, 10))
    assert [s.id for s in round_1.sessions] == ["s1"]
    assert (festival.items[0].start, festival.items[0].end) == (
        utc(2020, 11, 19, 11),
        utc(2020, 11, 19, 12),
    )
    assert festival.plenary is not None
    assert festival.plenary.blocks[0].end == utc(2020, 11, 19, 13)


def test_read_programme_valid_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    path.write_text(programme(ONE_ROUND), encoding="utf-8")

    festival = read_programme(path)

    assert festival.slug == "demo-day"
    assert [r.id for r in festival.rounds] == ["r1"]


# -- file-level problems ---------------------------------------------------------------------


def test_read_programme_missing_file_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"

    with pytest.raises(ProgrammeError) as caught:
        read_programme(path)

    assert [str(p) for p in caught.value.problems] == [
        f"{path}: cannot read: No such file or directory"
    ]


def test_read_programme_not_utf8_reports_the_line(tmp_path: Path) -> None:
    text = programme(theme='"Caf\u00e9 day"')
    path = tmp_path / "latin1.toml"
    path.write_bytes(text.encode("latin-1"))

    with pytest.raises(ProgrammeError) as caught:
        read_programme(path)

    assert [str(p) for p in caught.value.problems] == [
        f"{path}:{line_of(text, 'theme')}: file is not UTF-8 text"
    ]


def test_parse_programme_toml_syntax_error_reports_the_line() -> None:
    text = programme(round_("r1", "10:00:00", "11:00:00", session("s1", "capacity = = 25")))

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'capacity')}: TOML syntax error: Invalid value"
    ]


# -- keys ------------------------------------------------------------------------------------


def test_parse_programme_unknown_key_suggests_the_close_one() -> None:
    text = programme(round_("r1", "10:00:00", "11:00:00", session("s1", "capacty = 25")))

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'capacty')}: unknown key 'capacty' in round[0].session[0] "
        "(did you mean 'capacity'?)"
    ]


def test_parse_programme_unknown_key_without_close_match_has_no_suggestion() -> None:
    text = programme(colour='"red"')

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'colour')}: unknown key 'colour' in festival"
    ]


def test_parse_programme_missing_festival_slug_is_reported_on_the_table() -> None:
    text = programme(slug=None)

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, '[festival]')}: missing required field festival.slug"
    ]


def test_parse_programme_missing_round_end_is_reported_on_the_round() -> None:
    text = programme(
        round_("r1", "10:00:00", "11:00:00", session("s1")).replace("end = 11:00:00\n", "")
    )

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, '[[round]]')}: missing required field round[0].end"
    ]


def test_parse_programme_missing_session_title_is_reported_on_the_session() -> None:
    text = programme(ONE_ROUND.replace('  title = "Session s1"\n', ""))

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, '[[round.session]]')}: "
        "missing required field round[0].session[0].title"
    ]


def test_parse_programme_missing_block_minutes_is_reported_on_the_block() -> None:
    text = programme(
        plenary("13:30:00", "14:00:00", block("talk", 30).replace("  minutes = 30\n", ""))
    )

    problems = problems_in(text)

    assert problems == [
        f"{FILE}:{line_of(text, '[[plenary.block]]')}: "
        "missing required field plenary.block[0].minutes"
    ]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("language", '"de"', "festival.language must be one of nl, en; got 'de'"),
        ("mode", '"Online"', "festival.mode must be one of online, onsite, hybrid; got 'Online'"),
    ],
)
def test_parse_programme_festival_value_outside_its_set_is_reported(
    field: str, value: str, expected: str
) -> None:
    text = programme(**{field: value})

    assert problems_in(text) == [f"{FILE}:{line_of(text, field)}: {expected}"]


def test_parse_programme_session_language_outside_its_set_is_reported() -> None:
    text = programme(round_("r1", "10:00:00", "11:00:00", session("s1", 'language = "fr"')))

    language_line = line_of(text, 'language = "fr"')

    assert problems_in(text) == [
        f"{FILE}:{language_line}: round[0].session[0].language must be one of nl, en; got 'fr'"
    ]


# -- times and dates -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["25:00", "10.30"])
def test_parse_programme_bad_time_is_reported(value: str) -> None:
    text = programme(round_("r1", f'"{value}"', "11:00:00", session("s1")))

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'start')}: round[0].start must be a local time like 10:30:00, "
        f"got '{value}'"
    ]


def test_parse_programme_bad_date_is_reported() -> None:
    text = programme(date='"19-11-2020"')

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'date')}: festival.date must be a date like 2020-11-19, "
        "got '19-11-2020'"
    ]


def test_parse_programme_round_end_before_start_is_reported() -> None:
    text = programme(round_("r1", "11:00:00", "10:00:00", session("s1")))

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'end =')}: round[0] ends at 10:00, not after its start 11:00"
    ]


def test_parse_programme_item_end_before_start_is_reported() -> None:
    text = programme(item("lunch", "13:00:00", "12:00:00"))

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'end =')}: item[0] ends at 12:00, not after its start 13:00"
    ]


def test_parse_programme_end_equal_to_start_is_reported() -> None:
    text = programme(round_("r1", "10:00:00", "10:00:00", session("s1")))

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'end =')}: round[0] ends at 10:00, not after its start 10:00"
    ]


def test_parse_programme_registration_closes_before_opens_is_reported() -> None:
    text = programme(
        registration_opens="2020-11-01T09:00:00", registration_closes="2020-10-01T09:00:00"
    )

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'registration_closes')}: "
        "festival.registration_closes must be after festival.registration_opens"
    ]


def test_parse_programme_unknown_time_zone_is_reported() -> None:
    text = programme(timezone='"Europe/Amsterdm"')

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'timezone')}: festival.timezone 'Europe/Amsterdm' is not a known "
        "IANA time zone (e.g. Europe/Amsterdam)"
    ]


# -- daylight saving -------------------------------------------------------------------------


def test_parse_programme_time_in_spring_gap_is_reported() -> None:
    text = programme(round_("r1", "02:30:00", "04:00:00", session("s1")), date="2021-03-28")

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'start')}: round[0].start 02:30 does not exist on 2021-03-28 in "
        "Europe/Amsterdam (the clocks skip it for daylight saving)"
    ]


def test_parse_programme_round_across_spring_gap_loads_in_real_time() -> None:
    text = programme(round_("r1", "01:30:00", "03:00:00", session("s1")), date="2021-03-28")

    festival = load(text)

    (round_1,) = festival.rounds
    assert (round_1.start, round_1.end) == (utc(2021, 3, 28, 0, 30), utc(2021, 3, 28, 1))


def test_parse_programme_ambiguous_autumn_time_means_first_occurrence() -> None:
    text = programme(round_("r1", "02:30:00", "04:00:00", session("s1")), date="2021-10-31")

    festival = load(text)

    (round_1,) = festival.rounds
    # 02:30 summer time (+02:00) is 00:30 UTC; 04:00 winter time (+01:00) is 03:00 UTC.
    assert (round_1.start, round_1.end) == (utc(2021, 10, 31, 0, 30), utc(2021, 10, 31, 3))


def test_parse_programme_plenary_across_autumn_change_counts_real_minutes() -> None:
    text = programme(plenary("01:30:00", "03:30:00", block("night", 180)), date="2021-10-31")

    festival = load(text)

    assert festival.plenary is not None
    assert festival.plenary.blocks[0].end == festival.plenary.end == utc(2021, 10, 31, 2, 30)


# -- ids -------------------------------------------------------------------------------------


def test_parse_programme_uppercase_id_is_reported() -> None:
    text = programme(round_("Ronde-1", "10:00:00", "11:00:00", session("s1")))
    id_line = line_of(text, 'id = "Ronde-1"')

    assert problems_in(text) == [
        f"{FILE}:{id_line}: round[0].id must be lowercase letters, digits and "
        "hyphens (at most 64), got 'Ronde-1'"
    ]


def test_parse_programme_uppercase_slug_is_reported() -> None:
    text = programme(slug='"Demo-Day"')

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'slug')}: festival.slug must be lowercase letters, digits and "
        "hyphens (at most 64), got 'Demo-Day'"
    ]


def test_parse_programme_duplicate_id_of_same_kind_names_the_first_line() -> None:
    text = programme(
        round_("r1", "10:00:00", "11:00:00", session("talk")),
        round_("r2", "11:00:00", "12:00:00", session("talk")),
    )
    first_id, second_id = lines_with(text, 'id = "talk"')

    assert problems_in(text) == [
        f"{FILE}:{second_id}: duplicate id 'talk': already used by round[0].session[0] "
        f"on line {first_id}"
    ]


def test_parse_programme_duplicate_id_across_kinds_names_the_first_line() -> None:
    text = programme(ONE_ROUND, item("s1", "12:00:00", "13:00:00"))
    session_id, item_id = lines_with(text, 'id = "s1"')

    assert problems_in(text) == [
        f"{FILE}:{item_id}: duplicate id 's1': already used by "
        f"round[0].session[0] on line {session_id}"
    ]


@pytest.mark.parametrize("reserved", ["plenary", "show"])
def test_parse_programme_reserved_id_is_reported(reserved: str) -> None:
    text = programme(round_("r1", "10:00:00", "11:00:00", session(reserved)))
    id_line = line_of(text, f'id = "{reserved}"')

    assert problems_in(text) == [
        f"{FILE}:{id_line}: id '{reserved}' is reserved for a live channel; choose another"
    ]


# -- numbers and URLs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [("0", "0"), ("-1", "-1"), ("true", "true"), ('"25"', "'25'")],
)
def test_parse_programme_bad_capacity_is_reported(value: str, shown: str) -> None:
    text = programme(round_("r1", "10:00:00", "11:00:00", session("s1", f"capacity = {value}")))

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'capacity')}: round[0].session[0].capacity must be a whole "
        f"number greater than 0, got {shown}"
    ]


def test_parse_programme_zero_seats_is_reported() -> None:
    text = programme(round_("r1", "10:00:00", "11:00:00", session("s1", "seats = 0")))

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'seats')}: round[0].session[0].seats must be a whole number "
        "greater than 0, got 0"
    ]


@pytest.mark.parametrize(
    "url",
    [
        "meet.example.org/room-1",
        "ftp://files.example.org/slides.pdf",
        "https://meet.example.org/room 1",
        "https:///room-1",
    ],
    ids=["no-scheme", "ftp", "space", "no-host"],
)
def test_parse_programme_malformed_url_is_reported(url: str) -> None:
    text = programme(round_("r1", "10:00:00", "11:00:00", session("s1", f'join_url = "{url}"')))

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'join_url')}: round[0].session[0].join_url is not a valid "
        f"http(s) URL: {url!r}"
    ]


# -- overlaps and the plenary ----------------------------------------------------------------


def test_parse_programme_overlapping_rounds_are_reported_on_the_later_round() -> None:
    text = programme(
        round_("r1", "10:00:00", "11:00:00", session("s1")),
        round_("r2", "10:30:00", "11:30:00", session("s2")),
    )
    later = lines_with(text, "[[round]]")[1]

    assert problems_in(text) == [
        f"{FILE}:{later}: round 'r2' (10:30–11:30) overlaps round 'r1' (10:00–11:00)"
    ]


def test_parse_programme_rounds_that_touch_do_not_overlap() -> None:
    text = programme(
        round_("r1", "10:00:00", "11:00:00", session("s1")),
        round_("r2", "11:00:00", "12:00:00", session("s2")),
    )

    assert [r.id for r in load(text).rounds] == ["r1", "r2"]


def test_parse_programme_round_overlapping_the_plenary_is_reported() -> None:
    text = programme(
        round_("r1", "13:00:00", "14:00:00", session("s1")),
        plenary("13:30:00", "14:30:00", block("talk", 60)),
    )

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, '[[round]]')}: round 'r1' (13:00–14:00) overlaps the plenary "
        "(13:30–14:30)"
    ]


def test_parse_programme_item_overlapping_the_plenary_is_reported() -> None:
    text = programme(
        plenary("13:30:00", "14:30:00", block("talk", 60)),
        item("drinks", "14:15:00", "15:00:00"),
    )

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, '[[item]]')}: item 'drinks' (14:15–15:00) overlaps the plenary "
        "(13:30–14:30)"
    ]


def test_parse_programme_plenary_blocks_longer_than_plenary_are_reported() -> None:
    text = programme(plenary("13:30:00", "15:00:00", block("talk", 60), block("panel", 40)))

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'end = 15:00:00')}: plenary blocks take 100 minutes and end at "
        "15:10, 10 minutes after the stated end 15:00 (90 minutes from 13:30)"
    ]


def test_parse_programme_plenary_blocks_shorter_than_plenary_are_reported() -> None:
    text = programme(plenary("13:30:00", "15:00:00", block("talk", 60), block("panel", 20)))

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'end = 15:00:00')}: plenary blocks take 80 minutes and end at "
        "14:50, 10 minutes before the stated end 15:00 (90 minutes from 13:30)"
    ]


def test_parse_programme_plenary_blocks_chain_from_the_start() -> None:
    text = programme(plenary("13:30:00", "15:00:00", block("talk", 60), block("panel", 30)))

    festival = load(text)

    assert festival.plenary is not None
    assert [(b.id, b.start, b.end) for b in festival.plenary.blocks] == [
        ("talk", utc(2020, 11, 19, 12, 30), utc(2020, 11, 19, 13, 30)),
        ("panel", utc(2020, 11, 19, 13, 30), utc(2020, 11, 19, 14)),
    ]


def test_parse_programme_plenary_end_with_spare_seconds_is_reported() -> None:
    # 13:00:00 to 14:00:30 is 60.5 minutes; whole-minute blocks can never add up to it exactly.
    text = programme(plenary("13:00:00", "14:00:30", block("talk", 60)))

    problems = problems_in(text)

    assert [p.split(": ", 1)[0] for p in problems] == [f"{FILE}:{line_of(text, 'end = 14:00:30')}"]


def test_parse_programme_bad_block_minutes_adds_no_misleading_total() -> None:
    # Only the 0 is wrong: 30 + 30 fit the hour, and no block should be silently dropped.
    text = programme(plenary("13:00:00", "14:00:00", block("a", 30), block("b", 0), block("c", 30)))

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'minutes = 0')}: plenary.block[1].minutes must be a whole number "
        "greater than 0, got 0"
    ]


# -- people ----------------------------------------------------------------------------------


def test_parse_programme_host_of_two_sessions_in_one_round_is_reported() -> None:
    text = programme(
        round_(
            "r1",
            "10:00:00",
            "11:00:00",
            session("s1", 'hosts = [{ name = "Ann de Vries" }]'),
            session("s2", 'hosts = [{ name = "Ann de Vries" }]'),
        )
    )
    second = lines_with(text, "[[round.session]]")[1]

    assert problems_in(text) == [
        f"{FILE}:{second}: Ann de Vries is in two places at once: session 's2' (10:00–11:00) "
        "and session 's1' (10:00–11:00)"
    ]


def test_parse_programme_host_also_in_overlapping_item_is_reported() -> None:
    text = programme(
        round_("r1", "10:00:00", "11:00:00", session("s1", 'hosts = [{ name = "Ann" }]')),
        item("tables", "10:30:00", "12:00:00", 'people = [{ name = "Ann" }]'),
    )

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, '[[item]]')}: Ann is in two places at once: item 'tables' "
        "(10:30–12:00) and session 's1' (10:00–11:00)"
    ]


def test_parse_programme_person_in_two_plenary_blocks_is_fine() -> None:
    text = programme(
        plenary(
            "13:30:00",
            "14:30:00",
            block("opening", 10, 'people = [{ name = "Eva" }]'),
            block("talk", 40),
            block("closing", 10, 'people = [{ name = "Eva" }]'),
        )
    )

    festival = load(text)

    assert festival.plenary is not None
    assert [b.id for b in festival.plenary.blocks if b.people] == ["opening", "closing"]


# -- many problems ---------------------------------------------------------------------------


def test_parse_programme_reports_every_problem_sorted_by_line() -> None:
    text = programme(
        round_("r1", "10:00:00", "11:00:00", session("s1", "capacity = 0")),
        round_("r2", "10:30:00", "11:30:00", session("s2", "capcity = 3")),
        item("lunch", '"25:00"', "13:00:00"),
        mode='"party"',
        website='"www.example.org"',
    )
    later_round = lines_with(text, "[[round]]")[1]

    problems = problems_in(text)

    assert problems == [
        f"{FILE}:{line_of(text, 'mode')}: festival.mode must be one of online, onsite, hybrid; "
        "got 'party'",
        f"{FILE}:{line_of(text, 'website')}: festival.website is not a valid http(s) URL: "
        "'www.example.org'",
        f"{FILE}:{line_of(text, 'capacity = 0')}: round[0].session[0].capacity must be a whole "
        "number greater than 0, got 0",
        f"{FILE}:{later_round}: round 'r2' (10:30–11:30) overlaps round 'r1' (10:00–11:00)",
        f"{FILE}:{line_of(text, 'capcity')}: unknown key 'capcity' in round[1].session[0] "
        "(did you mean 'capacity'?)",
        f"{FILE}:{line_of(text, '25:00')}: item[0].start must be a local time like 10:30:00, "
        "got '25:00'",
    ]


def test_parse_programme_session_problems_reported_when_round_times_are_bad() -> None:
    # The round's end is wrong, and so is the session's capacity: both must be reported.
    text = programme(round_("r1", "11:00:00", "10:00:00", session("s1", "capacity = 0")))

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'end =')}: round[0] ends at 10:00, not after its start 11:00",
        f"{FILE}:{line_of(text, 'capacity')}: round[0].session[0].capacity must be a whole "
        "number greater than 0, got 0",
    ]


# -- on_date ---------------------------------------------------------------------------------

FULL_DAY = programme(
    round_("r1", "10:00:00", "11:00:00", session("s1")),
    item("lunch", "12:00:00", "13:00:00"),
    plenary("13:30:00", "14:00:00", block("talk", 30)),
    "\n[[vote]]\n"
    'id = "award"\n'
    'title = "Award"\n'
    "opens = 2020-11-18T09:00:00\n"
    "closes = 2020-11-19T14:00:00\n",
    registration_opens="2020-11-01T09:00:00",
    registration_closes="2020-11-18T17:00:00",
)


def moments(festival: Festival) -> list[datetime]:
    """Every moment in `festival`, in a fixed order."""
    assert festival.plenary is not None
    found = [
        festival.registration_opens,
        festival.registration_closes,
        *(t for r in festival.rounds for t in (r.start, r.end)),
        *(t for _, s in festival.sessions() for t in (s.start, s.end)),
        *(t for i in festival.items for t in (i.start, i.end)),
        festival.plenary.start,
        festival.plenary.end,
        *(t for b in festival.plenary.blocks for t in (b.start, b.end)),
        *(t for v in festival.votes for t in (v.opens, v.closes)),
    ]
    return [t for t in found if t is not None]


def test_parse_programme_on_date_moves_every_time_by_the_same_days() -> None:
    planned = load(FULL_DAY)

    moved = load(FULL_DAY, on_date=date(2020, 11, 26))

    assert moved.date == date(2020, 11, 26)
    assert [m - p for m, p in zip(moments(moved), moments(planned), strict=True)] == [
        timedelta(days=7)
    ] * len(moments(planned))


def test_parse_programme_on_date_across_dst_keeps_wall_clock_times() -> None:
    planned = load(FULL_DAY)

    moved = load(FULL_DAY, on_date=date(2021, 6, 1))

    days = date(2021, 6, 1) - date(2020, 11, 19)
    wall = [planned.local(m).replace(tzinfo=None) for m in moments(planned)]
    moved_wall = [moved.local(m).replace(tzinfo=None) for m in moments(moved)]
    assert [m - w for m, w in zip(moved_wall, wall, strict=True)] == [days] * len(wall)
    # Winter (+01:00) to summer (+02:00): the same 10:00 is an hour earlier in UTC.
    assert (planned.rounds[0].start, moved.rounds[0].start) == (
        utc(2020, 11, 19, 9),
        utc(2021, 6, 1, 8),
    )


# -- the real schedules and the documented example -------------------------------------------


def test_schedules_folder_has_files() -> None:
    assert len(SCHEDULES) >= 1


@pytest.mark.parametrize("path", SCHEDULES, ids=[p.name for p in SCHEDULES])
def test_read_programme_every_schedule_loads(path: Path) -> None:
    festival = read_programme(path)

    assert festival.slug == path.stem


def read_2020() -> Festival:
    return read_programme(ROOT / "schedules" / "agenda-sociaal-werk-2020.toml")


def test_schedule_2020_has_two_rounds_of_eleven_sessions() -> None:
    festival = read_2020()

    assert [(r.id, len(r.sessions)) for r in festival.rounds] == [("ronde-1", 6), ("ronde-2", 5)]
    assert len(list(festival.sessions())) == 11


def test_schedule_2020_plenary_runs_1330_to_1515_amsterdam() -> None:
    festival = read_2020()

    plenary_ = festival.plenary
    assert plenary_ is not None
    assert (plenary_.start, plenary_.end) == (utc(2020, 11, 19, 12, 30), utc(2020, 11, 19, 14, 15))
    assert (festival.local(plenary_.start).time(), festival.local(plenary_.end).time()) == (
        time(13, 30),
        time(15, 15),
    )


def test_schedule_2020_plenary_blocks_chain() -> None:
    plenary_ = read_2020().plenary

    assert plenary_ is not None
    starts = [b.start for b in plenary_.blocks]
    assert starts == [plenary_.start, *(b.end for b in plenary_.blocks[:-1])]
    assert plenary_.blocks[-1].end == plenary_.end


def test_schedule_2020_times_are_aware_utc() -> None:
    festival = read_2020()

    assert festival.plenary is not None
    times = [
        *(t for r in festival.rounds for t in (r.start, r.end)),
        *(t for _, s in festival.sessions() for t in (s.start, s.end)),
        festival.plenary.start,
        festival.plenary.end,
        *(b.start for b in festival.plenary.blocks),
    ]
    assert {t.tzinfo for t in times} == {UTC}


def docs_example() -> str:
    """The TOML of the 'Complete example' section of the format documentation."""
    section = DOCS.read_text(encoding="utf-8").split("\n## Complete example\n", 1)[1]
    blocks = re.findall(r"^```toml\n(.*?)^```$", section, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1
    return blocks[0]


def test_docs_complete_example_loads() -> None:
    festival = parse_programme(docs_example(), "programme-format.md")

    assert festival.slug == "demo-festival-2025"
    assert festival.plenary is not None
    assert sum(b.minutes for b in festival.plenary.blocks) == 60


def test_docs_complete_example_uses_every_table_and_field() -> None:
    data = tomllib.loads(docs_example())

    def keys(tables: list[dict[str, Any]]) -> set[str]:
        return {key for table in tables for key in table}

    sessions = [s for r in data["round"] for s in r["session"]]
    people = [
        *(p for s in sessions for p in s.get("hosts", [])),
        *(p for b in data["plenary"]["block"] for p in b.get("people", [])),
        *(p for i in data["item"] for p in i.get("people", [])),
    ]
    nominees = [n for v in data["vote"] for n in v.get("nominees", [])]
    assert set(data) == set(TOP_KEYS)
    assert set(data["festival"]) == set(FESTIVAL_KEYS)
    assert keys(data["round"]) == set(ROUND_KEYS)
    assert keys(sessions) == set(SESSION_KEYS)
    assert set(data["plenary"]) == set(PLENARY_KEYS)
    assert keys(data["plenary"]["block"]) == set(BLOCK_KEYS)
    assert keys(data["item"]) == set(ITEM_KEYS)
    assert keys(data["vote"]) == set(VOTE_KEYS)
    assert keys(people) == set(PERSON_KEYS)
    assert keys(nominees) == set(NOMINEE_KEYS)


@pytest.mark.parametrize("slug", ["admin", "api", "register", "join"])
def test_parse_programme_slug_shadowing_the_service_s_paths_is_reported(slug: str) -> None:
    text = programme(slug=f'"{slug}"')

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'slug')}: festival.slug '{slug}' would shadow the service's "
        f"own /{slug} pages; choose another"
    ]


# -- the organiser's report ----------------------------------------------------------------


def test_parse_programme_report_is_kept_as_written() -> None:
    festival = load(programme(report='"""\nThank you **all**.\n\n- one\n- two\n"""'))

    assert festival.report == "Thank you **all**.\n\n- one\n- two"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", "festival.report must be text, got a number"),
        ('["a", "b"]', "festival.report must be text, got an array"),
        (f'"{"x" * 20_001}"', "festival.report is longer than 20000 characters"),
    ],
)
def test_parse_programme_bad_report_is_reported(value: str, expected: str) -> None:
    text = programme(report=value)

    assert problems_in(text) == [f"{FILE}:{line_of(text, 'report = ')}: {expected}"]


# -- certificates of attendance ----------------------------------------------------------------


def test_parse_programme_reads_the_certificate_minimum_and_accreditation() -> None:
    text = programme(certificate_minimum_minutes="90", accreditation='"Registerplein: 2 punten"')

    festival = load(text)

    assert (festival.certificate_minimum_minutes, festival.accreditation) == (
        90,
        "Registerplein: 2 punten",
    )


def test_parse_programme_without_a_certificate_minimum_gives_no_certificates() -> None:
    assert load(programme()).certificate_minimum_minutes == 0


@pytest.mark.parametrize(
    ("value", "shown"), [("-1", "-1"), ("true", "true"), ('"60"', "'60'"), ("1.5", "1.5")]
)
def test_parse_programme_bad_certificate_minimum_is_reported(value: str, shown: str) -> None:
    text = programme(certificate_minimum_minutes=value)

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'certificate_minimum_minutes')}: festival."
        f"certificate_minimum_minutes must be a whole number 0 or more, got {shown}"
    ]


# -- reconfirmation of places ------------------------------------------------------------------


def test_parse_programme_reads_reconfirm_days_before() -> None:
    assert load(programme(reconfirm_days_before="5")).reconfirm_days_before == 5


def test_parse_programme_without_reconfirm_days_before_asks_nobody() -> None:
    assert load(programme()).reconfirm_days_before == 0


@pytest.mark.parametrize(
    ("value", "shown"), [("-2", "-2"), ("false", "false"), ('"3"', "'3'"), ("2.5", "2.5")]
)
def test_parse_programme_bad_reconfirm_days_before_is_reported(value: str, shown: str) -> None:
    text = programme(reconfirm_days_before=value)

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'reconfirm_days_before')}: festival."
        f"reconfirm_days_before must be a whole number 0 or more, got {shown}"
    ]


def test_parse_programme_accreditation_that_is_not_text_is_reported() -> None:
    text = programme(accreditation="2")

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'accreditation')}: festival.accreditation must be text, "
        "got a number"
    ]
