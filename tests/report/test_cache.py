"""What the web keeps of a report's live part between loads: given back for the same festival
at the same log lengths, and never once a channel grew, a new one began or the programme
changed."""

from __future__ import annotations

from dataclasses import replace

from festival.programme.loading import read_programme
from festival.programme.model import PLENARY, SHOW
from festival.report.cache import LiveFiguresCache
from festival.report.figures import live_figures
from tests.conftest import REFERENCE

LENGTHS = {PLENARY: 12, SHOW: 4}


def test_the_same_festival_at_the_same_lengths_gets_what_was_kept():
    festival = read_programme(REFERENCE)
    cache = LiveFiguresCache()
    live = live_figures(festival, {})
    cache.put(festival, LENGTHS, live)

    assert cache.get(read_programme(REFERENCE), dict(LENGTHS)) is live


def test_a_longer_or_new_channel_or_a_changed_programme_gets_nothing():
    festival = read_programme(REFERENCE)
    cache = LiveFiguresCache()
    cache.put(festival, LENGTHS, live_figures(festival, {}))
    renamed = replace(festival, title="Een andere titel")

    assert cache.get(festival, {**LENGTHS, PLENARY: 13}) is None
    assert cache.get(festival, {**LENGTHS, "huiskamer-1": 1}) is None
    assert cache.get(renamed, LENGTHS) is None
    assert LiveFiguresCache().get(festival, LENGTHS) is None
