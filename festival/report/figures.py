"""The report's counting rules, in one place.

- A session's *registered* are its confirmed places now, online and on site together; its
  *waitlisted* the places in its line now; its *given back* the confirmed places given up,
  left for another session of the round, or erased with their registration (recorded from
  migration 0010 on: places given back before it are not counted). Sessions and rounds taken
  off the programme are left out.
- Attendance is counted of the registered only, so every figure is at most *registered*
  (someone who joined and then gave their place back counts as given back, not as come).
  *Joined online*: those who opened the session by their personal join link
  (`festival.attendance.join`; counted once however often). *Checked in*: those checked in
  at the door. A check-in is per festival, not per room: it counts for every session the
  attendee holds a confirmed place in, whichever way they registered (an online registrant
  who turns up is checked in by name and shown their places), as certificates count it
  (`festival.attendance.certificate`); the door cannot tell a room left early.
  *Attended*: joined online or checked in (both counts once). *No-shows*: registered and
  not attended, counted only once the session has ended (its programme end); before that
  there are none to count (None, shown as "—").
- The plenary has no places to choose: everyone registered holds one. Its *joined online*,
  *checked in* and *attended* count as a session's; it has no no-shows, since its
  registered include those who only came for a session.
- The festival's *no-show rate*: the ended sessions' no-shows over their registered, None
  while no session has ended or none had anyone registered.
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

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from festival.programme.model import PLENARY, SHOW, Festival
from festival.qa.channels import qa_channels
from festival.qa.model import QaChannel, archived
from festival.qa.records import event_from_parts
from festival.qa.rules import apply
from festival.report.model import (
    ChannelFigures,
    EndedSessions,
    LiveFigures,
    PlenaryFigures,
    Report,
    SessionFigures,
)
from festival.report.source import NOBODY, LoggedEvent, Presence, ReportSource
from festival.show import BlockActual, ShowEvent, block_actuals, replay


def report(festival: Festival, source: ReportSource, live: LiveFigures, *, now: datetime) -> Report:
    """The organiser's report of `festival` at `now` from what is stored; `live` is what
    `live_figures` made of its live channels' log."""
    sessions = _sessions(festival, source, now)
    return Report(festival, sessions, _plenary(festival, source), _ended(sessions), live)


def live_figures(festival: Festival, log: Mapping[str, Sequence[LoggedEvent]]) -> LiveFigures:
    """The questions per Q&A channel and the plenary's blocks, from the live channels' log
    (channel -> its events, oldest first)."""
    blocks: tuple[BlockActual, ...] = ()
    if festival.plenary is not None:
        events = (ShowEvent.from_dict(e.body) for e in log.get(SHOW, ()))
        blocks = block_actuals(replay(festival.plenary, events))
    return LiveFigures(_channels(festival, log), blocks)


def _attended(came: Presence) -> int:
    return came.joined + came.checked_in - came.both


def _sessions(
    festival: Festival, source: ReportSource, now: datetime
) -> tuple[SessionFigures, ...]:
    figures = []
    for round_, session in festival.sessions():
        if round_.cancelled or session.cancelled:
            continue
        registered = sum(c.confirmed for c in source.counts.get(session.id, ()))
        came = source.presence.get(session.id, NOBODY)
        ended = now >= session.end
        figures.append(
            SessionFigures(
                round_id=round_.id,
                round_title=round_.title,
                session_id=session.id,
                title=session.title,
                capacity=session.capacity,
                seats=session.seats,
                registered=registered,
                waitlisted=sum(c.waitlisted for c in source.counts.get(session.id, ())),
                given_back=source.given_back.get(session.id, 0),
                checked_in=came.checked_in,
                joined_online=came.joined,
                attended=_attended(came),
                ended=ended,
                no_shows=registered - _attended(came) if ended else None,
            )
        )
    return tuple(figures)


def _plenary(festival: Festival, source: ReportSource) -> PlenaryFigures | None:
    if festival.plenary is None:
        return None
    came = source.presence.get(PLENARY, NOBODY)
    return PlenaryFigures(source.registrations, came.checked_in, came.joined, _attended(came))


def _ended(sessions: Iterable[SessionFigures]) -> EndedSessions:
    ended = [s for s in sessions if s.no_shows is not None]
    registered = sum(s.registered for s in ended)
    no_shows = sum(s.no_shows or 0 for s in ended)
    return EndedSessions(
        sessions=len(ended),
        registered=registered,
        checked_in=sum(s.checked_in for s in ended),
        joined_online=sum(s.joined_online for s in ended),
        attended=sum(s.attended for s in ended),
        no_shows=no_shows,
        no_show_rate=no_shows / registered if registered else None,
    )


def _channels(
    festival: Festival, log: Mapping[str, Sequence[LoggedEvent]]
) -> tuple[ChannelFigures, ...]:
    figures = []
    for info in qa_channels(festival).values():
        state = _replayed(info.id, log.get(info.id, ()))
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
