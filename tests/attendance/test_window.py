"""The join window of a personal join link: when it opens and closes, who may pass, and
where to."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

import festival.attendance
from festival.attendance import join_decision, join_window
from festival.errors import Forbidden, NotFound
from festival.programme.loading import read_programme
from festival.programme.model import PLENARY
from festival.registration.model import Place, Registration
from festival.show import PlenaryTimes
from tests.conftest import REFERENCE
from tests.factories import local

FESTIVAL = read_programme(REFERENCE)
ROUND = FESTIVAL.rounds[0]
SESSION = ROUND.sessions[0]  # huiskamer-1, 10:30 to 11:30
OTHER = ROUND.sessions[1]


def _ann(status: str = "confirmed") -> Registration:
    place = Place(ROUND.id, SESSION.id, "confirmed" if status == "confirmed" else "waitlisted",
                  None if status == "confirmed" else 1)  # fmt: skip
    return Registration(
        1, FESTIVAL.slug, "Ann", "ann@example.org", "", "nl", "online", SESSION.start, (place,)
    )


def _decide(entry: str, minute: int, hour: int = 10, **changes: object):
    return join_decision(
        replace(FESTIVAL, **changes) if changes else FESTIVAL,
        _ann(),
        entry,
        local(hour, minute),
        lead_minutes=15,
        show=None,
    )


def test_the_package_exports_its_rules():
    assert festival.attendance.__all__ == [
        "AttendanceStore",
        "Attended",
        "Certificate",
        "CheckIn",
        "Eligibility",
        "JoinDecision",
        "JoinOutcome",
        "JoinWindow",
        "Joined",
        "Standing",
        "Verified",
        "attended_minutes",
        "certificate",
        "certificate_mail",
        "certificate_mail_moment",
        "check_in",
        "checkin_code",
        "eligibility",
        "has_door",
        "join",
        "join_decision",
        "join_window",
        "normal_code",
        "plenary_window",
        "search",
        "shown_code",
        "shows_code",
    ]


@pytest.mark.parametrize(
    ("minute", "outcome"), [(14, "not_yet"), (15, "open"), (89, "open"), (90, "ended")]
)
def test_a_session_opens_the_lead_before_its_start_until_its_end(minute: int, outcome: str):
    decision = _decide(SESSION.id, minute=minute % 60, hour=10 + minute // 60)

    assert decision.outcome == outcome
    assert decision.url == (SESSION.join_url if outcome == "open" else "")
    assert decision.window.opens == SESSION.start - timedelta(minutes=15)
    assert decision.window.closes == SESSION.end


def test_another_attendees_session_or_a_waitlisted_place_is_refused():
    waiting = _ann("waitlisted")

    with pytest.raises(Forbidden):
        _decide(OTHER.id, minute=20)
    with pytest.raises(Forbidden):
        join_decision(FESTIVAL, waiting, SESSION.id, local(10, 20), lead_minutes=15, show=None)


def test_an_item_the_programme_does_not_have_is_not_found():
    with pytest.raises(NotFound):
        _decide("huiskamer-99", minute=20)
    with pytest.raises(NotFound):
        _decide(PLENARY, minute=20, plenary=None)


def test_a_cancelled_session_says_so_and_leads_nowhere():
    cancelled = replace(ROUND, sessions=(replace(SESSION, cancelled=True), OTHER))

    decision = _decide(SESSION.id, minute=20, rounds=(cancelled,))

    assert (decision.outcome, decision.url) == ("cancelled", "")


def test_a_session_without_an_online_link_opens_to_no_link():
    on_site = replace(ROUND, sessions=(replace(SESSION, join_url=""), OTHER))

    decision = _decide(SESSION.id, minute=20, rounds=(on_site,))

    assert (decision.outcome, decision.url) == ("no_link", "")


def test_the_plenary_follows_its_projected_times_while_the_show_runs():
    assert FESTIVAL.plenary is not None
    late = PlenaryTimes(local(13, 50), local(15, 35), delay_minutes=20)

    planned = join_window(FESTIVAL.plenary.start, FESTIVAL.plenary.end, 15)
    projected = join_window(FESTIVAL.plenary.start, FESTIVAL.plenary.end, 15, late)
    without_show = join_decision(
        FESTIVAL, _ann(), PLENARY, local(15, 20), lead_minutes=15, show=None
    )

    assert (planned.opens, planned.closes) == (local(13, 15), local(15, 15))
    assert (projected.opens, projected.closes) == (local(13, 35), local(15, 35))
    assert (without_show.outcome, without_show.url) == ("ended", "")


def test_everyone_registered_has_a_place_at_the_plenary():
    nobody = replace(_ann(), places=())

    decision = join_decision(FESTIVAL, nobody, PLENARY, local(13, 20), lead_minutes=15, show=None)

    assert FESTIVAL.plenary is not None
    assert (decision.outcome, decision.url) == ("open", FESTIVAL.plenary.stream_url)
