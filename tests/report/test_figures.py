"""The report's counting rules: on the Q&A log, with events made by the real Q&A rules, what
counts as asked, approved and answered when questions are merged, hidden or cleared as a
rehearsal's; on the stored places and attendance, who came, who did not (once a session has
ended) and the festival's no-show rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from festival.programme.loading import read_programme
from festival.programme.model import PLENARY
from festival.qa import rules
from festival.qa.model import QaChannel, QaEvent
from festival.qa.records import event_body
from festival.registration.model import SessionCount
from festival.report.figures import live_figures, report
from festival.report.model import EndedSessions, PlenaryFigures, Report
from festival.report.source import LoggedEvent, Presence, ReportSource
from tests.conftest import REFERENCE
from tests.factories import local

AT = datetime(2020, 11, 19, 12, 0, tzinfo=UTC)
MODERATOR = "moderator#1"


def _logged(events: list[QaEvent]) -> list[LoggedEvent]:
    return [LoggedEvent(e.type.value, e.actor, e.at, event_body(e)) for e in events]


class Channel:
    """A plenary Q&A driven through the rules, keeping every event as it would be stored."""

    def __init__(self) -> None:
        self.state = QaChannel(PLENARY)
        self.events: list[QaEvent] = []
        self.asked = 0
        self.run(rules.open_qa(self.state, actor=MODERATOR, now=AT))

    def run(self, outcome: rules.Outcome) -> None:
        self.state = outcome.state
        self.events += outcome.events

    def ask(self, asker: str, minutes: int = 0) -> str:
        self.asked += 1
        question = f"q{self.asked}"
        at = AT + timedelta(minutes=minutes)
        self.run(
            rules.ask(self.state, question, asker_id=asker, asker_name=asker, text="Vraag", now=at)
        )
        return question

    def moderate(self, action: str, question: str, **fields: str) -> None:
        act = getattr(rules, action)
        self.run(act(self.state, question, actor=MODERATOR, now=AT, **fields))


def _plenary_figures(channel: Channel) -> tuple[int, int, int]:
    festival = read_programme(REFERENCE)
    figures = live_figures(festival, {PLENARY: _logged(channel.events)}).channels[0]
    assert figures.channel == PLENARY
    return figures.asked, figures.approved, figures.answered


def test_a_merged_duplicate_was_asked_but_is_not_approved():
    channel = Channel()
    first, duplicate = channel.ask("r1"), channel.ask("r2")
    channel.moderate("approve", first)
    channel.moderate("approve", duplicate)
    channel.moderate("merge", duplicate, into=first)

    assert _plenary_figures(channel) == (2, 1, 0)


def test_a_question_answered_from_the_air_counts_as_approved_and_answered():
    channel = Channel()
    question = channel.ask("r1")
    channel.moderate("approve", question)
    channel.moderate("pick", question)
    channel.moderate("mark_answered", question)

    assert _plenary_figures(channel) == (1, 1, 1)


def test_a_hidden_question_is_asked_only_and_a_rehearsal_s_questions_not_at_all():
    channel = Channel()
    hidden = channel.ask("r1")
    channel.moderate("approve", hidden)
    channel.moderate("hide", hidden)
    rehearsed = channel.ask("r2", minutes=30)
    channel.moderate("approve", rehearsed)
    since = AT + timedelta(minutes=30)
    channel.run(rules.clear_questions(channel.state, asked_since=since, actor=MODERATOR, now=since))

    assert _plenary_figures(channel) == (1, 0, 0)


def test_nothing_stored_counts_nothing():
    festival = read_programme(REFERENCE)

    made = report(festival, _source(), live_figures(festival, {}), now=local(16))

    assert {(c.asked, c.approved, c.answered) for c in made.channels} == {(0, 0, 0)}
    assert {(s.registered, s.waitlisted, s.given_back) for s in made.sessions} == {(0, 0, 0)}
    assert {(s.attended, s.no_shows) for s in made.sessions} == {(0, 0)}
    assert made.plenary == PlenaryFigures(0, 0, 0, 0)
    assert made.ended == EndedSessions(11, 0, 0, 0, 0, 0, None)
    assert {b.status for b in made.blocks} == {"upcoming"}


# -- who came ------------------------------------------------------------------------------------


def _source(
    confirmed: dict[str, int] | None = None,
    presence: dict[str, Presence] | None = None,
    registrations: int = 0,
) -> ReportSource:
    counts = {s: [SessionCount(s, "online", n, 0)] for s, n in (confirmed or {}).items()}
    return ReportSource(counts, {}, presence or {}, registrations)


def _figures(now_hour: int, now_minute: int, source: ReportSource) -> Report:
    festival = read_programme(REFERENCE)
    return report(festival, source, live_figures(festival, {}), now=local(now_hour, now_minute))


def _session(made: Report, session: str) -> tuple[int, int, int, int, int | None]:
    s = next(s for s in made.sessions if s.session_id == session)
    return s.registered, s.checked_in, s.joined_online, s.attended, s.no_shows


def test_one_who_joined_online_and_checked_in_attended_once():
    # huiskamer-1: 6 registered; 3 joined online, 2 checked in, 1 of them did both.
    source = _source({"huiskamer-1": 6}, {"huiskamer-1": Presence(3, 2, 1)})

    made = _figures(11, 30, source)  # ronde-1 ends at 11:30

    assert _session(made, "huiskamer-1") == (6, 2, 3, 4, 2)


def test_no_shows_are_not_counted_until_the_session_has_ended():
    source = _source({"huiskamer-1": 6}, {"huiskamer-1": Presence(3, 2, 1)})

    made = _figures(11, 29, source)

    assert _session(made, "huiskamer-1") == (6, 2, 3, 4, None)
    assert made.ended == EndedSessions(0, 0, 0, 0, 0, 0, None)


def test_the_no_show_rate_is_no_shows_over_registered_of_the_ended_sessions_only():
    # Ronde-1 (until 11:30) has ended, ronde-2 (12:00-13:00) is running: its 10 registered,
    # none come yet, are left out of the rate.
    source = _source(
        {"huiskamer-1": 6, "huiskamer-2": 2, "huiskamer-6": 10},
        {"huiskamer-1": Presence(3, 2, 1), "huiskamer-2": Presence(0, 2, 0)},
    )

    made = _figures(12, 30, source)

    assert _session(made, "huiskamer-2") == (2, 2, 0, 2, 0)
    assert _session(made, "huiskamer-6") == (10, 0, 0, 0, None)
    assert made.ended == EndedSessions(6, 8, 4, 3, 6, 2, 0.25)


def test_the_plenary_counts_every_registration_and_has_no_no_shows():
    source = _source(presence={PLENARY: Presence(5, 4, 2)}, registrations=12)

    made = _figures(16, 0, source)

    assert made.plenary == PlenaryFigures(12, 4, 5, 7)
    assert made.ended.registered == 0  # the plenary is not in the rate
