"""Rules that span several programme entries: overlaps, the plenary's stated end, people.

Pure functions over a built `Festival`; each finding is (key path, message) so the loader can
place it on a line of the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from festival.programme.fields import clock
from festival.programme.model import Festival, Person
from festival.programme.positions import KeyPath

Paths = dict[str, KeyPath]
Finding = tuple[KeyPath, str]
PLENARY: KeyPath = ("plenary",)


def check(festival: Festival, paths: Paths) -> list[Finding]:
    return [
        *_rounds_overlap(festival, paths),
        *_plenary_fits(festival),
        *_people_in_two_places(festival, paths),
    ]


def _clock(festival: Festival, moment: datetime) -> str:
    return clock(festival.local(moment))


def _span(festival: Festival, start: datetime, end: datetime) -> str:
    return f"{_clock(festival, start)}–{_clock(festival, end)}"


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def _rounds_overlap(festival: Festival, paths: Paths) -> Iterator[Finding]:
    rounds = sorted(festival.rounds, key=lambda r: (r.start, r.end))
    for i, later in enumerate(rounds):
        for earlier in rounds[:i]:
            if _overlaps(earlier.start, earlier.end, later.start, later.end):
                yield (
                    paths.get(later.id, ("round",)),
                    f"round {later.id!r} ({_span(festival, later.start, later.end)}) overlaps "
                    f"round {earlier.id!r} ({_span(festival, earlier.start, earlier.end)})",
                )
    plenary = festival.plenary
    if plenary is None:
        return
    for entry, what in [(r, "round") for r in rounds] + [(i, "item") for i in festival.items]:
        if _overlaps(entry.start, entry.end, plenary.start, plenary.end):
            yield (
                paths.get(entry.id, PLENARY),
                f"{what} {entry.id!r} ({_span(festival, entry.start, entry.end)}) overlaps the "
                f"plenary ({_span(festival, plenary.start, plenary.end)})",
            )


def _plenary_fits(festival: Festival) -> Iterator[Finding]:
    plenary = festival.plenary
    if plenary is None or not plenary.blocks:
        return
    stated = plenary.end - plenary.start
    planned = timedelta(minutes=sum(block.minutes for block in plenary.blocks))
    if planned == stated:
        return
    blocks_end = plenary.blocks[-1].end
    gap = _duration(abs(planned - stated))
    detail = f"{gap} after" if planned > stated else f"{gap} before"
    yield (
        (*PLENARY, "end"),
        f"plenary blocks take {_duration(planned)} and end at {_clock(festival, blocks_end)}, "
        f"{detail} the stated end {_clock(festival, plenary.end)} "
        f"({_duration(stated)} from {_clock(festival, plenary.start)})",
    )


def _duration(span: timedelta) -> str:
    minutes, seconds = divmod(int(span.total_seconds()), 60)
    return f"{minutes} minutes" + (f" {seconds} seconds" if seconds else "")


@dataclass(frozen=True)
class _Engagement:
    person: str  # folded, for comparing
    name: str  # as written, for the message
    start: datetime
    end: datetime
    where: str
    path: KeyPath


def _engagements(festival: Festival, paths: Paths) -> Iterator[_Engagement]:
    def each(
        people: tuple[Person, ...], start: datetime, end: datetime, entry_id: str, label: str
    ) -> Iterator[_Engagement]:
        for person in people:
            key = " ".join(person.name.casefold().split())
            if key:
                yield _Engagement(key, person.name, start, end, label, paths.get(entry_id, ()))

    for round_, session in festival.sessions():
        yield from each(
            session.hosts, round_.start, round_.end, session.id, f"session {session.id!r}"
        )
    if festival.plenary is not None:
        # The plenary is one place: someone in two of its blocks is not in two places.
        for block in festival.plenary.blocks:
            yield from each(block.people, block.start, block.end, block.id, "the plenary")
    for item in festival.items:
        yield from each(item.people, item.start, item.end, item.id, f"item {item.id!r}")


def _people_in_two_places(festival: Festival, paths: Paths) -> Iterator[Finding]:
    seen: list[_Engagement] = []
    for engagement in sorted(_engagements(festival, paths), key=lambda e: (e.start, e.path)):
        for other in seen:
            if (
                other.person == engagement.person
                and other.where != engagement.where
                and _overlaps(other.start, other.end, engagement.start, engagement.end)
            ):
                yield (
                    engagement.path,
                    f"{engagement.name} is in two places at once: {engagement.where} "
                    f"({_span(festival, engagement.start, engagement.end)}) and {other.where} "
                    f"({_span(festival, other.start, other.end)})",
                )
        seen.append(engagement)
