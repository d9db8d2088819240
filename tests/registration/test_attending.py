"""An attendee's places as their page shows them: status now, and when the join link shows."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

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


def test_the_join_link_shows_from_the_lead_until_the_session_ends():
    (mine,) = held_places(FESTIVAL, _ann(), lead_minutes=15)
    opens = SESSION.start - timedelta(minutes=15)

    assert mine.link_from == opens
    assert mine.join_url(opens - timedelta(seconds=1)) == ""
    assert mine.join_url(opens) == SESSION.join_url != ""
    assert mine.join_url(SESSION.end) == ""


def test_no_join_link_on_the_waitlist_or_in_a_cancelled_session():
    (waiting,) = held_places(FESTIVAL, _ann("waitlisted"), lead_minutes=15)
    cancelled = replace(
        FESTIVAL,
        rounds=(replace(ROUND, sessions=(replace(SESSION, cancelled=True),)),),
    )
    (gone,) = held_places(cancelled, _ann(), lead_minutes=15)

    assert (waiting.status, waiting.join_url(SESSION.start)) == ("waitlisted", "")
    assert (gone.status, gone.join_url(SESSION.start)) == ("cancelled", "")
