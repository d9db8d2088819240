"""What the web keeps of each festival's report between page loads: the live part, the costly
one (every stored Q&A and show event read and replayed), with the log lengths it was made at.

A live channel's log only grows, and every change to it moves its length (an erasure that
rewrites stored questions also appends their `question.anonymised` events), so the same
lengths and the same festival mean the same figures; any other lengths, or a changed
programme, and the log is replayed again. The lengths come from the store on every load, so
several instances need nothing shared. Pure: the caller reads the lengths and the log.
"""

from __future__ import annotations

from collections.abc import Mapping

from festival.programme.model import Festival
from festival.report.model import LiveFigures


class LiveFiguresCache:
    def __init__(self) -> None:
        # By slug: the festival, the log lengths (channel -> last seq) and what they made.
        self._kept: dict[str, tuple[Festival, dict[str, int], LiveFigures]] = {}

    def get(self, festival: Festival, lengths: Mapping[str, int]) -> LiveFigures | None:
        kept = self._kept.get(festival.slug)
        if kept is None or kept[0] != festival or kept[1] != lengths:
            return None
        return kept[2]

    def put(self, festival: Festival, lengths: Mapping[str, int], live: LiveFigures) -> None:
        """Keep `live`, made from a log read after `lengths` were: at worst it holds more
        than they say, and then the next load, finding longer ones, replays again."""
        self._kept[festival.slug] = (festival, dict(lengths), live)
