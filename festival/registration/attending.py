"""An attendee's places as their page shows them: what each is worth now. When a place's
join link opens is `festival.attendance`'s to say."""

from __future__ import annotations

from dataclasses import dataclass

from festival.programme.model import Festival, Round, Session
from festival.registration.model import Place, PlaceStatus, Registration, status_in


@dataclass(frozen=True)
class HeldPlace:
    round: Round
    session: Session
    place: Place

    @property
    def status(self) -> PlaceStatus:
        return status_in(self.place, self.round, self.session)


def held_places(festival: Festival, registration: Registration) -> tuple[HeldPlace, ...]:
    """The registration's places in sessions on the programme."""
    sessions = {s.id: (r, s) for r, s in festival.sessions()}
    return tuple(
        HeldPlace(*sessions[place.session_id], place)
        for place in registration.places
        if place.session_id in sessions
    )
