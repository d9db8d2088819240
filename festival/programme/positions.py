"""Source line numbers for the keys of a TOML document.

``tomllib`` parses TOML but forgets where each value came from. The validator
reports problems as ``FILE:LINE: message``, so this module owns the mapping
from a key path (shaped like the parsed data) to the 1-based line where that
key, table or array element is defined.

It is a small scanner, not a parser: it is only run on text that ``tomllib``
already accepted, so it does not check syntax. On anything it does not
understand it keeps going and returns a best-effort map rather than raising.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import TypeAlias

KeyPath: TypeAlias = tuple[str | int, ...]

_SPACE = frozenset(" \t\r")
# A bare key is a run of anything that cannot end or separate a key; this is
# looser than the TOML grammar so that unusual keys still get a line.
_BARE_KEY = re.compile(r"[^\s.=\[\]{},#\"']*")
# Numbers, booleans and dates never contain these, so they end a scalar.
_SCALAR_END = re.compile(r"[,\]}#\n]")
_ESCAPES = {
    "b": "\b",
    "t": "\t",
    "n": "\n",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    '"': '"',
    "\\": "\\",
}
_HEX_ESCAPE_WIDTHS = {"x": 2, "u": 4, "U": 8}


def locate_keys(text: str) -> dict[KeyPath, int]:
    """Map every key path defined in the TOML `text` to its 1-based line."""
    return _Locator(text).run()


def line_of(positions: dict[KeyPath, int], path: KeyPath) -> int | None:
    """Line of the longest prefix of `path` that has a known line (None if none)."""
    for length in range(len(path), -1, -1):
        line = positions.get(path[:length])
        if line is not None:
            return line
    return None


class _Cursor:
    """A read position in the text that can tell which line it is on."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self._newlines = [i for i, char in enumerate(text) if char == "\n"]

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self, width: int = 1) -> str:
        return self.text[self.pos : self.pos + width]

    def startswith(self, prefix: str) -> bool:
        return self.text.startswith(prefix, self.pos)

    def advance(self, width: int = 1) -> None:
        self.pos = min(self.pos + width, len(self.text))

    def line(self) -> int:
        # Lines are counted by the newlines strictly before the position.
        return bisect_left(self._newlines, self.pos) + 1

    def skip_space(self) -> None:
        while self.peek() in _SPACE:
            self.advance()

    def skip_to_line_end(self) -> None:
        end = self.text.find("\n", self.pos)
        self.pos = len(self.text) if end < 0 else end

    def skip_blank(self) -> None:
        """Skip whitespace, newlines and comments."""
        while True:
            self.skip_space()
            if self.peek() == "\n":
                self.advance()
            elif self.peek() == "#":
                self.skip_to_line_end()
            else:
                return

    def skip_pattern_until(self, pattern: re.Pattern[str]) -> None:
        match = pattern.search(self.text, self.pos)
        self.pos = len(self.text) if match is None else match.start()


def _read_key(cursor: _Cursor) -> list[str]:
    """Read a possibly dotted key such as ``a . "b c" . 'd'`` into its parts."""
    parts: list[str] = []
    while True:
        cursor.skip_space()
        if cursor.peek() in ('"', "'"):
            parts.append(_read_string(cursor))
        else:
            match = _BARE_KEY.match(cursor.text, cursor.pos)
            bare = match.group() if match else ""
            if not bare:
                return parts
            parts.append(bare)
            cursor.advance(len(bare))
        cursor.skip_space()
        if cursor.peek() != ".":
            return parts
        cursor.advance()


def _read_string(cursor: _Cursor) -> str:
    """Read any kind of string; the decoded text only matters for keys."""
    quote = cursor.peek()
    if cursor.startswith(quote * 3):
        _skip_multiline_string(cursor, quote)
        return ""
    cursor.advance()
    if quote == "'":
        return _read_literal_string(cursor)
    return _read_basic_string(cursor)


def _read_literal_string(cursor: _Cursor) -> str:
    end = cursor.text.find("'", cursor.pos)
    newline = cursor.text.find("\n", cursor.pos)
    if end < 0 or 0 <= newline < end:
        # Unterminated: stop at the line end so the rest still gets scanned.
        end = len(cursor.text) if newline < 0 else newline
    value = cursor.text[cursor.pos : end]
    cursor.pos = end
    if cursor.peek() == "'":
        cursor.advance()
    return value


def _read_basic_string(cursor: _Cursor) -> str:
    chars: list[str] = []
    while not cursor.at_end() and cursor.peek() != "\n":
        char = cursor.peek()
        cursor.advance()
        if char == '"':
            break
        chars.append(_read_escape(cursor) if char == "\\" else char)
    return "".join(chars)


def _read_escape(cursor: _Cursor) -> str:
    """Decode the escape whose backslash was just consumed."""
    code = cursor.peek()
    cursor.advance()
    width = _HEX_ESCAPE_WIDTHS.get(code)
    if width is None:
        return _ESCAPES.get(code, code)
    digits = cursor.peek(width)
    cursor.advance(width)
    try:
        return chr(int(digits, 16))
    except ValueError:
        return ""


def _skip_multiline_string(cursor: _Cursor, quote: str) -> None:
    """Skip a ``\"\"\"`` or ``'''`` string, which may hold lone quotes."""
    cursor.advance(3)
    while not cursor.at_end():
        char = cursor.peek()
        if char == "\\" and quote == '"':
            cursor.advance(2)
            continue
        run = 0
        while cursor.peek() == quote:
            run += 1
            cursor.advance()
        if run >= 3:
            # Up to two quotes may sit right before the closing delimiter,
            # so the string ends at the end of the whole run.
            return
        if run == 0:
            cursor.advance()


def _resolve(parts: list[str], counts: dict[KeyPath, int]) -> KeyPath:
    """Turn header parts into a path, entering the latest array-table element."""
    path: KeyPath = ()
    for part in parts:
        path = (*path, part)
        count = counts.get(path)
        if count:
            path = (*path, count - 1)
    return path


class _Locator:
    """Walks the document once, recording the line of each key path."""

    def __init__(self, text: str) -> None:
        self.cursor = _Cursor(text)
        self.positions: dict[KeyPath, int] = {}
        # Paths defined by a header or ``key =`` rather than implied by a
        # longer path; an explicit definition beats an earlier implicit one.
        self.explicit: set[KeyPath] = set()
        # How many ``[[...]]`` elements each array of tables has so far.
        self.counts: dict[KeyPath, int] = {}
        self.table: KeyPath = ()

    def run(self) -> dict[KeyPath, int]:
        cursor = self.cursor
        while True:
            cursor.skip_blank()
            if cursor.at_end():
                return self.positions
            start = cursor.pos
            self._statement()
            if cursor.pos == start:
                cursor.skip_to_line_end()

    def _record(self, path: KeyPath, line: int, *, explicit: bool) -> None:
        if path in self.explicit or (not explicit and path in self.positions):
            return
        self.positions[path] = line
        if explicit:
            self.explicit.add(path)

    def _record_prefixes(self, path: KeyPath, start: int, line: int) -> None:
        for length in range(start + 1, len(path)):
            self._record(path[:length], line, explicit=False)

    def _statement(self) -> None:
        if self.cursor.startswith("[["):
            self._array_table_header()
        elif self.cursor.peek() == "[":
            self._table_header()
        else:
            self._key_value(self.table)

    def _header_parts(self, width: int) -> list[str]:
        self.cursor.advance(width)
        parts = _read_key(self.cursor)
        if self.cursor.startswith("]" * width):
            self.cursor.advance(width)
        return parts

    def _table_header(self) -> None:
        line = self.cursor.line()
        parts = self._header_parts(1)
        if not parts:
            return
        self.table = _resolve(parts, self.counts)
        self._record_prefixes(self.table, 0, line)
        self._record(self.table, line, explicit=True)

    def _array_table_header(self) -> None:
        line = self.cursor.line()
        parts = self._header_parts(2)
        if not parts:
            return
        array = (*_resolve(parts[:-1], self.counts), parts[-1])
        index = self.counts.get(array, 0)
        self.counts[array] = index + 1
        self.table = (*array, index)
        self._record_prefixes(array, 0, line)
        # ``array`` itself keeps the line of its first ``[[...]]`` header.
        self._record(array, line, explicit=True)
        self._record(self.table, line, explicit=True)

    def _key_value(self, table: KeyPath) -> None:
        line = self.cursor.line()
        parts = _read_key(self.cursor)
        if not parts:
            return
        path = table + tuple(parts)
        self._record_prefixes(path, len(table), line)
        self._record(path, line, explicit=True)
        self.cursor.skip_space()
        if self.cursor.peek() == "=":
            self.cursor.advance()
        self.cursor.skip_space()
        self._value(path)

    def _value(self, path: KeyPath) -> None:
        char = self.cursor.peek()
        if char in ('"', "'"):
            _read_string(self.cursor)
        elif char == "[":
            self._array(path)
        elif char == "{":
            self._inline_table(path)
        else:
            self.cursor.skip_pattern_until(_SCALAR_END)

    def _array(self, path: KeyPath) -> None:
        cursor = self.cursor
        cursor.advance()
        index = 0
        while True:
            cursor.skip_blank()
            if cursor.at_end() or cursor.peek() == "]":
                cursor.advance()
                return
            start = cursor.pos
            element = (*path, index)
            self._record(element, cursor.line(), explicit=True)
            self._value(element)
            self._skip_separator(start)
            index += 1

    def _inline_table(self, path: KeyPath) -> None:
        cursor = self.cursor
        cursor.advance()
        while True:
            # Newlines are tolerated here (TOML 1.1) although 1.0 forbids them.
            cursor.skip_blank()
            if cursor.at_end() or cursor.peek() == "}":
                cursor.advance()
                return
            start = cursor.pos
            self._key_value(path)
            self._skip_separator(start)

    def _skip_separator(self, start: int) -> None:
        """Step over a ``,`` and make sure a collection loop always advances."""
        self.cursor.skip_blank()
        if self.cursor.peek() == "," or self.cursor.pos == start:
            self.cursor.advance()
