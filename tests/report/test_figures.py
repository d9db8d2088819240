"""The report's counting rules on the Q&A log, with events made by the real Q&A rules: what
counts as asked, approved and answered when questions are merged, hidden or cleared as a
rehearsal's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from festival.programme.loading import read_programme
from festival.programme.model import PLENARY
from festival.qa import rules
from festival.qa.model import QaChannel, QaEvent
from festival.qa.records import event_body
from festival.report.figures import report
from festival.report.source import LoggedEvent, ReportSource
from tests.conftest import REFERENCE

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
    source = ReportSource(counts={}, given_back={}, log={PLENARY: _logged(channel.events)})
    figures = report(festival, source).channels[0]
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

    made = report(festival, ReportSource(counts={}, given_back={}, log={}))

    assert {(c.asked, c.approved, c.answered) for c in made.channels} == {(0, 0, 0)}
    assert {(s.registered, s.waitlisted, s.given_back) for s in made.sessions} == {(0, 0, 0)}
    assert {b.status for b in made.blocks} == {"upcoming"}
