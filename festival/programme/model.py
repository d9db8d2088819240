"""The programme as frozen domain objects.

Every moment is a timezone-aware datetime in UTC; the festival's IANA zone is kept so pages
can show local wall-clock time. Nothing here knows about files, databases or HTTP.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

Language = Literal["nl", "en"]
Mode = Literal["online", "onsite", "hybrid"]
AssignmentMode = Literal["first-come", "preferences"]
FestivalStatus = Literal["upcoming", "live", "past"]
Voters = Literal["public", "registered"]

LANGUAGES: tuple[Language, ...] = ("nl", "en")
MODES: tuple[Mode, ...] = ("online", "onsite", "hybrid")
ASSIGNMENT_MODES: tuple[AssignmentMode, ...] = ("first-come", "preferences")
VOTERS: tuple[Voters, ...] = ("public", "registered")
BLOCK_KINDS = (
    "opening",
    "welcome",
    "introduction",
    "lecture",
    "intermezzo",
    "panel",
    "qa",
    "break",
    "closing",
    "other",
)
ITEM_KINDS = (
    "registration",
    "lunch",
    "posters",
    "theatre",
    "table-round",
    "break",
    "reception",
    "other",
)
CALENDAR_SHIFT_MINUTES = 10  # default of Festival.calendar_shift_minutes
PLENARY = "plenary"  # the plenary's key wherever items are keyed (invites, calendars, places)
SHOW = "show"  # the run of show's live channel
# Live channel names that session ids must not take (see DESIGN.md, websocket contract).
RESERVED_IDS = (PLENARY, SHOW)
# Sessions made from accepted themes (`festival.proposals`) have ids with this prefix and
# the proposal's number; programme files may not take such ids, so the two never meet.
PROPOSAL_ID_PREFIX = "proposal-"
# The service's own first path segments, now and as the contract names them (join links,
# check-in, certificates): a festival's slug becomes its address, `/{slug}/`, and must not
# take one of them (a test keeps this equal to the routes).
RESERVED_SLUGS = (
    "admin", "api", "archive", "calendar", "certificates", "checkin", "healthz", "host", "join",
    "me", "moderate", "overlay", "panel", "presenter", "register", "static", "vote", "ws",
)  # fmt: skip


@dataclass(frozen=True)
class Person:
    name: str
    role: str = ""
    organisation: str = ""


@dataclass(frozen=True)
class Venue:
    name: str
    address: str = ""


@dataclass(frozen=True)
class Organiser:
    name: str
    email: str = ""


@dataclass(frozen=True)
class Materials:
    """Links that arrive after the event."""

    recording_url: str = ""
    slides_url: str = ""

    @property
    def present(self) -> bool:
        return bool(self.recording_url or self.slides_url)


@dataclass(frozen=True)
class Session:
    id: str
    title: str
    start: datetime
    end: datetime
    description: str = ""
    hosts: tuple[Person, ...] = ()
    capacity: int | None = None  # online places; None = unlimited
    seats: int | None = None  # on-site seats; None = unlimited
    join_url: str = ""
    room: str = ""
    language: Language | None = None
    materials: Materials = Materials()
    cancelled: bool = False  # removed from the programme file after registrations existed

    @property
    def proposed(self) -> bool:
        """A theme an attendee brought to the table, accepted (`festival.proposals`)."""
        return self.id.startswith(PROPOSAL_ID_PREFIX)


@dataclass(frozen=True)
class Round:
    id: str
    title: str
    start: datetime
    end: datetime
    sessions: tuple[Session, ...]
    description: str = ""
    cancelled: bool = False
    # The round's default places: its sessions without their own take them, and so do the
    # themes attendees bring to it (None: unlimited).
    capacity: int | None = None
    seats: int | None = None
    # Attendees bring themes to the table (`festival.proposals`) until `proposals_close`
    # (None: when registration closes, else when the round starts).
    proposals: bool = False
    proposals_close: datetime | None = None


@dataclass(frozen=True)
class Block:
    id: str
    kind: str
    title: str
    minutes: int
    start: datetime  # planned; derived from the plenary start and the blocks before it
    people: tuple[Person, ...] = ()
    description: str = ""
    materials: Materials = Materials()
    cancelled: bool = False

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class Plenary:
    title: str
    start: datetime
    end: datetime
    blocks: tuple[Block, ...]
    description: str = ""
    stream_url: str = ""
    questions_url: str = ""
    room: str = ""
    # Set once a run-of-show delay was announced to calendars: `start` and `end` are then the
    # announced times (invites, reminders and pages follow them) and these the programme's.
    planned_start: datetime | None = None
    planned_end: datetime | None = None

    @property
    def plan(self) -> tuple[datetime, datetime]:
        """The programme's start and end, whatever was announced since."""
        return (self.planned_start or self.start, self.planned_end or self.end)


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    title: str
    start: datetime
    end: datetime
    description: str = ""
    room: str = ""
    people: tuple[Person, ...] = ()
    topics: tuple[str, ...] = ()
    materials: Materials = Materials()
    cancelled: bool = False


@dataclass(frozen=True)
class Nominee:
    """Someone a vote is about. `id` is what a ballot names: the programme's, or one made
    from the name (`nominee_id`); `photo` an http(s) address, `text` a short introduction."""

    id: str
    name: str
    role: str = ""
    organisation: str = ""
    photo: str = ""
    text: str = ""


def nominee_id(name: str) -> str:
    """The id a nominee without one gets: the name in lowercase ASCII letters and digits,
    joined by hyphens (`M'hamed Yahia` -> `mhamed-yahia`, `Özlem` -> `ozlem`)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9\s-]", "", plain.lower()).replace("-", " ").split()
    return "-".join(words)[:64].strip("-")


@dataclass(frozen=True)
class Vote:
    """An audience vote (the programme's `[[vote]]`): open from `opens` until `closes` (either
    may be absent: open from the start, or until the host reveals the result). `voters`:
    `public`, anyone by e-mail address (or a personal link), or `registered`, the festival's
    attendees by their personal link only."""

    id: str
    title: str
    description: str = ""
    opens: datetime | None = None
    closes: datetime | None = None
    nominees: tuple[Nominee, ...] = ()
    voters: Voters = "public"

    def nominee(self, nominee_id: str) -> Nominee | None:
        return next((n for n in self.nominees if n.id == nominee_id), None)


def featured(festivals: Iterable[Festival], now: datetime) -> Festival | None:
    """The festival an install shows at `/` when none is pinned: the only one, else the next
    to come (or the one running now), else the latest past."""
    ordered = sorted(festivals, key=lambda f: (f.span(), f.slug))
    coming = [f for f in ordered if f.status(now) != "past"]
    return coming[0] if coming else ordered[-1] if ordered else None


@dataclass(frozen=True)
class Festival:
    slug: str
    title: str
    date: date
    timezone: str
    language: Language
    mode: Mode
    theme: str = ""
    description: str = ""
    practical: str = ""
    website: str = ""
    venue: Venue | None = None
    organiser: Organiser | None = None
    registration_opens: datetime | None = None
    registration_closes: datetime | None = None
    # "preferences": attendees rank sessions until `assignment_closes`, then one optimal
    # assignment places them (docs/assignment.md); after that it is first come, first served.
    assignment: AssignmentMode = "first-come"
    assignment_closes: datetime | None = None
    reminder_minutes: int = 15  # join links are mailed this long before each session
    # A run-of-show delay moves calendar invites only once it has moved this far since the
    # last update, so calendars do not churn with every extension (docs/programme-format.md).
    calendar_shift_minutes: int = CALENDAR_SHIFT_MINUTES
    report: str = ""  # the organiser's look back after the day, in Markdown
    # Certificates of attendance after the day for those who attended at least this many
    # minutes (0: none); `accreditation` is a line printed on them, e.g. a register's points.
    certificate_minimum_minutes: int = 0
    accreditation: str = ""
    # Attendees with a place in a session of limited places confirm it this many days before
    # the festival, or it goes to the next in line (`registration.reconfirm`; 0: never asked).
    reconfirm_days_before: int = 0

    materials: Materials = Materials()
    rounds: tuple[Round, ...] = ()
    plenary: Plenary | None = None
    items: tuple[Item, ...] = ()
    votes: tuple[Vote, ...] = field(default=())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def sessions(self) -> Iterator[tuple[Round, Session]]:
        for round_ in self.rounds:
            for session in round_.sessions:
                yield round_, session

    def about(self) -> dict[str, Any]:
        """What the festival says of itself, as plain data: the same fields in the stored
        record and in the API."""
        venue, organiser = self.venue, self.organiser
        return {
            "theme": self.theme,
            "description": self.description,
            "practical": self.practical,
            "website": self.website,
            "venue": {"name": venue.name, "address": venue.address} if venue else None,
            "organiser": {"name": organiser.name, "email": organiser.email} if organiser else None,
        }

    def path(self, page: str = "") -> str:
        """The festival's own address (`/{slug}/`), or a page under it (`register`,
        `programme.ics`): what every link to it uses, whichever festival `/` shows."""
        return f"/{self.slug}/{page}"

    def span(self) -> tuple[datetime, datetime]:
        """From the first start to the last end on the programme (rounds, plenary, items);
        the festival's whole day in its zone when it has nothing timed yet."""
        timed = [(r.start, r.end) for r in self.rounds if not r.cancelled]
        timed += [(i.start, i.end) for i in self.items if not i.cancelled]
        if self.plenary is not None:
            timed.append((self.plenary.start, self.plenary.end))
        if not timed:
            midnight = datetime.combine(self.date, time(0), tzinfo=self.zone)
            return midnight, midnight + timedelta(days=1)
        return min(start for start, _ in timed), max(end for _, end in timed)

    def all_materials(self) -> Iterator[Materials]:
        """Every recording and slides link on the programme, the whole day's first; cancelled
        entries keep theirs (a session dropped late may still have been recorded)."""
        yield self.materials
        for _round, session in self.sessions():
            yield session.materials
        if self.plenary is not None:
            yield from (block.materials for block in self.plenary.blocks)
        yield from (item.materials for item in self.items)

    def has_materials(self) -> bool:
        return any(m.present for m in self.all_materials())

    def status(self, now: datetime) -> FestivalStatus:
        """`upcoming` before its first start, `live` until its last end, `past` after."""
        start, end = self.span()
        return "upcoming" if now < start else "live" if now < end else "past"

    def collects_preferences(self, now: datetime) -> bool:
        """Whether registrations now rank sessions instead of taking places."""
        return (
            self.assignment == "preferences"
            and self.assignment_closes is not None
            and now < self.assignment_closes
        )

    def local(self, moment: datetime) -> datetime:
        """`moment` as wall-clock time in the festival's zone."""
        return moment.astimezone(self.zone)
