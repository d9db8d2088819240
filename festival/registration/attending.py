"""An attendee's places as their page shows them: what each is worth now, and when its join
link shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from festival.programme.model import Festival, Round, Session
from festival.registration.model import Place, PlaceStatus, Registration, status_in


@dataclass(frozen=True)
class HeldPlace:
    round: Round
    session: Session
    place: Place
    link_from: datetime  # when the join link appears

    @property
    def status(self) -> PlaceStatus:
        return status_in(self.place, self.round, self.session)

    def join_url(self, now: datetime) -> str:
        """The link only once the room is about to open, and only with a confirmed place in
        a session that still takes place."""
        if self.status != "confirmed" or not (self.link_from <= now < self.session.end):
            return ""
        return self.session.join_url


def held_places(
    festival: Festival, registration: Registration, lead_minutes: int
) -> tuple[HeldPlace, ...]:
    """The registration's places in sessions on the programme; each join link shows
    `lead_minutes` before its session starts (the `join_link_minutes` setting)."""
    sessions = {s.id: (r, s) for r, s in festival.sessions()}
    out = []
    for place in registration.places:
        if place.session_id in sessions:
            round_, session = sessions[place.session_id]
            link_from = session.start - timedelta(minutes=lead_minutes)
            out.append(HeldPlace(round_, session, place, link_from))
    return tuple(out)
