"""The report's counting rules, in one place.

- A session's *registered* are its confirmed places now, online and on site together; its
  *waitlisted* the places in its line now; its *given back* the confirmed places given up,
  left for another session of the round, or erased with their registration (recorded from
  migration 0010 on: places given back before it are not counted). Sessions and rounds taken
  off the programme are left out.
- A Q&A channel's questions are read from its stored events, replayed with the Q&A rules
  (`festival.qa.rules.apply`), so they are what the moderators saw at the end: *asked* every
  question in the channel (merged duplicates included; questions cleared as a rehearsal's
  are not); *approved* those published at the end (approved, on air or answered: a question
  hidden again, or merged into another, is not); *answered* those marked answered (what the
  archive shows, `festival.qa.model.archived`).
- The plenary's blocks are the run-of-show replayed from its events (`festival.show.replay`,
  as `festival export runlog --blocks` does), planned against actual
  (`festival.show.BlockActual`).
"""

from __future__ import annotations

from collections.abc import Iterable

from festival.programme.model import SHOW, Festival
from festival.qa.channels import qa_channels
from festival.qa.model import QaChannel, archived
from festival.qa.records import event_from_parts
from festival.qa.rules import apply
from festival.report.model import ChannelFigures, Report, SessionFigures
from festival.report.source import LoggedEvent, ReportSource
from festival.show import BlockActual, ShowEvent, block_actuals, replay


def report(festival: Festival, source: ReportSource) -> Report:
    """The organiser's report of `festival` from what is stored."""
    blocks: tuple[BlockActual, ...] = ()
    if festival.plenary is not None:
        events = (ShowEvent.from_dict(e.body) for e in source.log.get(SHOW, ()))
        blocks = block_actuals(replay(festival.plenary, events))
    return Report(festival, _sessions(festival, source), _channels(festival, source), blocks)


def _sessions(festival: Festival, source: ReportSource) -> tuple[SessionFigures, ...]:
    return tuple(
        SessionFigures(
            round_id=round_.id,
            round_title=round_.title,
            session_id=session.id,
            title=session.title,
            capacity=session.capacity,
            seats=session.seats,
            registered=sum(c.confirmed for c in source.counts.get(session.id, ())),
            waitlisted=sum(c.waitlisted for c in source.counts.get(session.id, ())),
            given_back=source.given_back.get(session.id, 0),
        )
        for round_, session in festival.sessions()
        if not (round_.cancelled or session.cancelled)
    )


def _channels(festival: Festival, source: ReportSource) -> tuple[ChannelFigures, ...]:
    figures = []
    for info in qa_channels(festival).values():
        state = _replayed(info.id, source.log.get(info.id, ()))
        questions = state.questions.values()
        figures.append(
            ChannelFigures(
                channel=info.id,
                title=info.title,
                asked=len(questions),
                approved=sum(1 for q in questions if q.public),
                answered=len(archived(state)),
            )
        )
    return tuple(figures)


def _replayed(channel: str, events: Iterable[LoggedEvent]) -> QaChannel:
    state = QaChannel(channel)
    for e in events:
        state = apply(state, event_from_parts(e.type, channel, e.actor, e.at, e.body))
    return state
