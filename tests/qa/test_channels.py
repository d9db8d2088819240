"""The Q&A channels of a programme, and who may ask in one."""

from __future__ import annotations

import pytest

from festival.access.tokens import HOST_CHANNELS
from festival.errors import NotFound
from festival.programme.loading import parse_programme
from festival.programme.model import PLENARY, SHOW
from festival.qa.channels import may_ask, qa_channel, qa_channels
from tests.conftest import REFERENCE

FESTIVAL = parse_programme(REFERENCE.read_text(), "reference.toml")


def test_the_plenary_and_every_session_have_a_channel_the_show_has_none() -> None:
    channels = qa_channels(FESTIVAL)

    assert PLENARY in channels
    assert SHOW not in channels
    assert {s.id for _, s in FESTIVAL.sessions() if not s.cancelled} <= channels.keys()


def test_everyone_registered_may_ask_in_the_plenary_only_attendees_in_a_session() -> None:
    channels = qa_channels(FESTIVAL)
    session = next(s.id for _, s in FESTIVAL.sessions())

    assert may_ask(channels[PLENARY], confirmed=[])
    assert not may_ask(channels[session], confirmed=[])
    assert may_ask(channels[session], confirmed=[session])


def test_an_unknown_channel_is_not_found() -> None:
    with pytest.raises(NotFound):
        qa_channel(FESTIVAL, "no-such-session")


def test_host_tokens_act_on_the_programme_s_plenary_and_show_channels() -> None:
    assert HOST_CHANNELS == (PLENARY, SHOW)
