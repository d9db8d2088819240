"""A `[[vote]]`'s `voters` and its nominees' ids, photos and texts, as `festival check` reads
them: the defaults, and each bad value reported on its line."""

from __future__ import annotations

from festival.programme.model import Nominee, nominee_id
from tests.programme.test_loading import FILE, line_of, load, problems_in, programme


def vote(*lines: str) -> str:
    return "\n".join(["", "[[vote]]", 'id = "award"', 'title = "Award"', *lines]) + "\n"


def test_a_vote_is_public_and_its_nominees_get_ids_from_their_names() -> None:
    festival = load(
        programme(vote('nominees = [{ name = "M\'hamed Yahia" }, { name = "Özlem Kaya" }]'))
    )

    (award,) = festival.votes
    assert award.voters == "public"
    assert [n.id for n in award.nominees] == ["mhamed-yahia", "ozlem-kaya"]


def test_a_nominee_keeps_its_own_id_photo_and_text() -> None:
    text = programme(
        vote(
            'voters = "registered"',
            "nominees = [",
            '  { id = "gita", name = "Gita Ramdin", organisation = "Wijkteam Noord", '
            'photo = "https://example.org/gita.jpg", text = "Avondspreekuur" },',
            "]",
        )
    )

    (award,) = load(text).votes

    assert award.voters == "registered"
    assert award.nominees == (
        Nominee("gita", "Gita Ramdin", "", "Wijkteam Noord", "https://example.org/gita.jpg",
                "Avondspreekuur"),
    )  # fmt: skip
    assert award.nominee("gita") == award.nominees[0]
    assert award.nominee("gita-ramdin") is None


def test_bad_voters_photo_and_same_ids_are_reported_on_their_lines() -> None:
    text = programme(
        vote(
            'voters = "everyone"',
            "nominees = [",
            '  { name = "Hans Vos", photo = "javascript:alert(1)" },',
            '  { name = "Hans  Vos" },',
            '  { id = "Bad Id", name = "Eva" },',
            '  { name = "!!!" },',
            "]",
        )
    )

    assert problems_in(text) == [
        f"{FILE}:{line_of(text, 'everyone')}: vote[0].voters must be one of public, registered; "
        "got 'everyone'",
        f"{FILE}:{line_of(text, 'javascript')}: vote[0].nominees[0].photo is not a valid http(s) "
        "URL: 'javascript:alert(1)'",
        f"{FILE}:{line_of(text, 'Hans  Vos')}: vote[0].nominees[1] has the id 'hans-vos' of "
        "another nominee; give it its own id",
        f"{FILE}:{line_of(text, 'Bad Id')}: vote[0].nominees[2].id must be lowercase letters, "
        "digits and hyphens (at most 64), got 'Bad Id'",
        f"{FILE}:{line_of(text, '!!!')}: vote[0].nominees[3] needs an id: its name has no "
        "letters or digits to make one of",
    ]


def test_a_made_id_is_short_enough_to_be_an_id() -> None:
    made = nominee_id("Anna " * 30)

    assert len(made) <= 64
    assert not made.endswith("-")
