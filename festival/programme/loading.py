"""Programme files (TOML, see docs/programme-format.md) -> `Festival`.

`parse_programme` reads the whole file and raises one `ProgrammeError` carrying every problem
it found, each located by line where the file has one. Rules that span entries (overlaps,
people in two places, the plenary's stated end) live in `programme.rules`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from festival.errors import Problem, ProgrammeError
from festival.programme import rules
from festival.programme.fields import FieldReader, clock, dotted
from festival.programme.model import (
    ASSIGNMENT_MODES,
    BLOCK_KINDS,
    CALENDAR_SHIFT_MINUTES,
    ITEM_KINDS,
    LANGUAGES,
    MODES,
    PROPOSAL_ID_PREFIX,
    RESERVED_IDS,
    RESERVED_SLUGS,
    VOTERS,
    AssignmentMode,
    Block,
    Festival,
    Item,
    Language,
    Materials,
    Mode,
    Nominee,
    Organiser,
    Person,
    Plenary,
    Round,
    Session,
    Venue,
    Vote,
    Voters,
    nominee_id,
)
from festival.programme.positions import KeyPath, locate_keys

MATERIAL_KEYS = ("recording_url", "slides_url")
FESTIVAL_KEYS = (
    "slug",
    "title",
    "date",
    "timezone",
    "language",
    "mode",
    "theme",
    "description",
    "practical",
    "website",
    "venue",
    "organiser",
    "registration_opens",
    "registration_closes",
    "assignment",
    "assignment_closes",
    "reminder_minutes",
    "calendar_shift_minutes",
    "report",
    "certificate_minimum_minutes",
    "reconfirm_days_before",
    "accreditation",
    *MATERIAL_KEYS,
)
ROUND_KEYS = (
    "id",
    "title",
    "start",
    "end",
    "description",
    "capacity",
    "seats",
    "proposals",
    "proposals_close",
    "session",
)
SESSION_KEYS = (
    "id",
    "title",
    "description",
    "hosts",
    "capacity",
    "seats",
    "join_url",
    "room",
    "language",
    *MATERIAL_KEYS,
)
PLENARY_KEYS = (
    "title",
    "start",
    "end",
    "description",
    "stream_url",
    "questions_url",
    "room",
    "block",
)
BLOCK_KEYS = ("id", "kind", "title", "minutes", "people", "description", *MATERIAL_KEYS)
ITEM_KEYS = (
    "id",
    "kind",
    "title",
    "start",
    "end",
    "description",
    "room",
    "people",
    "topics",
    *MATERIAL_KEYS,
)
VOTE_KEYS = ("id", "title", "description", "opens", "closes", "nominees", "voters")
NOMINEE_KEYS = ("id", "name", "role", "organisation", "photo", "text")
MAX_NOMINEE_TEXT = 2_000  # a short introduction beside a photo, not a biography
PERSON_KEYS = ("name", "role", "organisation")
TOP_KEYS = ("festival", "round", "plenary", "item", "vote")
MAX_FILE_BYTES = 1_000_000
MAX_REPORT = 20_000  # characters of the organiser's report: a short look back, not a book
MAX_ACCREDITATION = 300  # one line on a certificate

# Stands in for the times of an entry whose own times are bad, so its parts are still checked;
# such an entry is never returned.
_NO_SPAN = (datetime.min.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC))
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def read_programme(path: Path, *, on_date: date | None = None) -> Festival:
    """Load one programme file; `on_date` moves the whole festival to another day (demo)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProgrammeError(
            [Problem(str(path), None, "", f"cannot read: {exc.strerror}")]
        ) from exc
    if len(raw) > MAX_FILE_BYTES:
        raise ProgrammeError(
            [Problem(str(path), None, "", f"file is larger than {MAX_FILE_BYTES} bytes")]
        )
    try:
        text = raw.decode("utf-8-sig")  # editors on Windows like to start with a BOM
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ProgrammeError([Problem(str(path), line, "", "file is not UTF-8 text")]) from exc
    return parse_programme(text, str(path), on_date=on_date)


def check_programme_files(paths: Iterable[Path]) -> list[Problem]:
    """Every problem in every file (empty when all are valid)."""
    problems: list[Problem] = []
    for path in paths:
        try:
            read_programme(path)
        except ProgrammeError as exc:
            problems.extend(exc.problems)
    return sorted(problems, key=lambda p: (p.file, p.line or 0, p.path, p.message))


def parse_programme(text: str, filename: str, *, on_date: date | None = None) -> Festival:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        message = _TOML_LINE.sub("", str(exc)).strip()
        line = int(found[1]) if found else None
        raise ProgrammeError(
            [Problem(filename, line, "", f"TOML syntax error: {message}")]
        ) from exc
    reader = FieldReader(filename, locate_keys(text))
    builder = _Builder(reader, on_date)
    festival = builder.festival(data)
    if festival is not None:
        for path, message in rules.check(festival, builder.paths):
            reader.problem(path, message)
    if reader.problems or festival is None:
        raise ProgrammeError(reader.problems)
    return festival


class _Builder:
    """Turns parsed TOML into model objects; remembers each entry's key path for messages."""

    def __init__(self, reader: FieldReader, on_date: date | None) -> None:
        self.r = reader
        self.on_date = on_date
        self.day = date(2000, 1, 1)
        self.zone: tzinfo = UTC
        self.shift = timedelta(0)
        self.paths: dict[str, KeyPath] = {}

    def entry_id(self, table: dict[str, Any], path: KeyPath) -> str:
        """The entry's id, recorded where it is defined: ids share one namespace per festival."""
        entry_id = self.r.ident(table, path, "id")
        self._remember(entry_id, path)
        return entry_id

    def _remember(self, entry_id: str, path: KeyPath) -> None:
        if not entry_id:
            return
        if entry_id in RESERVED_IDS:
            self.r.problem(
                (*path, "id"), f"id {entry_id!r} is reserved for a live channel; choose another"
            )
        if entry_id.startswith(PROPOSAL_ID_PREFIX):
            self.r.problem(
                (*path, "id"),
                f"id {entry_id!r}: ids starting with {PROPOSAL_ID_PREFIX!r} are kept for the "
                "sessions of accepted themes; choose another",
            )
        first = self.paths.get(entry_id)
        if first is None:
            self.paths[entry_id] = path
            return
        where = dotted(first)
        line = self.r.line((*first, "id"))
        self.r.problem(
            (*path, "id"),
            f"duplicate id {entry_id!r}: already used by {where}"
            + (f" on line {line}" if line else ""),
        )

    # -- festival --------------------------------------------------------------------------

    def festival(self, data: dict[str, Any]) -> Festival | None:
        r = self.r
        r.table(data, (), allowed=TOP_KEYS, required=("festival",))
        head = data.get("festival")
        if head is None:
            return None
        path: KeyPath = ("festival",)
        table = r.table(
            head,
            path,
            allowed=FESTIVAL_KEYS,
            required=("slug", "title", "date", "timezone", "language", "mode"),
        )
        if table is None:
            return None
        slug = r.ident(table, path, "slug")
        if slug in RESERVED_SLUGS:
            r.problem(
                (*path, "slug"),
                f"festival.slug {slug!r} would shadow the service's own /{slug} pages; "
                "choose another",
            )
        day = r.date(table, path, "date")
        self.zone = self._zone(table, path)
        if day is not None:
            self.day = self.on_date or day
            self.shift = self.day - day
        language = r.choice(table, path, "language", LANGUAGES) or "nl"
        mode = r.choice(table, path, "mode", MODES) or "online"
        rounds = tuple(
            rnd
            for i, value in enumerate(r.tables(data.get("round"), ("round",)))
            if (rnd := self.round(value, ("round", i))) is not None
        )
        plenary = self.plenary(data["plenary"]) if "plenary" in data else None
        items = tuple(
            item
            for i, value in enumerate(r.tables(data.get("item"), ("item",)))
            if (item := self.item(value, ("item", i))) is not None
        )
        votes = tuple(
            vote
            for i, value in enumerate(r.tables(data.get("vote"), ("vote",)))
            if (vote := self.vote(value, ("vote", i))) is not None
        )
        assignment = r.choice(table, path, "assignment", ASSIGNMENT_MODES) or "first-come"
        assignment_closes = self.moment(table, path, "assignment_closes")
        if assignment == "preferences" and assignment_closes is None:
            r.problem(
                (*path, "assignment"),
                'festival.assignment = "preferences" needs festival.assignment_closes '
                "(when the ranked preferences are turned into places)",
            )
        first = min((rnd.start for rnd in rounds), default=None)
        if assignment_closes and first and assignment_closes > first:
            r.problem(
                (*path, "assignment_closes"),
                "festival.assignment_closes must not be after the first round starts "
                f"({clock(first.astimezone(self.zone))})",
            )
        opens = self.moment(table, path, "registration_opens")
        closes = self.moment(table, path, "registration_closes")
        if opens and closes and closes <= opens:
            r.problem(
                (*path, "registration_closes"),
                "festival.registration_closes must be after festival.registration_opens",
            )
        return Festival(
            slug=slug,
            title=r.required_text(table, path, "title"),
            date=self.day,
            timezone=getattr(self.zone, "key", "UTC"),
            language=cast(Language, language),
            mode=cast(Mode, mode),
            theme=r.text(table, path, "theme", max_len=500),
            description=r.text(table, path, "description"),
            practical=r.text(table, path, "practical"),
            website=r.url(table, path, "website"),
            venue=self.venue(table.get("venue"), (*path, "venue")),
            organiser=self.organiser(table.get("organiser"), (*path, "organiser")),
            registration_opens=opens,
            registration_closes=closes,
            assignment=cast(AssignmentMode, assignment),
            assignment_closes=assignment_closes,
            reminder_minutes=self._reminder_minutes(table, path),
            calendar_shift_minutes=self._calendar_shift_minutes(table, path),
            report=r.text(table, path, "report", max_len=MAX_REPORT),
            certificate_minimum_minutes=r.whole_number(table, path, "certificate_minimum_minutes"),
            reconfirm_days_before=r.whole_number(table, path, "reconfirm_days_before"),
            accreditation=r.text(table, path, "accreditation", max_len=MAX_ACCREDITATION),
            materials=self.materials(table, path),
            rounds=rounds,
            plenary=plenary,
            items=items,
            votes=votes,
        )

    def _reminder_minutes(self, table: dict[str, Any], path: KeyPath) -> int:
        minutes = self.r.positive_int(table, path, "reminder_minutes")
        if minutes is not None and minutes > 24 * 60:
            self.r.problem(
                (*path, "reminder_minutes"), "festival.reminder_minutes must be at most 1440"
            )
        return minutes or 15

    def _calendar_shift_minutes(self, table: dict[str, Any], path: KeyPath) -> int:
        minutes = self.r.positive_int(table, path, "calendar_shift_minutes")
        if minutes is not None and minutes > 24 * 60:
            self.r.problem(
                (*path, "calendar_shift_minutes"),
                "festival.calendar_shift_minutes must be at most 1440",
            )
        return minutes or CALENDAR_SHIFT_MINUTES

    def _zone(self, table: dict[str, Any], path: KeyPath) -> tzinfo:
        name = table.get("timezone")
        if name is None:
            return UTC
        try:
            if not isinstance(name, str):
                raise ValueError
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            self.r.problem(
                (*path, "timezone"),
                f"festival.timezone {name!r} is not a known IANA time zone (e.g. Europe/Amsterdam)",
            )
            return UTC

    def venue(self, value: Any, path: KeyPath) -> Venue | None:
        table = self._named(value, path, "address")
        if table is None:
            return None
        return Venue(self.r.required_text(table, path, "name"), self.r.text(table, path, "address"))

    def organiser(self, value: Any, path: KeyPath) -> Organiser | None:
        table = self._named(value, path, "email")
        if table is None:
            return None
        return Organiser(
            self.r.required_text(table, path, "name"), self.r.email(table, path, "email")
        )

    def _named(self, value: Any, path: KeyPath, detail: str) -> dict[str, Any] | None:
        """An optional table that must have a name and may have one `detail` besides."""
        if value is None:
            return None
        return self.r.table(value, path, allowed=("name", detail), required=("name",))

    def materials(self, table: dict[str, Any], path: KeyPath) -> Materials:
        return Materials(
            recording_url=self.r.url(table, path, "recording_url"),
            slides_url=self.r.url(table, path, "slides_url"),
        )

    def people(self, table: dict[str, Any], path: KeyPath, key: str) -> tuple[Person, ...]:
        values = table.get(key)
        if values is None:
            return ()
        if not isinstance(values, list):
            self.r.problem((*path, key), f"{dotted((*path, key))} must be an array of people")
            return ()
        people = []
        for i, value in enumerate(values):
            p = (*path, key, i)
            person = self.r.table(value, p, allowed=PERSON_KEYS, required=("name",))
            if person is not None:
                people.append(
                    Person(
                        name=self.r.required_text(person, p, "name"),
                        role=self.r.text(person, p, "role", max_len=500),
                        organisation=self.r.text(person, p, "organisation", max_len=500),
                    )
                )
        return tuple(people)

    # -- times -----------------------------------------------------------------------------

    def at(self, local: time, path: KeyPath) -> datetime | None:
        """The UTC moment of wall-clock `local` on the festival day; None (reported) in a gap."""
        wall = datetime.combine(self.day, local)
        moment = wall.replace(tzinfo=self.zone).astimezone(UTC)
        if moment.astimezone(self.zone).replace(tzinfo=None) != wall:
            self.r.problem(
                path,
                f"{dotted(path)} {clock(local)} does not exist on {self.day} in "
                f"{getattr(self.zone, 'key', 'UTC')} (the clocks skip it for daylight saving)",
            )
            return None
        return moment

    def span(self, table: dict[str, Any], path: KeyPath) -> tuple[datetime, datetime] | None:
        start = self.r.time(table, path, "start")
        end = self.r.time(table, path, "end")
        begins = self.at(start, (*path, "start")) if start is not None else None
        ends = self.at(end, (*path, "end")) if end is not None else None
        if start is None or end is None or begins is None or ends is None:
            return None
        if ends <= begins:
            self.r.problem(
                (*path, "end"),
                f"{dotted(path)} ends at {clock(end)}, not after its start {clock(start)}",
            )
            return None
        return begins, ends

    def moment(self, table: dict[str, Any], path: KeyPath, key: str) -> datetime | None:
        local = self.r.local_datetime(table, path, key)
        if local is None:
            return None
        local += self.shift
        moment = local.replace(tzinfo=self.zone).astimezone(UTC)
        if moment.astimezone(self.zone).replace(tzinfo=None) != local:
            self.r.problem(
                (*path, key),
                f"{dotted((*path, key))} {local:%Y-%m-%d %H:%M} does not exist "
                "in the festival time zone (daylight-saving change)",
            )
        return moment

    # -- entries ---------------------------------------------------------------------------

    def round(self, value: Any, path: KeyPath) -> Round | None:
        r = self.r
        table = r.table(value, path, allowed=ROUND_KEYS, required=("id", "title", "start", "end"))
        if table is None:
            return None
        round_id = self.entry_id(table, path)
        span = self.span(table, path)
        proposals = r.flag(table, path, "proposals")
        proposals_close = self.moment(table, path, "proposals_close")
        if proposals_close is not None and not proposals:
            r.problem(
                (*path, "proposals_close"),
                f"{dotted(path)}.proposals_close needs {dotted(path)}.proposals = true",
            )
        elif proposals_close is not None and span is not None and proposals_close > span[0]:
            r.problem(
                (*path, "proposals_close"),
                f"{dotted(path)}.proposals_close must not be after the round starts "
                f"({clock(span[0].astimezone(self.zone))})",
            )
        sessions_data = r.tables(table.get("session"), (*path, "session"))
        if "session" not in table and not proposals:
            r.problem(path, f"{dotted(path)} has no sessions ([[round.session]])")
        places = (r.positive_int(table, path, "capacity"), r.positive_int(table, path, "seats"))
        # Sessions are checked even when the round's times are bad, so that one run of
        # `festival check` reports their problems too.
        sessions = tuple(
            s
            for i, v in enumerate(sessions_data)
            if (s := self.session(v, (*path, "session", i), span or _NO_SPAN, places)) is not None
        )
        title = r.required_text(table, path, "title")
        description = r.text(table, path, "description")
        if span is None:
            return None
        return Round(
            id=round_id,
            title=title,
            start=span[0],
            end=span[1],
            sessions=sessions,
            description=description,
            capacity=places[0],
            seats=places[1],
            proposals=proposals,
            proposals_close=proposals_close,
        )

    def session(
        self,
        value: Any,
        path: KeyPath,
        span: tuple[datetime, datetime],
        places: tuple[int | None, int | None],
    ) -> Session | None:
        """A round's session; `places`: the round's default capacity and seats."""
        r = self.r
        table = r.table(value, path, allowed=SESSION_KEYS, required=("id", "title"))
        if table is None:
            return None
        session_id = self.entry_id(table, path)
        language = r.choice(table, path, "language", LANGUAGES)
        return Session(
            id=session_id,
            title=r.required_text(table, path, "title"),
            start=span[0],
            end=span[1],
            description=r.text(table, path, "description"),
            hosts=self.people(table, path, "hosts"),
            capacity=r.positive_int(table, path, "capacity") or places[0],
            seats=r.positive_int(table, path, "seats") or places[1],
            join_url=r.url(table, path, "join_url"),
            room=r.text(table, path, "room", max_len=200),
            language=cast(Language, language) if language else None,
            materials=self.materials(table, path),
        )

    def plenary(self, value: Any) -> Plenary | None:
        r = self.r
        path: KeyPath = ("plenary",)
        table = r.table(
            value, path, allowed=PLENARY_KEYS, required=("title", "start", "end", "block")
        )
        if table is None:
            return None
        span = self.span(table, path)
        blocks: list[Block] = []
        cursor = span[0] if span else _NO_SPAN[0]
        complete = span is not None
        for i, v in enumerate(r.tables(table.get("block"), (*path, "block"))):
            block = self.block(v, (*path, "block", i), cursor)
            if block is None:
                complete = False  # later starts are unknown; the chain is not checked
            else:
                blocks.append(block)
                cursor = block.end
        plenary = Plenary(
            title=r.required_text(table, path, "title"),
            start=span[0] if span else _NO_SPAN[0],
            end=span[1] if span else _NO_SPAN[1],
            blocks=tuple(blocks),
            description=r.text(table, path, "description"),
            stream_url=r.url(table, path, "stream_url"),
            questions_url=r.url(table, path, "questions_url"),
            room=r.text(table, path, "room", max_len=200),
        )
        return plenary if complete else None

    def block(self, value: Any, path: KeyPath, start: datetime) -> Block | None:
        r = self.r
        table = r.table(
            value, path, allowed=BLOCK_KEYS, required=("id", "kind", "title", "minutes")
        )
        if table is None:
            return None
        block_id = self.entry_id(table, path)
        kind = r.choice(table, path, "kind", BLOCK_KINDS)
        minutes = r.positive_int(table, path, "minutes")
        block = Block(
            id=block_id,
            kind=kind,
            title=r.required_text(table, path, "title"),
            minutes=minutes or 0,
            start=start,
            people=self.people(table, path, "people"),
            description=r.text(table, path, "description"),
            materials=self.materials(table, path),
        )
        return block if minutes is not None and kind and block_id else None

    def item(self, value: Any, path: KeyPath) -> Item | None:
        r = self.r
        table = r.table(
            value, path, allowed=ITEM_KEYS, required=("id", "kind", "title", "start", "end")
        )
        if table is None:
            return None
        item_id = self.entry_id(table, path)
        span = self.span(table, path)
        item = Item(
            id=item_id,
            kind=r.choice(table, path, "kind", ITEM_KINDS),
            title=r.required_text(table, path, "title"),
            start=(span or _NO_SPAN)[0],
            end=(span or _NO_SPAN)[1],
            description=r.text(table, path, "description"),
            room=r.text(table, path, "room", max_len=200),
            people=self.people(table, path, "people"),
            topics=r.strings(table, path, "topics"),
            materials=self.materials(table, path),
        )
        return item if span else None

    def vote(self, value: Any, path: KeyPath) -> Vote | None:
        r = self.r
        table = r.table(value, path, allowed=VOTE_KEYS, required=("id", "title"))
        if table is None:
            return None
        vote_id = self.entry_id(table, path)
        opens = self.moment(table, path, "opens")
        closes = self.moment(table, path, "closes")
        if opens and closes and closes <= opens:
            r.problem((*path, "closes"), f"{dotted(path)}.closes must be after its opens")
        return Vote(
            id=vote_id,
            title=r.required_text(table, path, "title"),
            description=r.text(table, path, "description"),
            opens=opens,
            closes=closes,
            nominees=self.nominees(table, path),
            voters=cast(Voters, r.choice(table, path, "voters", VOTERS) or "public"),
        )

    def nominees(self, table: dict[str, Any], path: KeyPath) -> tuple[Nominee, ...]:
        """A vote's nominees: people with an optional id (else one made from the name), photo
        and text; a ballot names the id, so ids are unique within the vote."""
        values = table.get("nominees")
        if values is None:
            return ()
        if not isinstance(values, list):
            self.r.problem((*path, "nominees"), f"{dotted(path)}.nominees must be an array")
            return ()
        found: list[Nominee] = []
        for i, value in enumerate(values):
            p = (*path, "nominees", i)
            entry = self.r.table(value, p, allowed=NOMINEE_KEYS, required=("name",))
            if entry is None:
                continue
            name = self.r.required_text(entry, p, "name")
            given = self.r.ident(entry, p, "id")
            ident = given or nominee_id(name)
            if name and not ident:
                self.r.problem(
                    (*p, "name"),
                    f"{dotted(p)} needs an id: its name has no letters or digits to make one of",
                )
            elif any(n.id == ident for n in found):
                where = (*p, "id") if given else (*p, "name")
                self.r.problem(
                    where,
                    f"{dotted(p)} has the id {ident!r} of another nominee; give it its own id",
                )
            found.append(
                Nominee(
                    id=ident,
                    name=name,
                    role=self.r.text(entry, p, "role", max_len=500),
                    organisation=self.r.text(entry, p, "organisation", max_len=500),
                    photo=self.r.url(entry, p, "photo"),
                    text=self.r.text(entry, p, "text", max_len=MAX_NOMINEE_TEXT),
                )
            )
        return tuple(found)
