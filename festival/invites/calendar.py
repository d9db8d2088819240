"""iCalendar documents built with the icalendar library (never by hand).

Times are written in UTC, so every client reads the same moment whatever its own zone and
on both sides of a daylight-saving change; no VTIMEZONE is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from icalendar import Alarm, Calendar, Event, Parameters, vCalAddress, vInt, vText, vUri
from icalendar.parser import Contentline, Contentlines

from festival.i18n import translate
from festival.programme.model import PLENARY, Block, Festival, Person

PRODID = "-//festival//programme//NL"
ALARM_MINUTES = 15
"""Invites and the personal feed remind this many minutes before an item."""


def entry_uid(festival: Festival, entry_id: str) -> str:
    """Stable across reloads and reschedules: clients match updates on it."""
    return f"{entry_id}.{festival.slug}@festival"


def _names(people: tuple[Person, ...]) -> str:
    return ", ".join(p.name + (f" ({p.organisation})" if p.organisation else "") for p in people)


def _block_line(festival: Festival, block: Block) -> str:
    """A plenary block in an item's text: its local start and title."""
    return f"{festival.local(block.start):%H:%M} {block.title}"


def programme_calendar(festival: Festival, *, base_url: str, now: datetime) -> bytes:
    """The public programme: every session, the plenary and the other items."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", festival.title)
    programme_url = base_url + festival.path()

    def event(entry_id: str, title: str, start: datetime, end: datetime, text: str) -> Event:
        ev = Event()
        ev.add("uid", entry_uid(festival, entry_id))
        ev.add("dtstamp", now)
        ev.add("dtstart", start)
        ev.add("dtend", end)
        ev.add("summary", f"{title} · {festival.title}")
        ev.add("description", text.strip())
        ev.add("url", programme_url)
        if festival.venue:
            ev.add(
                "location", ", ".join(filter(None, [festival.venue.name, festival.venue.address]))
            )
        return ev

    for round_, session in festival.sessions():
        if session.cancelled or round_.cancelled:
            continue
        hosts = _names(session.hosts)
        text = f"{round_.title}\n{hosts}\n\n{session.description}" if hosts else session.description
        cal.add_component(event(session.id, session.title, session.start, session.end, text))
    if (plenary := festival.plenary) is not None:
        lines = [
            _block_line(festival, b) + (f" — {_names(b.people)}" if b.people else "")
            for b in plenary.blocks
            if not b.cancelled
        ]
        if plenary.stream_url:
            lines.append(f"\n{translate('watch_stream', festival.language)}: {plenary.stream_url}")
        cal.add_component(
            event(PLENARY, plenary.title, plenary.start, plenary.end, "\n".join(lines))
        )
    for item in festival.items:
        if not item.cancelled:
            cal.add_component(event(item.id, item.title, item.start, item.end, item.description))
    data: bytes = cal.to_ical()
    return data


@dataclass(frozen=True)
class InviteItem:
    """What one invite is about: a session or the plenary, as it stands now."""

    entry: str
    title: str
    start: datetime
    end: datetime
    # A video link (session) or stream (plenary) to join by: the event then carries the
    # attendee's personal join link (`join_link`), never the provider's.
    online: bool
    description: str
    location: str
    cancelled: bool = False  # a session (or its round) taken off the programme

    @property
    def releasable(self) -> bool:
        """Whether one holds a place in it that can be given back (`release_link`): a session
        on the programme; everyone registered comes to the plenary."""
        return self.entry != PLENARY and not self.cancelled


def invite_item(festival: Festival, entry: str) -> InviteItem | None:
    """The item an invite (or the personal feed) is about, from the festival as read now: the
    plenary at its announced times, or a session, also one taken off the programme (its
    cancellation still needs its title and time). None when there is no such item."""
    if entry == PLENARY:
        p = festival.plenary
        if p is None:
            return None
        blocks = "\n".join(_block_line(festival, b) for b in p.blocks if not b.cancelled)
        return InviteItem(PLENARY, p.title, p.start, p.end, bool(p.stream_url), blocks, p.room)
    for round_, s in festival.sessions():
        if s.id == entry:
            hosts = ", ".join(h.name for h in s.hosts)
            text = f"{round_.title}\n{hosts}\n\n{s.description}".strip()
            if s.cancelled or round_.cancelled:
                # Taken off the programme: its cancellation, but never its join link.
                return InviteItem(
                    s.id, s.title, s.start, s.end, False, text, s.room, cancelled=True
                )
            return InviteItem(s.id, s.title, s.start, s.end, bool(s.join_url), text, s.room)
    return None


def join_link(base_url: str, token: str, entry: str) -> str:
    """The attendee's personal join link of an item (`GET /join/TOKEN/ITEM`): the same from
    the first invite on, it leads to the provider's link only while the item is open to join,
    so a changed provider link needs no calendar update and cannot leak early."""
    return f"{base_url.rstrip('/')}/join/{token}/{entry}"


def release_link(base_url: str, token: str, entry: str) -> str:
    """The page that gives the attendee's place in a session back (`/me/TOKEN/release/ITEM`):
    it shows one button, and only that button's post frees the place."""
    return f"{base_url.rstrip('/')}/me/{token}/release/{entry}"


def description(item: InviteItem, link: str) -> str:
    """The event's text, with the attendee's join link under it (`link` empty: a
    cancellation, an item without a video link)."""
    return _before_link(item) + link if link else item.description.strip()


def _before_link(item: InviteItem) -> str:
    text = item.description.strip()
    return f"{text}\n\n" if text else ""


def link_properties(item: InviteItem, link: str) -> list[tuple[str, vText | vUri]]:
    """Besides the text, the event's properties that carry the attendee's join link: the URL,
    and the location when the item has no room."""
    found: list[tuple[str, vText | vUri]] = [("URL", vUri(link))]
    if not item.location:
        found.append(("LOCATION", vText(link)))
    return found


def invite_uid(festival: Festival, entry: str, registration_id: int) -> str:
    """One UID per attendee and item, stable for ever: updates and cancels find the event."""
    return f"{entry}.{registration_id}.{festival.slug}@festival"


@dataclass(frozen=True)
class InviteTemplate:
    """One item's invitation as icalendar serialised it, without the attendee's own properties.

    Everything but UID, SEQUENCE, ATTENDEE and the attendee's join link is the same for every
    attendee of an item, and serialising it (property values, escaping, line folding) costs
    most of the time of a mail. So it is serialised once per item and `for_attendee` adds the
    attendee's properties, serialised by icalendar as well, at the top of the VEVENT. The
    description, which ends in the attendee's join link and release link, is folded up to
    those once per item (its text is the long part); they are folded on as a continuation for
    each attendee.
    """

    head: bytes  # up to and including BEGIN:VEVENT
    tail: bytes  # the shared properties, the VALARM, END:VEVENT, END:VCALENDAR
    festival: Festival
    item: InviteItem
    # The DESCRIPTION line up to the attendee's own links, folded; empty when the invite
    # carries none (a cancellation, a plenary without a stream), and the text is in `tail`.
    described: bytes

    @property
    def linked(self) -> bool:
        """Whether the invitation carries the attendee's join link (`for_attendee`'s `link`)."""
        return bool(self.described) and self.item.online

    @property
    def releasable(self) -> bool:
        """Whether it carries the attendee's release link (`for_attendee`'s `release`)."""
        return bool(self.described) and self.item.releasable

    def for_attendee(
        self,
        *,
        registration_id: int,
        attendee: tuple[str, str],
        sequence: int,
        link: str,
        release: str,
    ) -> bytes:
        """The invitation for one attendee; `link` is their personal join link of the item,
        used when the invitation carries one (`linked`), `release` the labelled line with
        their release link, used when it carries one (`releasable`)."""
        address = vCalAddress(f"mailto:{attendee[1]}")
        # Plain strings, not vText: the same text once serialised, without a vText (and its
        # own parameters) made for each.
        address.params["cn"] = attendee[0]
        address.params["role"] = "REQ-PARTICIPANT"
        address.params["partstat"] = "NEEDS-ACTION"
        address.params["rsvp"] = "TRUE"
        # Content lines straight from their values, as `Event.to_ical` would write them, but
        # without a component to fill, sort and wrap in BEGIN/END lines: half the time.
        own = Contentlines(
            [
                Contentline.from_parts(
                    "UID",
                    Parameters(),
                    vText(invite_uid(self.festival, self.item.entry, registration_id)),
                ),
                Contentline.from_parts("SEQUENCE", Parameters(), vInt(sequence)),
                Contentline.from_parts("ATTENDEE", address.params, address),
            ]
        )
        if self.linked:
            own.extend(
                Contentline.from_parts(name, Parameters(), value)
                for name, value in link_properties(self.item, link)
            )
        lines: bytes = own.to_ical()  # type: ignore[no-untyped-call]  # unannotated in icalendar
        if self.described:
            own_text = [link] if self.linked else []
            own_text += [release] if self.releasable else []
            # A line may be folded anywhere: the links go on as a continuation line of the
            # description (its leading space is the fold's), folded by icalendar as the rest.
            value = vText("\n\n".join(own_text)).to_ical().decode()
            folded: bytes = Contentline(f" {value}").to_ical()  # type: ignore[no-untyped-call]
            lines += self.described + b"\r\n" + folded + b"\r\n"
        return self.head + lines + self.tail


_BEGIN_EVENT = b"BEGIN:VEVENT\r\n"
EventStatus = Literal["CONFIRMED", "CANCELLED"]


def invite_template(
    festival: Festival,
    item: InviteItem,
    *,
    organizer: tuple[str, str],
    method: str,
    now: datetime,
    alarm_minutes: int,
) -> InviteTemplate:
    """An iMIP invitation (RFC 6047), METHOD REQUEST or CANCEL with one VEVENT, times in UTC,
    ready to be completed for each attendee."""
    cal = new_calendar()
    cal.add("method", method)
    status: EventStatus = "CANCELLED" if method == "CANCEL" else "CONFIRMED"
    ev = item_event(festival, item, status=status, now=now, alarm_minutes=alarm_minutes)
    described = b""
    if status == "CONFIRMED" and (item.online or item.releasable):
        line = Contentline.from_parts("DESCRIPTION", Parameters(), vText(_before_link(item)))
        described = line.to_ical()
    else:
        ev.add("description", description(item, ""))
    organizer_address = vCalAddress(f"mailto:{organizer[1]}")
    organizer_address.params["cn"] = vText(organizer[0])
    ev.add("organizer", organizer_address)
    cal.add_component(ev)
    data: bytes = cal.to_ical()
    head, begin, tail = data.partition(_BEGIN_EVENT)
    return InviteTemplate(head + begin, tail, festival, item, described)


def new_calendar() -> Calendar:
    """An empty VCALENDAR with our PRODID."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    return cal


def item_event(
    festival: Festival, item: InviteItem, *, status: EventStatus, now: datetime, alarm_minutes: int
) -> Event:
    """One item's VEVENT without UID, SEQUENCE, the people, the text or the properties that
    carry the attendee's join link (`description`, `link_properties`): what every invite of
    the item and the personal feed show alike. A confirmed item reminds `alarm_minutes`
    before it starts."""
    ev = Event()
    ev.add("dtstamp", now)
    ev.add("dtstart", item.start)
    ev.add("dtend", item.end)
    ev.add("summary", f"{item.title} · {festival.title}")
    if item.location:
        ev.add("location", item.location)
    ev.add("status", status)
    if status == "CONFIRMED":
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", item.title)
        alarm.add("trigger", timedelta(minutes=-alarm_minutes))
        ev.add_component(alarm)
    return ev
