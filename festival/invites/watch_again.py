"""When attendees are told that a festival can be watched again.

Once the festival is over, the organiser reloads its programme with the recordings and
slides: the first load that finds the festival past and carrying any of them is the moment to
tell every attendee. Materials already there before the day are told of at its end, by the
scheduler. Either way once: the mail's outbox key names the attendee and nothing else, so
later loads, another instance or a restart queue nothing new (docs/mail.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from festival.programme.model import Festival

# How long after its end a festival's materials are still announced by the scheduler: a
# service that was down when the day ended tells the attendees when it is back, within this.
CATCH_UP = timedelta(days=1)


def watch_again_due(festival: Festival, now: datetime) -> bool:
    """Whether a load of `festival` at `now` is when its attendees hear they can watch again:
    it is over, and has a recording or slides somewhere (the whole day, a session, a block
    or an item). Materials put up before the end are told of by `watch_again_moment`."""
    return festival.status(now) == "past" and festival.has_materials()


def watch_again_moment(festival: Festival, now: datetime) -> datetime | None:
    """When the scheduler tells the attendees of a festival whose materials went up before
    its end: at the end, when the archive opens (or now, catching up within `CATCH_UP`).
    None when it has no materials or ended longer ago: a load tells them then."""
    end = festival.span()[1]
    if not festival.has_materials() or now >= end + CATCH_UP:
        return None
    return max(end, now)


def watch_again_key(registration_id: int) -> str:
    """The outbox key of an attendee's one watch-again mail."""
    return f"watch_again:{registration_id}"
