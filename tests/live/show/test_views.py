"""The show as data: what an event on the bus carries reads back as the show it was made of."""

from __future__ import annotations

from datetime import timedelta

from festival.live.show_views import show_of_state, show_state
from festival.programme.loading import read_programme
from festival.show import (
    end_show,
    go_live,
    message_presenter,
    new_show,
    next_block,
    pause_block,
    resume_block,
    skip_block,
    start_block,
)
from tests.conftest import REFERENCE

PLENARY = read_programme(REFERENCE).plenary
assert PLENARY is not None
T0 = PLENARY.start


def test_show_of_state_reads_back_every_kind_of_block():
    def at(minutes: float):
        return T0 + timedelta(minutes=minutes)

    blocks = [b.id for b in PLENARY.blocks]
    show = go_live(new_show(PLENARY), at=at(-2), by="host").show
    show = start_block(show, blocks[0], at=at(1.5), by="host").show
    show = pause_block(show, blocks[0], at=at(3), by="host").show
    show = resume_block(show, blocks[0], at=at(4.25), by="host").show
    show = next_block(show, blocks[0], at=at(7), by="host").show
    show = skip_block(show, blocks[2], at=at(8), by="host").show
    show = message_presenter(show, "Nog twee minuten", at=at(9), by="host").show
    paused = pause_block(show, blocks[1], at=at(10), by="host").show
    ended = end_show(show, at=at(11), by="host").show

    for each in (new_show(PLENARY), show, paused, ended):
        assert show_of_state(show_state(each)) == each
