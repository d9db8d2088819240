"""The attendee's own calendar feed (`/calendar/TOKEN.ics`): what their invites say, in one file.

The feed holds what the attendee's calendar holds once every invite queued for them is
delivered: the same items, times, `UID`s and `SEQUENCE`s. It is derived from what they attend
now and the last invite per item (`plan_invites`), so the two cannot disagree. An item that
left their calendar (a place given up, a session taken off the programme) stays in the feed
as `STATUS:CANCELLED` until the festival's day is over, so a subscribed calendar shows the
cancellation rather than silently losing the event; after that day it is left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit, urlunsplit

from icalendar import Calendar, vText

from festival.invites.calendar import (
    ALARM_MINUTES,
    description,
    invite_item,
    invite_uid,
    item_event,
    join_link,
    link_properties,
    new_calendar,
)
from festival.invites.plan import Sent, plan_invites
from festival.invites.store import Attending
from festival.programme.model import Festival

REFRESH = timedelta(minutes=15)
"""How often the feed asks calendar apps to fetch it again (`REFRESH-INTERVAL`,
`X-PUBLISHED-TTL`); most apps decide for themselves, often less often."""


@dataclass(frozen=True)
class FeedEntry:
    entry: str  # session id, or "plenary"
    sequence: int
    cancelled: bool


def feed_entries(attending: Iterable[Attending], sent: Iterable[Sent]) -> list[FeedEntry]:
    """Each item the attendee's calendar holds once the invites still queued arrive."""
    sent = list(sent)
    last = {s.entry: (s.sequence, s.method == "CANCEL") for s in sent}
    for action in plan_invites(attending, sent):
        last[action.entry] = (action.sequence, action.method == "CANCEL")
    return [
        FeedEntry(entry, sequence, cancelled)
        for entry, (sequence, cancelled) in sorted(last.items())
    ]


def day_over(festival: Festival, now: datetime) -> bool:
    """Whether the festival's day (midnight to midnight in its zone) has ended."""
    midnight = datetime.combine(festival.date + timedelta(days=1), time(0), tzinfo=festival.zone)
    return now >= midnight


def personal_calendar(
    festival: Festival,
    entries: Iterable[FeedEntry],
    *,
    registration_id: int,
    token: str,
    base_url: str,
    now: datetime,
) -> bytes:
    """The feed as iCalendar (no METHOD: it is published, not an iTIP message), times in UTC.
    Its events carry the attendee's personal join links, by `token`, as the invites do."""
    cal: Calendar = new_calendar()
    cal.add("x-wr-calname", festival.title)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    # Outlook's older name for the same; icalendar types unknown names as text.
    cal.add("x-published-ttl", vText(_duration_text(REFRESH)))
    over = day_over(festival, now)
    for found in entries:
        item = invite_item(festival, found.entry)
        if item is None:
            continue  # the plenary taken off the programme: nothing left to show
        cancelled = found.cancelled or item.cancelled
        if cancelled and over:
            continue
        ev = item_event(
            festival,
            item,
            status="CANCELLED" if cancelled else "CONFIRMED",
            now=now,
            alarm_minutes=ALARM_MINUTES,
        )
        ev.add("uid", invite_uid(festival, found.entry, registration_id))
        ev.add("sequence", found.sequence)
        link = join_link(base_url, token, found.entry) if item.online and not cancelled else ""
        ev.add("description", description(item, link))
        for name, value in link_properties(item, link) if link else ():
            ev.add(name, value)
        cal.add_component(ev)
    data: bytes = cal.to_ical()
    return data


def _duration_text(span: timedelta) -> str:
    return f"PT{int(span.total_seconds() // 60)}M"


@dataclass(frozen=True)
class FeedLinks:
    """The feed's address twice: `webcal://` opens a subscription in calendar apps, `https://`
    (or the service's own scheme) works everywhere else, to download or paste."""

    https: str
    webcal: str


def feed_links(base_url: str, token: str) -> FeedLinks:
    url = f"{base_url.rstrip('/')}/calendar/{token}.ics"
    parts = urlsplit(url)
    return FeedLinks(url, urlunsplit(parts._replace(scheme="webcal")))
