"""Tests for festival.programme.positions: key paths mapped to source lines."""

import tomllib
from typing import Any

from festival.programme.positions import KeyPath, line_of, locate_keys

SCHEDULE = """\
[festival]
slug = "x"
[[round]]
id = "r1"
  [[round.session]]
  id = "s1"
  hosts = [
    { name = "A", organisation = "B" },
    { name = "C" },
  ]
[[round]]
id = "r2"
[plenary]
"quoted key" = 1
a.b.c = 2
"""

STRINGS = '''\
[festival]
title = "Open # Day"  # a real comment
motto = 'C:\\path # not a comment'
escaped = "say \\"hi\\" # still a string"
notes = """
not_a_key = 1
[not_a_table]
a " and "" inside"""
verbatim = \'\'\'
fake = "value"
# not a comment either
\'\'\'
tail = """ends with two quotes"""""
after = 1
'''

NESTED = """\
[venue]
grid = [
  [1, 2],
  [
    3,  # comment between elements
    4,
  ],
]
rooms = [{ name = "Hall", tags = [
  "big",
  "loud",
] }, { name = "Annex" }]
dates = [1979-05-27 07:32:00Z, 1979-05-28]
last = true
"""

HEADERS = """\
[ a . b ]
x = 1
[ "quoted part" . 'lit' ]
y = 2
[[a.list]]
z = 3
[[ a.list ]]
z = 4
"""

NESTED_ARRAYS = """\
[[day]]
name = "Mon"
[[day.slot]]
at = "09:00"
[[day.slot]]
at = "10:00"
[day.slot.room]
name = "Hall"
[[day]]
name = "Tue"
[[day.slot]]
at = "11:00"
"""

EDGES = """\
empty_basic = ""
empty_literal = ''
quotes = '''''y'''''
continued = \"\"\"\\
  line \\
  \"\"\"
"" = 0
"dot.ted" = 1
[x."y.z".'w']
k = [ # comment
  # another
  { a = [ [ ], [ { } ] ] },
]
p.q = { r.s = 1, t = { u = 2 } }
"""

SAMPLES = [SCHEDULE, STRINGS, NESTED, HEADERS, NESTED_ARRAYS, EDGES]


def _key_paths(data: Any, prefix: KeyPath = ()) -> list[KeyPath]:
    """Every key path in parsed TOML data, walking into dicts and lists."""
    paths: list[KeyPath] = []
    if isinstance(data, dict):
        items: list[tuple[str | int, Any]] = list(data.items())
    elif isinstance(data, list):
        items = list(enumerate(data))
    else:
        return paths
    for key, value in items:
        path = (*prefix, key)
        paths.append(path)
        paths.extend(_key_paths(value, path))
    return paths


def test_locate_keys_table_and_key() -> None:
    positions = locate_keys(SCHEDULE)
    assert positions[("festival",)] == 1
    assert positions[("festival", "slug")] == 2


def test_locate_keys_array_of_tables_first_occurrence() -> None:
    positions = locate_keys(SCHEDULE)
    assert positions[("round",)] == 3
    assert positions[("round", 0)] == 3
    assert positions[("round", 0, "id")] == 4
    assert positions[("round", 1)] == 11
    assert positions[("round", 1, "id")] == 12


def test_locate_keys_nested_array_of_tables_under_latest_parent() -> None:
    positions = locate_keys(SCHEDULE)
    assert positions[("round", 0, "session")] == 5
    assert positions[("round", 0, "session", 0)] == 5
    assert positions[("round", 0, "session", 0, "id")] == 6


def test_locate_keys_multiline_array_of_inline_tables() -> None:
    positions = locate_keys(SCHEDULE)
    hosts: KeyPath = ("round", 0, "session", 0, "hosts")
    assert positions[hosts] == 7
    assert positions[(*hosts, 0)] == 8
    assert positions[(*hosts, 0, "name")] == 8
    assert positions[(*hosts, 0, "organisation")] == 8
    assert positions[(*hosts, 1)] == 9
    assert positions[(*hosts, 1, "name")] == 9


def test_locate_keys_quoted_key() -> None:
    assert locate_keys(SCHEDULE)[("plenary", "quoted key")] == 14


def test_locate_keys_dotted_key_and_prefixes() -> None:
    positions = locate_keys(SCHEDULE)
    assert positions[("plenary", "a")] == 15
    assert positions[("plenary", "a", "b")] == 15
    assert positions[("plenary", "a", "b", "c")] == 15


def test_locate_keys_hash_inside_strings_is_not_comment() -> None:
    positions = locate_keys(STRINGS)
    assert positions[("festival", "title")] == 2
    assert positions[("festival", "motto")] == 3
    assert positions[("festival", "escaped")] == 4


def test_locate_keys_multiline_basic_string_hides_keys() -> None:
    positions = locate_keys(STRINGS)
    assert positions[("festival", "notes")] == 5
    assert ("festival", "not_a_key") not in positions
    assert ("not_a_table",) not in positions


def test_locate_keys_multiline_literal_string_hides_keys() -> None:
    positions = locate_keys(STRINGS)
    assert positions[("festival", "verbatim")] == 9
    assert ("festival", "fake") not in positions


def test_locate_keys_multiline_string_ending_in_quotes() -> None:
    positions = locate_keys(STRINGS)
    assert positions[("festival", "tail")] == 13
    assert positions[("festival", "after")] == 14


def test_locate_keys_escaped_key_is_decoded() -> None:
    text = '"tab\\there" = 1\n"\\u0041B" = 2\n'
    assert locate_keys(text) == {("tab\there",): 1, ("AB",): 2}


def test_locate_keys_nested_arrays_spanning_lines() -> None:
    positions = locate_keys(NESTED)
    assert positions[("venue", "grid")] == 2
    assert positions[("venue", "grid", 0)] == 3
    assert positions[("venue", "grid", 0, 1)] == 3
    assert positions[("venue", "grid", 1)] == 4
    assert positions[("venue", "grid", 1, 0)] == 5
    assert positions[("venue", "grid", 1, 1)] == 6


def test_locate_keys_inline_table_with_array_spanning_lines() -> None:
    positions = locate_keys(NESTED)
    assert positions[("venue", "rooms", 0, "tags")] == 9
    assert positions[("venue", "rooms", 0, "tags", 1)] == 11
    assert positions[("venue", "rooms", 1, "name")] == 12
    assert positions[("venue", "dates", 1)] == 13
    assert positions[("venue", "last")] == 14


def test_locate_keys_headers_with_spaces_and_quotes() -> None:
    positions = locate_keys(HEADERS)
    assert positions[("a",)] == 1
    assert positions[("a", "b")] == 1
    assert positions[("a", "b", "x")] == 2
    assert positions[("quoted part", "lit")] == 3
    assert positions[("quoted part", "lit", "y")] == 4
    assert positions[("a", "list", 1, "z")] == 8


def test_locate_keys_subtable_of_latest_array_element() -> None:
    positions = locate_keys(NESTED_ARRAYS)
    assert positions[("day", 0, "slot", 1, "at")] == 6
    assert positions[("day", 0, "slot", 1, "room")] == 7
    assert positions[("day", 0, "slot", 1, "room", "name")] == 8
    assert positions[("day", 1, "slot", 0)] == 11
    assert positions[("day", 1, "slot", 0, "at")] == 12


def test_locate_keys_explicit_header_beats_implied_table() -> None:
    text = "[a.b]\nx = 1\n[a]\ny = 2\n"
    assert locate_keys(text)[("a",)] == 3


def test_locate_keys_crlf_line_endings() -> None:
    text = "[t]\r\nx = 1\r\ny = [\r\n  2,\r\n]\r\n"
    assert locate_keys(text) == {
        ("t",): 1,
        ("t", "x"): 2,
        ("t", "y"): 3,
        ("t", "y", 0): 4,
    }


def test_locate_keys_edge_cases_exact() -> None:
    positions = locate_keys(EDGES)
    assert positions[("quotes",)] == 3
    assert positions[("",)] == 7
    assert positions[("dot.ted",)] == 8
    assert positions[("x", "y.z", "w", "k", 0, "a", 1, 0)] == 12
    assert positions[("x", "y.z", "w", "p", "q", "t", "u")] == 14


def test_locate_keys_broken_text_does_not_raise() -> None:
    positions = locate_keys('a = [1, "x\n[b\nc = {d = ')
    assert positions[("a",)] == 1
    assert positions[("a", 1)] == 1


def test_locate_keys_empty_text() -> None:
    assert locate_keys("") == {}


def test_locate_keys_every_parsed_path_has_line() -> None:
    for sample in SAMPLES:
        positions = locate_keys(sample)
        paths = _key_paths(tomllib.loads(sample))
        missing = [path for path in paths if path not in positions]
        assert missing == []


def test_line_of_exact_path() -> None:
    positions = locate_keys(SCHEDULE)
    assert line_of(positions, ("round", 1, "id")) == 12


def test_line_of_longest_known_prefix() -> None:
    positions = locate_keys(SCHEDULE)
    assert line_of(positions, ("round", 0, "session", 0, "missing")) == 5
    assert line_of(positions, ("festival", "slug", 3)) == 2


def test_line_of_unknown_path() -> None:
    assert line_of(locate_keys(SCHEDULE), ("nowhere", "at all")) is None
    assert line_of({}, ()) is None
