"""When attendees hear they can watch again (`festival.invites.watch_again`): pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from festival.invites.watch_again import watch_again_due
from festival.programme.loading import read_programme
from festival.programme.model import Festival, Materials
from tests.conftest import SCHEDULES

HOEZO = read_programme(SCHEDULES / "hoezo-sociaal-werk-2017.toml")  # whole-day materials
KUS = read_programme(SCHEDULES / "kus-themabijeenkomst-2016.toml")  # one block's slides


@pytest.mark.parametrize("festival", [HOEZO, KUS], ids=["whole-day", "one-block"])
def test_due_once_the_festival_is_over_with_materials_anywhere(festival: Festival):
    start, end = festival.span()

    assert watch_again_due(festival, end)
    assert not watch_again_due(festival, end - timedelta(seconds=1))  # still running
    assert not watch_again_due(festival, start - timedelta(days=1))


def test_not_due_without_materials():
    bare = replace(HOEZO, materials=Materials())

    assert not watch_again_due(bare, bare.span()[1] + timedelta(days=1))
