"""An attendee's places as their page shows them: what each is worth now."""

from __future__ import annotations

from dataclasses import replace

from festival.programme.loading import read_programme
from festival.registration.attending import held_places
from festival.registration.model import Place, Registration
from tests.conftest import REFERENCE

FESTIVAL = read_programme(REFERENCE)
ROUND = FESTIVAL.rounds[0]
SESSION = ROUND.sessions[0]


def _ann(status: str = "confirmed") -> Registration:
    place = Place(ROUND.id, SESSION.id, "confirmed" if status == "confirmed" else "waitlisted",
                  None if status == "confirmed" else 1)  # fmt: skip
    return Registration(
        1, FESTIVAL.slug, "Ann", "ann@example.org", "", "nl", "online", SESSION.start, (place,)
    )


def test_a_place_is_worth_what_its_session_is_now():
    (mine,) = held_places(FESTIVAL, _ann())
    (waiting,) = held_places(FESTIVAL, _ann("waitlisted"))
    cancelled = replace(
        FESTIVAL,
        rounds=(replace(ROUND, sessions=(replace(SESSION, cancelled=True),)),),
    )
    (gone,) = held_places(cancelled, _ann())

    assert (mine.session, mine.status) == (SESSION, "confirmed")
    assert waiting.status == "waitlisted"
    assert gone.status == "cancelled"


def test_a_place_in_a_session_gone_from_the_programme_is_not_held():
    elsewhere = replace(FESTIVAL, rounds=(replace(ROUND, sessions=ROUND.sessions[1:]),))

    assert held_places(elsewhere, _ann()) == ()
