"""Tests for festival.qa: the live Q&A rules, the events they return and the three views.

Pure and sync: every moment is passed in, nothing is stored. The builders below bring a
question to a state the way moderators would, through the commands themselves.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any

import pytest

import festival.qa
from festival.errors import FestivalError
from festival.qa import (
    ASK_WINDOW,
    AUDIENCE_REMOVED,
    MAX_ASKS,
    MAX_NOTE,
    MAX_TEXT,
    PROGRAMME_ACTOR,
    ErrorCode,
    EventType,
    Outcome,
    QaChannel,
    QaError,
    QaEvent,
    Question,
    QuestionState,
    RateLimited,
    View,
    addressed_to,
    annotate,
    apply,
    approve,
    archived,
    ask,
    by_time,
    by_votes,
    check_rate,
    clear_questions,
    close_qa,
    edit,
    event_for_audience,
    event_for_moderator,
    follow_block,
    for_archive,
    for_audience,
    for_moderator,
    hide,
    mark_answered,
    merge,
    open_qa,
    pick,
    queue,
    snapshot_for_audience,
    snapshot_for_moderator,
    star,
    unpick,
    unstar,
    unvote,
    vote,
)

S = QuestionState
CHANNEL = "plenary"
T0 = datetime(2020, 11, 19, 13, 30, tzinfo=UTC)
PEOPLE = ("Monique Kremer", "Esmeralda de Vries")
MOD = "mod-1"
ASKER = "att-1"
OTHER = "att-2"
TEXT = "Wat vraagt de agenda van het sociaal werk van gemeenten?"


def at(seconds: float = 0) -> datetime:
    return T0 + timedelta(seconds=seconds)


def opened() -> QaChannel:
    return open_qa(QaChannel(CHANNEL), actor=MOD, now=T0).state


def asking(
    state: QaChannel | None = None,
    question_id: str = "q1",
    *,
    asker: str = ASKER,
    text: str = TEXT,
    seconds: float = 0,
    **options: Any,
) -> Outcome:
    return ask(
        opened() if state is None else state,
        question_id,
        asker_id=asker,
        asker_name=f"Naam {asker}",
        text=text,
        now=at(seconds),
        people=PEOPLE,
        **options,
    )


def with_question(
    state: QaChannel | None = None, question_id: str = "q1", **options: Any
) -> QaChannel:
    return asking(state, question_id, **options).state


def in_state(target: QuestionState, question_id: str = "q1", **options: Any) -> QaChannel:
    """A channel holding `question_id` in state `target`, reached through the commands."""
    state = with_question(None, question_id, **options)
    if target is S.PENDING:
        return state
    if target is S.HIDDEN:
        return hide(state, question_id, actor=MOD, now=at(1)).state
    if target is S.MERGED:
        state = with_question(state, f"{question_id}-original", asker="att-9")
        return merge(state, question_id, into=f"{question_id}-original", actor=MOD, now=at(1)).state
    state = approve(state, question_id, actor=MOD, now=at(1)).state
    if target is S.ON_AIR:
        return pick(state, question_id, actor=MOD, now=at(2)).state
    if target is S.ANSWERED:
        return mark_answered(state, question_id, actor=MOD, now=at(2)).state
    return state


def approved(state: QaChannel, question_id: str) -> QaChannel:
    return approve(state, question_id, actor=MOD, now=at(1)).state


def voted(state: QaChannel, question_id: str, *voters: str) -> QaChannel:
    for voter in voters:
        state = vote(state, question_id, voter_id=voter, now=at(3)).state
    return state


def shown(view: View | None) -> dict[str, Any]:
    """A view that must exist, typed loosely so a test can look inside nested views."""
    assert view is not None
    return view


def shown_question(event: QaEvent) -> Question:
    assert event.question is not None
    return event.question


# --- the package -----------------------------------------------------------------------------


def test_exports_pinned():
    assert sorted(festival.qa.__all__) == sorted(
        [
            "ASK_WINDOW",
            "AUDIENCE_REMOVED",
            "ERASURE_ACTOR",
            "MAX_ASKS",
            "MAX_NOTE",
            "MAX_OPTIONS",
            "MAX_POLL_OPTION",
            "MAX_POLL_QUESTION",
            "MAX_TEXT",
            "MIN_OPTIONS",
            "MODERATOR_ONLY_EVENTS",
            "PROGRAMME_ACTOR",
            "PUBLIC_STATES",
            "VOTABLE_STATES",
            "ErrorCode",
            "EventType",
            "Outcome",
            "Poll",
            "PollAnswer",
            "PollState",
            "QaChannel",
            "QaError",
            "QaEvent",
            "Question",
            "QuestionState",
            "RateLimited",
            "View",
            "addressed_to",
            "annotate",
            "answer_poll",
            "archived",
            "apply",
            "approve",
            "ask",
            "asked_times",
            "by_time",
            "by_votes",
            "check_rate",
            "clean_text",
            "clear_questions",
            "close_poll",
            "close_qa",
            "edit",
            "event_for_audience",
            "event_for_moderator",
            "follow_block",
            "for_archive",
            "for_audience",
            "for_moderator",
            "for_poll",
            "forget_person",
            "hide",
            "mark_answered",
            "match_speaker",
            "merge",
            "open_poll",
            "open_qa",
            "pick",
            "queue",
            "snapshot_for_audience",
            "show_poll",
            "snapshot_for_moderator",
            "star",
            "unpick",
            "unstar",
            "unvote",
            "visible_to",
            "vote",
            "without_person",
        ]
    )
    assert all(hasattr(festival.qa, name) for name in festival.qa.__all__)


def test_error_codes_pinned():
    assert sorted(code.value for code in ErrorCode) == [
        "qa.already_voted",
        "qa.closed",
        "qa.empty",
        "qa.invalid_option",
        "qa.not_allowed_state",
        "qa.not_votable",
        "qa.not_voted",
        "qa.poll_closed",
        "qa.poll_options",
        "qa.poll_still_open",
        "qa.rate_limited",
        "qa.same_question",
        "qa.too_long",
        "qa.unknown_poll",
        "qa.unknown_question",
        "qa.unknown_speaker",
    ]


def test_event_types_pinned():
    assert sorted(t.value for t in EventType) == [
        "poll.answered",
        "poll.closed",
        "poll.opened",
        "poll.shown",
        "qa.closed",
        "qa.opened",
        "question.absorbed",
        "question.anonymised",
        "question.answered",
        "question.approved",
        "question.asked",
        "question.cleared",
        "question.edited",
        "question.hidden",
        "question.merged",
        "question.noted",
        "question.picked",
        "question.starred",
        "question.unpicked",
        "question.unstarred",
        "question.unvoted",
        "question.voted",
    ]


def test_qa_error_is_festival_error_with_code_and_field():
    with pytest.raises(FestivalError) as excinfo:
        asking(text="   ")

    assert isinstance(excinfo.value, QaError)
    assert (excinfo.value.code, excinfo.value.field) == ("qa.empty", "text")
    assert excinfo.value.message == "the question is empty"


# --- opening and closing ---------------------------------------------------------------------


def test_channel_starts_closed():
    assert QaChannel(CHANNEL).is_open is False


def test_open_qa_emits_opened_by_actor():
    outcome = open_qa(QaChannel(CHANNEL), actor=MOD, now=T0)

    assert outcome.state.is_open is True
    assert outcome.events == (QaEvent(EventType.OPENED, CHANNEL, MOD, T0),)


def test_open_qa_when_open_changes_nothing():
    state = opened()

    assert open_qa(state, actor=MOD, now=at(5)) == Outcome(state)


def test_close_qa_emits_closed():
    outcome = close_qa(opened(), actor=MOD, now=at(5))

    assert outcome.state.is_open is False
    assert outcome.events == (QaEvent(EventType.CLOSED, CHANNEL, MOD, at(5)),)


def test_close_qa_when_closed_changes_nothing():
    state = QaChannel(CHANNEL)

    assert close_qa(state, actor=MOD, now=T0) == Outcome(state)


def test_follow_block_opens_when_block_starts():
    outcome = follow_block(QaChannel(CHANNEL), running=True, now=T0)

    assert outcome.state.is_open is True
    assert outcome.events == (QaEvent(EventType.OPENED, CHANNEL, PROGRAMME_ACTOR, T0),)


def test_follow_block_closes_when_block_ends():
    outcome = follow_block(opened(), running=False, now=at(600))

    assert outcome.state.is_open is False
    assert outcome.events == (QaEvent(EventType.CLOSED, CHANNEL, PROGRAMME_ACTOR, at(600)),)


def test_follow_block_after_moderator_opened_changes_nothing():
    state = opened()

    assert follow_block(state, running=True, now=at(1)) == Outcome(state)


def test_moderation_when_closed_is_allowed():
    state = close_qa(with_question(), actor=MOD, now=at(1)).state

    outcome = approve(state, "q1", actor=MOD, now=at(2))

    assert outcome.state.questions["q1"].state is S.APPROVED


# --- asking ----------------------------------------------------------------------------------


def test_ask_creates_pending_question_and_event():
    outcome = asking(seconds=7)

    question = Question(
        id="q1",
        channel=CHANNEL,
        asker_id=ASKER,
        asker_name=f"Naam {ASKER}",
        text=TEXT,
        asked_at=at(7),
    )
    assert outcome.state.questions == {"q1": question}
    assert outcome.events == (QaEvent(EventType.ASKED, CHANNEL, ASKER, at(7), question),)
    assert question.state is S.PENDING


def test_ask_trims_surrounding_whitespace_only():
    outcome = asking(text="  \n Eerste regel\n\n  tweede  regel \t ")

    assert outcome.state.questions["q1"].text == "Eerste regel\n\n  tweede  regel"


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('x')</script> waarom?",
        "Is 3 < 4 &amp; 5 > 2? <b>vet</b>",
        '<a href="https://example.org">link</a> &lt;al geëscaped&gt;',
    ],
)
def test_ask_html_is_kept_as_text(text):
    state = approved(with_question(text=text), "q1")

    question = state.questions["q1"]
    assert question.text == text
    assert shown(for_audience(question, None))["text"] == text
    assert for_moderator(question)["text"] == text


def test_ask_when_closed_raises_closed():
    with pytest.raises(QaError) as excinfo:
        asking(QaChannel(CHANNEL))

    assert excinfo.value.code == "qa.closed"


@pytest.mark.parametrize("text", ["", "   ", "\n\t \n"])
def test_ask_empty_text_raises_empty(text):
    with pytest.raises(QaError) as excinfo:
        asking(text=text)

    assert (excinfo.value.code, excinfo.value.field) == ("qa.empty", "text")


def test_ask_text_at_limit_is_accepted():
    text = "v" * MAX_TEXT

    outcome = asking(text=f"  {text}  ")

    assert outcome.state.questions["q1"].text == text


def test_ask_text_over_limit_raises_too_long():
    with pytest.raises(QaError) as excinfo:
        asking(text="v" * (MAX_TEXT + 1))

    assert (excinfo.value.code, excinfo.value.field) == ("qa.too_long", "text")
    assert excinfo.value.message == f"at most {MAX_TEXT} characters; this has {MAX_TEXT + 1}"


def test_ask_addressed_to_speaker_stores_programme_spelling():
    outcome = asking(speaker="  monique KREMER ")

    assert outcome.state.questions["q1"].speaker == "Monique Kremer"


@pytest.mark.parametrize("speaker", [None, "", "   "])
def test_ask_without_speaker_addresses_nobody(speaker):
    outcome = asking(speaker=speaker)

    assert outcome.state.questions["q1"].speaker is None


def test_ask_unknown_speaker_raises_unknown_speaker():
    with pytest.raises(QaError) as excinfo:
        asking(speaker="Iemand Anders")

    assert (excinfo.value.code, excinfo.value.field) == ("qa.unknown_speaker", "speaker")


def test_ask_speaker_in_channel_without_people_raises_unknown_speaker():
    with pytest.raises(QaError) as excinfo:
        ask(
            opened(),
            "q1",
            asker_id=ASKER,
            asker_name="Naam",
            text=TEXT,
            now=T0,
            speaker="Monique Kremer",
        )

    assert excinfo.value.code == "qa.unknown_speaker"


def test_ask_anonymous_keeps_asker_for_moderators():
    question = asking(anonymous=True).state.questions["q1"]

    assert (question.anonymous, question.asker_id, question.asker_name) == (
        True,
        ASKER,
        f"Naam {ASKER}",
    )


def test_ask_taken_id_raises_value_error():
    with pytest.raises(ValueError, match="already taken"):
        asking(with_question(), "q1", asker=OTHER)


def test_ask_naive_now_raises_value_error():
    with pytest.raises(ValueError, match="timezone-aware"):
        ask(opened(), "q1", asker_id=ASKER, asker_name="N", text=TEXT, now=T0.replace(tzinfo=None))


def test_ask_refused_leaves_state_as_it_was():
    state = with_question()

    with pytest.raises(QaError):
        asking(state, "q2", text="")

    assert list(state.questions) == ["q1"]


# --- rate limit ------------------------------------------------------------------------------


def asked_at(*seconds: float, asker: str = ASKER) -> QaChannel:
    state = opened()
    for n, moment in enumerate(seconds):
        state = with_question(state, f"{asker}-{n}", asker=asker, seconds=moment)
    return state


def test_ask_rate_limit_allows_max_asks_in_window():
    state = asked_at(*range(MAX_ASKS))

    assert len(state.questions) == MAX_ASKS == 3


def test_ask_rate_limit_refuses_one_more_within_window():
    state = asked_at(0, 10, 20)

    with pytest.raises(RateLimited) as excinfo:
        asking(state, "late", seconds=59.999)

    assert excinfo.value.code == "qa.rate_limited"
    assert excinfo.value.retry_after == timedelta(milliseconds=1)
    assert excinfo.value.message == "at most 3 questions per 60 seconds; try again in 1 s"


def test_ask_rate_limit_allows_when_oldest_is_exactly_window_old():
    state = asked_at(0, 10, 20)

    outcome = asking(state, "late", seconds=ASK_WINDOW.total_seconds())

    assert outcome.state.questions["late"].state is S.PENDING


def test_ask_rate_limit_retry_after_waits_for_oldest_counted():
    state = asked_at(0, 30, 45)

    with pytest.raises(RateLimited) as excinfo:
        asking(state, "late", seconds=50)

    assert excinfo.value.retry_after == timedelta(seconds=10)
    assert excinfo.value.message.endswith("try again in 10 s")


def test_ask_rate_limit_is_per_attendee():
    state = asked_at(0, 1, 2)

    outcome = asking(state, "someone-else", asker=OTHER, seconds=3)

    assert outcome.state.questions["someone-else"].asker_id == OTHER


def test_ask_rate_limit_counts_hidden_questions():
    state = asked_at(0, 1, 2)
    for question_id in list(state.questions):
        state = hide(state, question_id, actor=MOD, now=at(3)).state

    with pytest.raises(RateLimited):
        asking(state, "again", seconds=4)


def test_check_rate_counts_only_the_window():
    now = at(100)

    check_rate([at(0), at(40), at(41)], now)  # at(40) is exactly a window old
    with pytest.raises(RateLimited):
        check_rate([at(41), at(42), at(99)], now)


# --- votes -----------------------------------------------------------------------------------


def test_vote_counts_one_per_attendee():
    state = approved(with_question(), "q1")

    outcome = vote(state, "q1", voter_id="v1", now=at(3))

    question = outcome.state.questions["q1"]
    assert (question.votes, question.voters) == (1, frozenset({"v1"}))
    assert outcome.events == (QaEvent(EventType.VOTED, CHANNEL, "v1", at(3), question, S.APPROVED),)


def test_vote_by_many_adds_up():
    state = voted(approved(with_question(), "q1"), "q1", "v1", "v2", "v3")

    assert state.questions["q1"].votes == 3


def test_vote_twice_raises_already_voted():
    state = voted(approved(with_question(), "q1"), "q1", "v1")

    with pytest.raises(QaError) as excinfo:
        vote(state, "q1", voter_id="v1", now=at(4))

    assert excinfo.value.code == "qa.already_voted"
    assert excinfo.value.message == "you already voted for this question"


@pytest.mark.parametrize("target", [S.PENDING, S.HIDDEN, S.MERGED, S.ANSWERED])
def test_vote_on_unvotable_question_raises_not_votable(target):
    state = in_state(target)

    with pytest.raises(QaError) as excinfo:
        vote(state, "q1", voter_id="v1", now=at(3))

    assert (excinfo.value.code, excinfo.value.field) == ("qa.not_votable", "question_id")


def test_vote_on_air_is_counted():
    state = in_state(S.ON_AIR)

    outcome = vote(state, "q1", voter_id="v1", now=at(3))

    assert outcome.state.questions["q1"].votes == 1


def test_vote_unknown_question_raises_unknown_question():
    with pytest.raises(QaError) as excinfo:
        vote(opened(), "nope", voter_id="v1", now=at(3))

    assert (excinfo.value.code, excinfo.value.field) == ("qa.unknown_question", "question_id")


def test_vote_when_closed_raises_closed():
    state = close_qa(in_state(S.APPROVED), actor=MOD, now=at(2)).state

    with pytest.raises(QaError) as excinfo:
        vote(state, "q1", voter_id="v1", now=at(3))

    assert excinfo.value.code == "qa.closed"


def test_unvote_withdraws_vote():
    state = voted(in_state(S.APPROVED), "q1", "v1", "v2")

    outcome = unvote(state, "q1", voter_id="v1", now=at(4))

    question = outcome.state.questions["q1"]
    assert question.voters == frozenset({"v2"})
    assert outcome.events == (
        QaEvent(EventType.UNVOTED, CHANNEL, "v1", at(4), question, S.APPROVED),
    )


def test_unvote_without_vote_raises_not_voted():
    with pytest.raises(QaError) as excinfo:
        unvote(in_state(S.APPROVED), "q1", voter_id="v1", now=at(4))

    assert excinfo.value.code == "qa.not_voted"


def test_unvote_on_unvotable_question_raises_not_votable():
    state = voted(in_state(S.APPROVED), "q1", "v1")
    state = mark_answered(state, "q1", actor=MOD, now=at(4)).state

    with pytest.raises(QaError) as excinfo:
        unvote(state, "q1", voter_id="v1", now=at(5))

    assert excinfo.value.code == "qa.not_votable"


def test_vote_after_unvote_is_counted_again():
    state = voted(in_state(S.APPROVED), "q1", "v1")
    state = unvote(state, "q1", voter_id="v1", now=at(4)).state

    state = vote(state, "q1", voter_id="v1", now=at(5)).state

    assert state.questions["q1"].voters == frozenset({"v1"})


def test_approve_hidden_question_restores_its_votes():
    state = voted(in_state(S.APPROVED), "q1", "v1", "v2")
    state = hide(state, "q1", actor=MOD, now=at(4)).state

    state = approve(state, "q1", actor=MOD, now=at(5)).state

    assert (state.questions["q1"].state, state.questions["q1"].votes) == (S.APPROVED, 2)


# --- moderation: approve, hide, star, edit, notes --------------------------------------------


def test_approve_pending_publishes():
    state = with_question()

    outcome = approve(state, "q1", actor=MOD, now=at(1))

    question = outcome.state.questions["q1"]
    assert question.state is S.APPROVED
    assert outcome.events == (
        QaEvent(EventType.APPROVED, CHANNEL, MOD, at(1), question, S.PENDING),
    )


def test_approve_approved_changes_nothing():
    state = in_state(S.APPROVED)

    assert approve(state, "q1", actor="mod-2", now=at(5)) == Outcome(state)


@pytest.mark.parametrize("target", [S.ON_AIR, S.ANSWERED, S.MERGED])
def test_approve_in_other_state_raises_not_allowed_state(target):
    state = in_state(target)

    with pytest.raises(QaError) as excinfo:
        approve(state, "q1", actor=MOD, now=at(5))

    assert excinfo.value.code == "qa.not_allowed_state"
    assert excinfo.value.message == f"question 'q1' is {target.value}, so it cannot be approved"


@pytest.mark.parametrize("target", [S.PENDING, S.APPROVED, S.ON_AIR, S.ANSWERED])
def test_hide_takes_question_out_of_view(target):
    state = in_state(target)

    outcome = hide(state, "q1", actor=MOD, now=at(5))

    question = outcome.state.questions["q1"]
    assert question.state is S.HIDDEN
    assert outcome.events == (QaEvent(EventType.HIDDEN, CHANNEL, MOD, at(5), question, target),)


def test_hide_on_air_leaves_nothing_on_air():
    state = hide(in_state(S.ON_AIR), "q1", actor=MOD, now=at(5)).state

    assert state.on_air is None


def test_hide_hidden_changes_nothing():
    state = in_state(S.HIDDEN)

    assert hide(state, "q1", actor=MOD, now=at(5)) == Outcome(state)


def test_hide_merged_raises_not_allowed_state():
    with pytest.raises(QaError) as excinfo:
        hide(in_state(S.MERGED), "q1", actor=MOD, now=at(5))

    assert excinfo.value.code == "qa.not_allowed_state"


@pytest.mark.parametrize(
    "command", [approve, hide, pick, unpick, mark_answered, star, unstar], ids=lambda c: c.__name__
)
def test_moderation_unknown_question_raises_unknown_question(command):
    with pytest.raises(QaError) as excinfo:
        command(with_question(), "nope", actor=MOD, now=at(5))

    assert excinfo.value.code == "qa.unknown_question"
    assert excinfo.value.message == "no question 'nope' in 'plenary'"


def test_star_marks_question_for_moderators():
    outcome = star(with_question(), "q1", actor=MOD, now=at(5))

    question = outcome.state.questions["q1"]
    assert question.starred is True
    assert outcome.events == (QaEvent(EventType.STARRED, CHANNEL, MOD, at(5), question, S.PENDING),)


def test_star_starred_changes_nothing():
    state = star(with_question(), "q1", actor=MOD, now=at(5)).state

    assert star(state, "q1", actor=MOD, now=at(6)) == Outcome(state)


def test_unstar_clears_star():
    state = star(in_state(S.APPROVED), "q1", actor=MOD, now=at(5)).state

    outcome = unstar(state, "q1", actor=MOD, now=at(6))

    question = outcome.state.questions["q1"]
    assert question.starred is False
    assert outcome.events == (
        QaEvent(EventType.UNSTARRED, CHANNEL, MOD, at(6), question, S.APPROVED),
    )


def test_unstar_unstarred_changes_nothing():
    state = with_question()

    assert unstar(state, "q1", actor=MOD, now=at(6)) == Outcome(state)


def test_star_merged_raises_not_allowed_state():
    with pytest.raises(QaError) as excinfo:
        star(in_state(S.MERGED), "q1", actor=MOD, now=at(5))

    assert excinfo.value.code == "qa.not_allowed_state"


def test_edit_keeps_original_for_moderators():
    state = in_state(S.APPROVED, text="wat vind monique van de agenda")

    outcome = edit(state, "q1", text=" Wat vindt Monique van de agenda? ", actor=MOD, now=at(5))

    question = outcome.state.questions["q1"]
    assert (question.text, question.original_text, question.edited) == (
        "Wat vindt Monique van de agenda?",
        "wat vind monique van de agenda",
        True,
    )
    assert outcome.events == (QaEvent(EventType.EDITED, CHANNEL, MOD, at(5), question, S.APPROVED),)


def test_edit_twice_keeps_the_askers_words():
    state = with_question(text="eerste")
    state = edit(state, "q1", text="tweede", actor=MOD, now=at(5)).state

    state = edit(state, "q1", text="derde", actor=MOD, now=at(6)).state

    assert (state.questions["q1"].text, state.questions["q1"].original_text) == (
        "derde",
        "eerste",
    )


def test_edit_back_to_original_is_no_longer_edited():
    state = with_question(text="eerste")
    state = edit(state, "q1", text="tweede", actor=MOD, now=at(5)).state

    state = edit(state, "q1", text="eerste", actor=MOD, now=at(6)).state

    assert (state.questions["q1"].text, state.questions["q1"].edited) == ("eerste", False)


def test_edit_same_text_changes_nothing():
    state = with_question()

    assert edit(state, "q1", text=f"  {TEXT}\n", actor=MOD, now=at(5)) == Outcome(state)


def test_edit_keeps_html_as_typed():
    markup = "<i>Waarom</i> & wanneer <script>x()</script>?"

    state = edit(with_question(), "q1", text=markup, actor=MOD, now=at(5)).state

    assert state.questions["q1"].text == markup


@pytest.mark.parametrize(
    ("text", "code"), [("  ", "qa.empty"), ("x" * (MAX_TEXT + 1), "qa.too_long")]
)
def test_edit_invalid_text_raises(text, code):
    with pytest.raises(QaError) as excinfo:
        edit(with_question(), "q1", text=text, actor=MOD, now=at(5))

    assert (excinfo.value.code, excinfo.value.field) == (code, "text")


def test_edit_merged_raises_not_allowed_state():
    with pytest.raises(QaError) as excinfo:
        edit(in_state(S.MERGED), "q1", text="anders", actor=MOD, now=at(5))

    assert excinfo.value.code == "qa.not_allowed_state"


def test_edit_unknown_question_raises_unknown_question():
    with pytest.raises(QaError) as excinfo:
        edit(with_question(), "nope", text="anders", actor=MOD, now=at(5))

    assert excinfo.value.code == "qa.unknown_question"


def test_annotate_sets_note():
    outcome = annotate(with_question(), "q1", note=" dubbel met q7 ", actor=MOD, now=at(5))

    question = outcome.state.questions["q1"]
    assert question.note == "dubbel met q7"
    assert outcome.events == (QaEvent(EventType.NOTED, CHANNEL, MOD, at(5), question, S.PENDING),)


def test_annotate_empty_note_removes_it():
    state = annotate(with_question(), "q1", note="let op", actor=MOD, now=at(5)).state

    state = annotate(state, "q1", note="  ", actor=MOD, now=at(6)).state

    assert state.questions["q1"].note == ""


def test_annotate_same_note_changes_nothing():
    state = annotate(with_question(), "q1", note="let op", actor=MOD, now=at(5)).state

    assert annotate(state, "q1", note="let op", actor=MOD, now=at(6)) == Outcome(state)


def test_annotate_note_at_limit_is_accepted():
    state = annotate(with_question(), "q1", note="n" * MAX_NOTE, actor=MOD, now=at(5)).state

    assert len(state.questions["q1"].note) == MAX_NOTE


def test_annotate_too_long_raises_too_long():
    with pytest.raises(QaError) as excinfo:
        annotate(with_question(), "q1", note="n" * (MAX_NOTE + 1), actor=MOD, now=at(5))

    assert (excinfo.value.code, excinfo.value.field) == ("qa.too_long", "note")


# --- merging duplicates ----------------------------------------------------------------------


def two_approved() -> QaChannel:
    state = with_question(None, "dup")
    state = with_question(state, "keeper", asker=OTHER)
    return approved(approved(state, "dup"), "keeper")


def test_merge_unions_voters_without_double_counting():
    state = voted(voted(two_approved(), "keeper", "v1", "v2"), "dup", "v2", "v3")

    state = merge(state, "dup", into="keeper", actor=MOD, now=at(5)).state

    keeper, dup = state.questions["keeper"], state.questions["dup"]
    assert (keeper.voters, keeper.votes) == (frozenset({"v1", "v2", "v3"}), 3)
    assert (dup.state, dup.merged_into, dup.votes) == (S.MERGED, "keeper", 0)


def test_merge_emits_merged_then_absorbed():
    state = voted(two_approved(), "dup", "v1")

    outcome = merge(state, "dup", into="keeper", actor=MOD, now=at(5))

    questions = outcome.state.questions
    assert outcome.events == (
        QaEvent(EventType.MERGED, CHANNEL, MOD, at(5), questions["dup"], S.APPROVED),
        QaEvent(EventType.ABSORBED, CHANNEL, MOD, at(5), questions["keeper"], S.APPROVED),
    )


def test_merge_duplicate_without_new_voters_emits_only_merged():
    state = voted(voted(two_approved(), "keeper", "v1"), "dup", "v1")

    outcome = merge(state, "dup", into="keeper", actor=MOD, now=at(5))

    assert [e.type for e in outcome.events] == [EventType.MERGED]
    assert outcome.state.questions["keeper"].votes == 1


def test_merge_pending_duplicate_into_pending_question():
    state = with_question(with_question(None, "dup"), "keeper", asker=OTHER)

    state = merge(state, "dup", into="keeper", actor=MOD, now=at(5)).state

    assert (state.questions["dup"].state, state.questions["keeper"].state) == (
        S.MERGED,
        S.PENDING,
    )


@pytest.mark.parametrize("target_state", [S.ON_AIR, S.ANSWERED])
def test_merge_into_question_on_air_or_answered(target_state):
    state = in_state(target_state, "keeper", asker=OTHER)
    state = voted(approved(with_question(state, "dup"), "dup"), "dup", "v1")

    state = merge(state, "dup", into="keeper", actor=MOD, now=at(5)).state

    assert (state.questions["keeper"].state, state.questions["keeper"].votes) == (target_state, 1)


def test_merge_into_itself_raises_same_question():
    with pytest.raises(QaError) as excinfo:
        merge(two_approved(), "dup", into="dup", actor=MOD, now=at(5))

    assert excinfo.value.code == "qa.same_question"


def test_merge_again_into_same_target_changes_nothing():
    state = merge(two_approved(), "dup", into="keeper", actor=MOD, now=at(5)).state

    assert merge(state, "dup", into="keeper", actor="mod-2", now=at(6)) == Outcome(state)


def test_merge_merged_into_another_raises_not_allowed_state():
    state = merge(two_approved(), "dup", into="keeper", actor=MOD, now=at(5)).state
    state = approved(with_question(state, "third", asker="att-3"), "third")

    with pytest.raises(QaError) as excinfo:
        merge(state, "dup", into="third", actor=MOD, now=at(6))

    assert excinfo.value.code == "qa.not_allowed_state"


@pytest.mark.parametrize("duplicate_state", [S.HIDDEN, S.ON_AIR, S.ANSWERED])
def test_merge_duplicate_in_other_state_raises_not_allowed_state(duplicate_state):
    state = with_question(in_state(duplicate_state, "dup"), "keeper", asker=OTHER)

    with pytest.raises(QaError) as excinfo:
        merge(state, "dup", into="keeper", actor=MOD, now=at(5))

    assert (excinfo.value.code, excinfo.value.field) == ("qa.not_allowed_state", "question_id")


@pytest.mark.parametrize("target_state", [S.HIDDEN, S.MERGED])
def test_merge_into_hidden_or_merged_raises_not_allowed_state(target_state):
    state = with_question(in_state(target_state, "keeper", asker=OTHER), "dup")

    with pytest.raises(QaError) as excinfo:
        merge(state, "dup", into="keeper", actor=MOD, now=at(5))

    assert (excinfo.value.code, excinfo.value.field) == ("qa.not_allowed_state", "into")


@pytest.mark.parametrize(("duplicate", "into"), [("nope", "keeper"), ("dup", "nope")])
def test_merge_unknown_question_raises_unknown_question(duplicate, into):
    with pytest.raises(QaError) as excinfo:
        merge(two_approved(), duplicate, into=into, actor=MOD, now=at(5))

    assert excinfo.value.code == "qa.unknown_question"


def test_merged_question_takes_no_votes():
    state = merge(two_approved(), "dup", into="keeper", actor=MOD, now=at(5)).state

    with pytest.raises(QaError) as excinfo:
        vote(state, "dup", voter_id="v1", now=at(6))

    assert excinfo.value.code == "qa.not_votable"


def test_merge_keeps_one_vote_per_voter_and_question():
    state = voted(voted(two_approved(), "keeper", "v1", "v2"), "dup", "v1", "v2", "v3", "v4")

    state = merge(state, "dup", into="keeper", actor=MOD, now=at(5)).state

    assert sum(q.votes for q in state.questions.values()) == 4


# --- on air and answered ---------------------------------------------------------------------


def test_pick_puts_question_on_air():
    outcome = pick(in_state(S.APPROVED), "q1", actor=MOD, now=at(5))

    question = outcome.state.questions["q1"]
    assert outcome.state.on_air == question
    assert question.state is S.ON_AIR
    assert outcome.events == (QaEvent(EventType.PICKED, CHANNEL, MOD, at(5), question, S.APPROVED),)


def test_pick_returns_previous_on_air_to_approved():
    state = approved(with_question(in_state(S.ON_AIR, "first"), "second", asker=OTHER), "second")

    outcome = pick(state, "second", actor=MOD, now=at(5))

    first, second = outcome.state.questions["first"], outcome.state.questions["second"]
    assert (first.state, second.state) == (S.APPROVED, S.ON_AIR)
    assert outcome.state.on_air == second
    assert outcome.events == (
        QaEvent(EventType.UNPICKED, CHANNEL, MOD, at(5), first, S.ON_AIR),
        QaEvent(EventType.PICKED, CHANNEL, MOD, at(5), second, S.APPROVED),
    )


def test_pick_keeps_one_on_air_per_channel():
    state = opened()
    for n in range(4):
        state = approved(with_question(state, f"q{n}", asker=f"att-{n}"), f"q{n}")
    for n in (0, 2, 1, 3):
        state = pick(state, f"q{n}", actor=MOD, now=at(10 + n)).state

    on_air = [q.id for q in state.questions.values() if q.state is S.ON_AIR]
    assert on_air == ["q3"]


def test_pick_on_air_changes_nothing():
    state = in_state(S.ON_AIR)

    assert pick(state, "q1", actor="mod-2", now=at(5)) == Outcome(state)


@pytest.mark.parametrize("target", [S.PENDING, S.HIDDEN, S.ANSWERED, S.MERGED])
def test_pick_in_other_state_raises_not_allowed_state(target):
    with pytest.raises(QaError) as excinfo:
        pick(in_state(target), "q1", actor=MOD, now=at(5))

    assert excinfo.value.code == "qa.not_allowed_state"
    assert excinfo.value.message == f"question 'q1' is {target.value}, so it cannot be picked"


def test_pick_after_answered_unpicks_nothing():
    state = approved(with_question(in_state(S.ON_AIR, "first"), "second", asker=OTHER), "second")
    state = mark_answered(state, "first", actor=MOD, now=at(5)).state

    outcome = pick(state, "second", actor=MOD, now=at(6))

    assert [e.type for e in outcome.events] == [EventType.PICKED]
    assert outcome.state.questions["first"].state is S.ANSWERED


def test_mark_answered_on_air_clears_on_air():
    outcome = mark_answered(in_state(S.ON_AIR), "q1", actor=MOD, now=at(5))

    question = outcome.state.questions["q1"]
    assert (question.state, outcome.state.on_air) == (S.ANSWERED, None)
    assert outcome.events == (QaEvent(EventType.ANSWERED, CHANNEL, MOD, at(5), question, S.ON_AIR),)


def test_mark_answered_approved_question():
    outcome = mark_answered(in_state(S.APPROVED), "q1", actor=MOD, now=at(5))

    assert outcome.state.questions["q1"].state is S.ANSWERED


def test_mark_answered_answered_changes_nothing():
    state = in_state(S.ANSWERED)

    assert mark_answered(state, "q1", actor=MOD, now=at(5)) == Outcome(state)


@pytest.mark.parametrize("target", [S.PENDING, S.HIDDEN, S.MERGED])
def test_mark_answered_in_other_state_raises_not_allowed_state(target):
    with pytest.raises(QaError) as excinfo:
        mark_answered(in_state(target), "q1", actor=MOD, now=at(5))

    assert excinfo.value.code == "qa.not_allowed_state"


def test_unpick_takes_question_off_air_approved():
    outcome = unpick(in_state(S.ON_AIR), "q1", actor=MOD, now=at(5))

    question = outcome.state.questions["q1"]
    assert (question.state, outcome.state.on_air) == (S.APPROVED, None)
    assert outcome.events == (QaEvent(EventType.UNPICKED, CHANNEL, MOD, at(5), question, S.ON_AIR),)


def test_unpick_approved_changes_nothing():
    state = in_state(S.APPROVED)

    assert unpick(state, "q1", actor=MOD, now=at(5)) == Outcome(state)


@pytest.mark.parametrize("target", [S.PENDING, S.HIDDEN, S.ANSWERED])
def test_unpick_in_other_state_raises_not_allowed_state(target):
    with pytest.raises(QaError) as excinfo:
        unpick(in_state(target), "q1", actor=MOD, now=at(5))

    assert excinfo.value.code == "qa.not_allowed_state"


# --- events rebuild the state ----------------------------------------------------------------


def test_apply_events_rebuild_the_state():
    steps: list[Callable[[QaChannel], Outcome]] = [
        lambda s: open_qa(s, actor=MOD, now=at(0)),
        lambda s: asking(s, "a", seconds=1, speaker="Monique Kremer"),
        lambda s: asking(s, "b", asker=OTHER, seconds=2, anonymous=True),
        lambda s: asking(s, "c", asker="att-3", seconds=3),
        lambda s: approve(s, "a", actor=MOD, now=at(4)),
        lambda s: approve(s, "b", actor=MOD, now=at(5)),
        lambda s: vote(s, "a", voter_id="v1", now=at(6)),
        lambda s: vote(s, "b", voter_id="v2", now=at(7)),
        lambda s: vote(s, "b", voter_id="v1", now=at(7)),
        lambda s: unvote(s, "b", voter_id="v1", now=at(8)),
        lambda s: edit(s, "a", text="Beter gezegd?", actor=MOD, now=at(9)),
        lambda s: star(s, "a", actor=MOD, now=at(10)),
        lambda s: annotate(s, "c", note="spam?", actor=MOD, now=at(11)),
        lambda s: hide(s, "c", actor=MOD, now=at(12)),
        lambda s: pick(s, "a", actor=MOD, now=at(13)),
        lambda s: pick(s, "b", actor=MOD, now=at(14)),
        lambda s: merge(s, "a", into="b", actor=MOD, now=at(15)),
        lambda s: mark_answered(s, "b", actor=MOD, now=at(16)),
        lambda s: follow_block(s, running=False, now=at(17)),
    ]
    state = QaChannel(CHANNEL)
    events: list[QaEvent] = []
    for step in steps:
        outcome = step(state)
        state, events = outcome.state, [*events, *outcome.events]

    assert reduce(apply, events, QaChannel(CHANNEL)) == state
    assert state.questions["b"].voters == frozenset({"v1", "v2"})
    # Two steps make two events each: a pick that sends another question back, a merge with votes.
    assert len(events) == len(steps) + 2


def test_apply_event_of_another_channel_raises_value_error():
    event = open_qa(QaChannel("huiskamer-1"), actor=MOD, now=T0).events[0]

    with pytest.raises(ValueError, match="huiskamer-1"):
        apply(QaChannel(CHANNEL), event)


# --- views -----------------------------------------------------------------------------------


MODERATOR_ONLY_KEYS = {"asker_id", "original_text", "note", "starred", "voters"}


def busy_question() -> Question:
    """An anonymous, edited, starred, annotated question with votes: every secret at once."""
    state = in_state(S.APPROVED, text="het origineel", anonymous=True, speaker="Monique Kremer")
    state = edit(state, "q1", text="De bewerkte vraag", actor=MOD, now=at(2)).state
    state = star(state, "q1", actor=MOD, now=at(3)).state
    state = annotate(state, "q1", note="mooie vraag", actor=MOD, now=at(4)).state
    return voted(state, "q1", "v1", OTHER).questions["q1"]


def test_for_audience_shows_approved_question():
    question = voted(in_state(S.APPROVED, speaker="Esmeralda de Vries"), "q1", "v1").questions["q1"]

    assert for_audience(question, OTHER) == {
        "id": "q1",
        "channel": CHANNEL,
        "text": TEXT,
        "speaker": "Esmeralda de Vries",
        "asker": f"Naam {ASKER}",
        "anonymous": False,
        "asked_at": "2020-11-19T13:30:00+00:00",
        "state": "approved",
        "awaiting_moderation": False,
        "votes": 1,
        "voted": False,
        "mine": False,
        "edited": False,
        "merged_into": None,
    }


def test_for_audience_never_shows_moderator_fields():
    question = busy_question()

    view = for_audience(question, OTHER)

    assert view is not None
    assert MODERATOR_ONLY_KEYS.isdisjoint(view)
    assert (view["text"], view["edited"], view["asker"]) == ("De bewerkte vraag", True, None)
    values = repr(sorted(view.items()))
    for secret in ("het origineel", "mooie vraag", ASKER, "Naam"):
        assert secret not in values


def test_for_audience_anonymous_question_hides_asker_from_everyone():
    question = busy_question()

    views = [for_audience(question, viewer) for viewer in (None, OTHER, ASKER)]

    assert [v["asker"] if v else "missing" for v in views] == [None, None, None]
    assert [v["mine"] if v else "missing" for v in views] == [False, False, True]


def test_for_audience_marks_own_vote():
    question = busy_question()

    assert [shown(for_audience(question, v))["voted"] for v in ("v1", "v9")] == [True, False]


@pytest.mark.parametrize("target", [S.PENDING, S.HIDDEN, S.MERGED])
def test_for_audience_unapproved_question_is_invisible_to_others(target):
    question = in_state(target).questions["q1"]

    assert [for_audience(question, viewer) for viewer in (None, OTHER, "")] == [None] * 3


@pytest.mark.parametrize("target", [S.APPROVED, S.ON_AIR, S.ANSWERED])
def test_for_audience_public_question_is_visible_without_sign_in(target):
    question = in_state(target).questions["q1"]

    view = for_audience(question, None)

    assert view is not None
    assert (view["state"], view["mine"], view["voted"]) == (target.value, False, False)


def test_for_audience_own_pending_question_awaits_moderation():
    question = in_state(S.PENDING, anonymous=True).questions["q1"]

    view = for_audience(question, ASKER)

    assert view is not None
    assert (view["state"], view["awaiting_moderation"], view["mine"]) == ("pending", True, True)


@pytest.mark.parametrize(("target", "merged_into"), [(S.HIDDEN, None), (S.MERGED, "q1-original")])
def test_for_audience_own_unpublished_question_is_shown_to_asker(target, merged_into):
    question = in_state(target).questions["q1"]

    view = for_audience(question, ASKER)

    assert view is not None
    assert (view["state"], view["awaiting_moderation"], view["merged_into"]) == (
        target.value,
        False,
        merged_into,
    )


def test_for_moderator_shows_everything():
    question = busy_question()

    assert for_moderator(question) == {
        "id": "q1",
        "channel": CHANNEL,
        "text": "De bewerkte vraag",
        "original_text": "het origineel",
        "note": "mooie vraag",
        "speaker": "Monique Kremer",
        "asker_id": ASKER,
        "asker": f"Naam {ASKER}",
        "anonymous": True,
        "asked_at": "2020-11-19T13:30:00+00:00",
        "state": "approved",
        "votes": 2,
        "voters": [OTHER, "v1"],
        "starred": True,
        "edited": True,
        "merged_into": None,
    }


@pytest.mark.parametrize("target", list(QuestionState))
def test_for_moderator_shows_every_state(target):
    question = in_state(target).questions["q1"]

    assert for_moderator(question)["state"] == target.value


# --- events as each viewer receives them -----------------------------------------------------


def test_event_for_audience_pending_ask_reaches_only_the_asker():
    event = asking(anonymous=True).events[0]

    own = event_for_audience(event, ASKER)

    assert [event_for_audience(event, v) for v in (None, OTHER)] == [None, None]
    assert own is not None
    assert own["type"] == "question.asked"
    assert own["question"] == for_audience(shown_question(event), ASKER)


def test_event_for_audience_never_names_the_actor():
    state = approved(with_question(anonymous=True), "q1")
    events = [
        *asking(state, "q2", asker=OTHER, anonymous=True).events,
        *vote(state, "q1", voter_id="secret-voter", now=at(3)).events,
        *approve(with_question(anonymous=True), "q1", actor="secret-mod", now=at(1)).events,
    ]

    rendered = [event_for_audience(e, v) for e in events for v in (None, OTHER, ASKER)]

    for message in rendered:
        assert message is None or "actor" not in message
    text = repr(rendered)
    for secret in ("secret-voter", "secret-mod", "Naam"):
        assert secret not in text


def test_event_for_audience_approve_publishes_question():
    event = approve(with_question(), "q1", actor=MOD, now=at(1)).events[0]

    message = event_for_audience(event, None)

    assert message == {
        "type": "question.approved",
        "channel": CHANNEL,
        "at": at(1).isoformat(),
        "question": for_audience(shown_question(event), None),
    }


def test_event_for_audience_hiding_public_question_becomes_removed():
    event = hide(in_state(S.APPROVED), "q1", actor=MOD, now=at(5)).events[0]

    assert event_for_audience(event, OTHER) == {
        "type": AUDIENCE_REMOVED,
        "channel": CHANNEL,
        "at": at(5).isoformat(),
        "id": "q1",
    }
    assert shown(event_for_audience(event, ASKER))["question"]["state"] == "hidden"


def test_event_for_audience_hiding_pending_question_is_nothing_to_others():
    event = hide(with_question(), "q1", actor=MOD, now=at(5)).events[0]

    assert [event_for_audience(event, v) for v in (None, OTHER)] == [None, None]


def test_event_for_audience_merge_removes_duplicate_and_updates_target():
    state = voted(two_approved(), "dup", "v1")

    merged, absorbed = merge(state, "dup", into="keeper", actor=MOD, now=at(5)).events

    assert event_for_audience(merged, None) == {
        "type": AUDIENCE_REMOVED,
        "channel": CHANNEL,
        "at": at(5).isoformat(),
        "id": "dup",
    }
    assert shown(event_for_audience(absorbed, None))["question"]["votes"] == 1
    assert shown(event_for_audience(merged, ASKER))["question"]["merged_into"] == "keeper"


def test_event_for_audience_merging_pending_duplicate_is_nothing_to_others():
    state = approved(with_question(with_question(None, "dup"), "keeper", asker=OTHER), "keeper")

    events = merge(state, "dup", into="keeper", actor=MOD, now=at(5)).events

    assert [event_for_audience(e, None) for e in events] == [None]


@pytest.mark.parametrize(
    "command",
    [
        lambda s: star(s, "q1", actor=MOD, now=at(5)),
        lambda s: annotate(s, "q1", note="x", actor=MOD, now=at(5)),
        lambda s: unstar(star(s, "q1", actor=MOD, now=at(4)).state, "q1", actor=MOD, now=at(5)),
    ],
    ids=["star", "annotate", "unstar"],
)
def test_event_for_audience_moderator_only_events_are_nothing(command):
    (event,) = command(in_state(S.APPROVED)).events

    assert [event_for_audience(event, v) for v in (None, OTHER, ASKER)] == [None] * 3


def test_event_for_audience_opened_and_closed():
    opened_event = open_qa(QaChannel(CHANNEL), actor=MOD, now=T0).events[0]
    closed_event = close_qa(opened(), actor=MOD, now=at(9)).events[0]

    assert event_for_audience(opened_event, None) == {
        "type": "qa.opened",
        "channel": CHANNEL,
        "at": T0.isoformat(),
    }
    assert event_for_audience(closed_event, OTHER) == {
        "type": "qa.closed",
        "channel": CHANNEL,
        "at": at(9).isoformat(),
    }


def test_event_for_audience_edit_shows_new_text_only():
    event = edit(in_state(S.APPROVED), "q1", text="Nieuw", actor=MOD, now=at(5)).events[0]

    message = event_for_audience(event, None)

    assert shown(message)["question"]["text"] == "Nieuw"
    assert TEXT not in repr(message)


def test_event_for_moderator_has_actor_and_full_question():
    event = pick(in_state(S.APPROVED), "q1", actor=MOD, now=at(5)).events[0]

    assert event_for_moderator(event) == {
        "type": "question.picked",
        "channel": CHANNEL,
        "at": at(5).isoformat(),
        "actor": MOD,
        "question": for_moderator(shown_question(event)),
        "was": "approved",
    }


def test_event_for_moderator_opened_has_no_question():
    event = follow_block(QaChannel(CHANNEL), running=True, now=T0).events[0]

    assert event_for_moderator(event) == {
        "type": "qa.opened",
        "channel": CHANNEL,
        "at": T0.isoformat(),
        "actor": PROGRAMME_ACTOR,
        "question": None,
        "was": None,
    }


# --- snapshots -------------------------------------------------------------------------------


def mixed_channel() -> QaChannel:
    state = with_question(None, "pending-mine", seconds=1)
    state = with_question(state, "pending-theirs", asker=OTHER, seconds=2)
    state = approved(with_question(state, "public", asker="att-3", seconds=3), "public")
    state = approved(with_question(state, "live", asker="att-4", seconds=4), "live")
    state = pick(state, "live", actor=MOD, now=at(5)).state
    return hide(
        with_question(state, "hidden", asker="att-5", seconds=6), "hidden", actor=MOD, now=at(7)
    ).state


def test_snapshot_for_audience_lists_public_and_own_questions():
    snapshot = shown(snapshot_for_audience(mixed_channel(), ASKER))

    assert (snapshot["channel"], snapshot["open"], snapshot["on_air"]) == (CHANNEL, True, "live")
    assert [q["id"] for q in snapshot["questions"]] == ["pending-mine", "public", "live"]


def test_snapshot_for_audience_without_sign_in_lists_public_only():
    snapshot = shown(snapshot_for_audience(mixed_channel(), None))

    assert [q["id"] for q in snapshot["questions"]] == ["public", "live"]


def test_snapshot_for_moderator_lists_everything():
    state = mixed_channel()

    snapshot = snapshot_for_moderator(state)

    assert snapshot == {
        "channel": CHANNEL,
        "open": True,
        "on_air": "live",
        "questions": [for_moderator(q) for q in by_time(state.questions.values())],
        "poll": None,
    }
    assert len(shown(snapshot)["questions"]) == 5


# --- sorting and filtering -------------------------------------------------------------------


def question(question_id: str, seconds: float, votes: int = 0, **fields: Any) -> Question:
    fields.setdefault("asker_id", ASKER)
    return Question(
        id=question_id,
        channel=CHANNEL,
        asker_name="Naam",
        text=TEXT,
        asked_at=at(seconds),
        voters=frozenset(f"v{n}" for n in range(votes)),
        **fields,
    )


def test_by_votes_most_first_then_oldest():
    questions = [question("a", 3, 1), question("b", 1, 2), question("c", 2, 1), question("d", 0)]

    assert [q.id for q in by_votes(questions)] == ["b", "c", "a", "d"]


def test_by_time_oldest_first():
    questions = [question("a", 3), question("b", 1), question("c", 2)]

    assert [q.id for q in by_time(questions)] == ["b", "c", "a"]


def test_by_time_newest_first():
    questions = [question("a", 3), question("b", 1), question("c", 2)]

    assert [q.id for q in by_time(questions, newest_first=True)] == ["a", "c", "b"]


def test_addressed_to_filters_by_speaker():
    questions = [
        question("a", 0, speaker="Monique Kremer"),
        question("b", 1),
        question("c", 2, speaker="Esmeralda de Vries"),
        question("d", 3, speaker="Monique Kremer"),
    ]

    assert [q.id for q in addressed_to(questions, "Monique Kremer")] == ["a", "d"]
    assert [q.id for q in addressed_to(questions, None)] == ["b"]


def test_queue_is_approved_starred_first_then_votes():
    state = QaChannel(
        CHANNEL,
        is_open=True,
        questions={
            q.id: q
            for q in [
                question("popular", 0, 5, state=S.APPROVED),
                question("starred", 1, 1, state=S.APPROVED, starred=True),
                question("quiet", 2, 0, state=S.APPROVED),
                question("waiting", 3, 9, state=S.PENDING),
                question("live", 4, 9, state=S.ON_AIR),
                question("done", 5, 9, state=S.ANSWERED),
            ]
        },
    )

    assert [q.id for q in queue(state)] == ["starred", "popular", "quiet"]


def test_queue_for_one_speaker():
    state = QaChannel(
        CHANNEL,
        questions={
            q.id: q
            for q in [
                question("a", 0, 1, state=S.APPROVED, speaker="Monique Kremer"),
                question("b", 1, 3, state=S.APPROVED),
                question("c", 2, 2, state=S.APPROVED, speaker="Monique Kremer"),
            ]
        },
    )

    assert [q.id for q in queue(state, "Monique Kremer")] == ["c", "a"]


def test_for_audience_blank_viewer_is_nobody():
    pending = question("q1", 0, asker_id="")

    assert for_audience(pending, "") is None


# --- erasure ---------------------------------------------------------------------------------


def test_forgetting_a_person_keeps_their_question_anonymous_and_their_votes_counted():
    state = with_question(None, "q1", asker="att-1")
    state = voted(approved(with_question(state, "q2", asker="att-2"), "q2"), "q2", "att-1")
    state = voted(approved(state, "q1"), "q1", "att-2")

    outcome = festival.qa.forget_person(state, "att-1", "erased-x", now=at(5))

    assert [e.type for e in outcome.events] == [EventType.ANONYMISED, EventType.ANONYMISED]
    own, other = outcome.state.questions["q1"], outcome.state.questions["q2"]
    assert (own.asker_id, own.asker_name, own.anonymous, own.text) == (
        "erased-x",
        "",
        True,
        state.questions["q1"].text,
    )
    assert (own.votes, other.votes) == (1, 1)
    assert other.voters == frozenset({"erased-x"})
    # Nobody sees it as theirs, and the audience sees no name.
    assert shown(for_audience(own, "att-1"))["mine"] is False
    assert shown(for_audience(own, None))["asker"] is None
    # On a state already rewritten, it says the same again (other instances catch up by it).
    again = festival.qa.forget_person(outcome.state, "att-1", "erased-x", now=at(6))
    assert [e.question for e in again.events] == [e.question for e in outcome.events]


# Clearing a rehearsal's questions --------------------------------------------------------------


def test_clear_questions_takes_out_what_was_asked_since_and_keeps_the_rest():
    state = with_question(None, "q1", seconds=0)
    state = approve(state, "q1", actor=MOD, now=at(1)).state
    state = with_question(state, "q2", asker=OTHER, seconds=60)
    state = approve(state, "q2", actor=MOD, now=at(61)).state
    state = pick(state, "q2", actor=MOD, now=at(62)).state
    state = with_question(state, "q3", seconds=120)

    outcome = clear_questions(state, asked_since=at(60), actor=MOD, now=at(200))
    shared = [event_for_audience(e, None) for e in outcome.events]

    assert [(e.type, e.question.id if e.question else None) for e in outcome.events] == [
        (EventType.CLEARED, "q2"),
        (EventType.CLEARED, "q3"),
    ]
    assert list(outcome.state.questions) == ["q1"]
    assert outcome.state.on_air is None
    assert outcome.state.is_open is state.is_open
    assert reduce(apply, outcome.events, state) == outcome.state
    # The audience saw q2 (on air) and learns it is gone; q3 was never theirs to see.
    assert shared == [
        {"type": AUDIENCE_REMOVED, "channel": CHANNEL, "at": at(200).isoformat(), "id": "q2"},
        None,
    ]
    assert event_for_audience(outcome.events[1], ASKER) is not None  # its asker's page drops it
    assert clear_questions(outcome.state, asked_since=at(60), actor=MOD, now=at(201)).events == ()


# --- the archive -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        (S.PENDING, False),
        (S.APPROVED, False),
        (S.ON_AIR, False),
        (S.ANSWERED, True),
        (S.HIDDEN, False),
        (S.MERGED, False),
    ],
)
def test_archived_keeps_only_answered_questions(target: QuestionState, kept: bool):
    state = in_state(target)

    assert [q.id for q in archived(state)] == (["q1"] if kept else [])


def test_archived_questions_keep_the_order_they_were_asked_in():
    state = with_question(None, "q1", seconds=0)
    state = with_question(state, "q2", asker=OTHER, seconds=1)
    for question_id in ("q2", "q1"):
        state = approved(state, question_id)
        state = mark_answered(state, question_id, actor=MOD, now=at(5)).state

    assert [q.id for q in archived(state)] == ["q1", "q2"]


def test_for_archive_names_the_speaker_and_the_asker():
    question = in_state(S.ANSWERED, speaker=PEOPLE[0]).questions["q1"]

    assert for_archive(question) == {
        "id": "q1",
        "text": TEXT,
        "speaker": PEOPLE[0],
        "asker": f"Naam {ASKER}",
    }


def test_for_archive_keeps_an_anonymous_asker_unknown():
    question = in_state(S.ANSWERED, anonymous=True).questions["q1"]

    assert for_archive(question)["asker"] is None
    assert f"Naam {ASKER}" not in str(for_archive(question))
