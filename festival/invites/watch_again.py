"""When attendees are told that a festival can be watched again.

Once the festival is over, the organiser reloads its programme with the recordings and
slides. The first load that finds the festival past and carrying any of them is the moment
to tell every attendee, once: the mail's outbox key names the attendee and nothing else, so
later loads, another instance or a restart queue nothing new (docs/mail.md).
"""

from __future__ import annotations

from datetime import datetime

from festival.programme.model import Festival


def watch_again_due(festival: Festival, now: datetime) -> bool:
    """Whether a load of `festival` at `now` is when its attendees hear they can watch again:
    it is over, and has a recording or slides somewhere (the whole day, a session, a block
    or an item). Materials put up before the end wait for the first load after it."""
    return festival.status(now) == "past" and festival.has_materials()


def watch_again_key(registration_id: int) -> str:
    """The outbox key of an attendee's one watch-again mail."""
    return f"watch_again:{registration_id}"
