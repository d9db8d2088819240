"""Which Q&A channels a festival has, what each needs to know of the programme, and who may
ask in one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from festival.errors import Forbidden, NotFound
from festival.programme.model import PLENARY, Festival


@dataclass(frozen=True)
class QaChannelInfo:
    """A channel with a Q&A: its title, the people questions may be addressed to, and the
    programme block it follows (the Q&A opens at `start` and closes at `end`)."""

    id: str
    title: str
    people: tuple[str, ...]
    start: datetime
    end: datetime


_MADE: dict[int, tuple[Festival, dict[str, QaChannelInfo]]] = {}
"""`qa_channels` of the few festivals lately asked about, by identity: every live connection
asks, and the festival is the same object until its programme changes (FestivalCache)."""
_MADE_AT_MOST = 8


def qa_channels(festival: Festival) -> dict[str, QaChannelInfo]:
    """The festival's Q&A channels by id; shared by every caller: read it, do not change it."""
    made = _MADE.get(id(festival))
    if made is not None and made[0] is festival:
        return made[1]
    if len(_MADE) >= _MADE_AT_MOST:
        _MADE.clear()
    channels = _MADE[id(festival)] = (festival, _qa_channels(festival))
    return channels[1]


def _qa_channels(festival: Festival) -> dict[str, QaChannelInfo]:
    channels: dict[str, QaChannelInfo] = {}
    plenary = festival.plenary
    if plenary is not None:
        people = dict.fromkeys(
            p.name for block in plenary.blocks if not block.cancelled for p in block.people
        )
        channels[PLENARY] = QaChannelInfo(
            PLENARY, plenary.title, tuple(people), plenary.start, plenary.end
        )
    for _round, session in festival.sessions():
        if not session.cancelled:
            channels[session.id] = QaChannelInfo(
                session.id,
                session.title,
                tuple(p.name for p in session.hosts),
                session.start,
                session.end,
            )
    return channels


def qa_channel(festival: Festival, channel: str) -> QaChannelInfo:
    found = qa_channels(festival).get(channel)
    if found is None:
        raise NotFound(f"no live channel {channel!r} in this festival", code="channel.not_found")
    return found


def may_ask(info: QaChannelInfo, confirmed: Iterable[str]) -> bool:
    """Whether an attendee with confirmed places in the `confirmed` sessions may ask in the
    channel: everyone registered may in the plenary, otherwise only the session's own."""
    return info.id == PLENARY or info.id in confirmed


def not_attending(info: QaChannelInfo) -> Forbidden:
    return Forbidden(f"only attendees of {info.title!r} can ask questions here")
