"""The audience vote over HTTP, on SQLite and PostgreSQL: `GET /api/votes/ID`, ballots by
personal token and by e-mail, withdrawing, revealing, the vote page; and every kind of bad
ballot, each refused with its own status and code while the ballots stay as they were."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.storage.db import Database
from festival.storage.votes_repo import VotesSql
from festival.votes import Ballot
from festival.web.app import create_app
from tests.factories import bearer, register, registration, role_token
from tests.votes.programmes import (
    AFTER,
    BEFORE,
    DURING,
    NOMINEES,
    SLUG,
    VOTE,
    vote_file,
)
from tests.web.conftest import NOW, load_into

OTHER = "jaarcongres-regio-zuid-2023"
API = f"/api/votes/{VOTE}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=str(tmp_path),
        base_url="http://festival.test",
        festival=SLUG,
        rate_registrations_per_address="1000/minute",
        rate_ballots_per_address="1000/minute",
        rate_ballots_per_email="1000/minute",
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def start(settings: Settings, clock: FixedClock, *files: Path) -> TestClient:
    load_into(settings.database_url, *files)
    return TestClient(create_app(settings, clock=clock))


@pytest.fixture
def client(settings: Settings, clock: FixedClock, tmp_path: Path) -> Iterator[TestClient]:
    other = vote_file(tmp_path, slug=OTHER, title="Jaarcongres Regio Zuid 2023")
    with start(settings, clock, vote_file(tmp_path), other) as client:
        yield client


def sign_up(client: TestClient, name: str, email: str, slug: str = SLUG) -> str:
    """Register (at NOW, before the vote opens) and return the personal token."""
    token: str = register(client, registration(name, email), f"?festival={slug}")["token"]
    return token


@pytest.fixture
def ann(client: TestClient, clock: FixedClock) -> str:
    token = sign_up(client, "Ann de Vries", "ann@example.org")
    clock.set(DURING)
    return token


@pytest.fixture
def admin(settings: Settings) -> dict[str, str]:
    return bearer(role_token(settings.database_url, "admin", SLUG)[1])


def stored(settings: Settings, slug: str = SLUG) -> list[Ballot]:
    """Every ballot of the vote in the store, withdrawn ones too."""

    async def go() -> list[Ballot]:
        db = Database(settings.database_url)
        try:
            async with db.session() as session:
                return await VotesSql(session).ballots(slug, VOTE)
        finally:
            await db.dispose()

    return asyncio.run(go())


def states(settings: Settings) -> list[tuple[str, str]]:
    return [(b.nominee, b.state) for b in stored(settings)]


def results(client: TestClient, admin: dict[str, str]) -> dict[str, int]:
    body: dict[str, Any] = client.get(API, headers=admin).json()
    counts: dict[str, int] = body["results"]
    return counts


# --- reading ---------------------------------------------------------------------------------


def test_the_vote_shows_its_nominees_and_status_but_no_results_before_the_reveal(
    client: TestClient, ann: str
):
    client.post(f"{API}/ballots", json={"nominee": "juul-van-schaijk"}, headers=bearer(ann))

    body = client.get(API).json()

    assert body["status"] == "open"
    assert body["voters"] == "public"
    assert body["closes"] == "2023-05-24T11:00:00+02:00"
    assert [n["id"] for n in body["nominees"]] == list(NOMINEES)
    assert body["nominees"][0]["photo"] == "https://example.org/yamina.jpg"
    assert body["results"] is None
    assert body["winners"] is None


def test_an_admin_token_sees_live_counts(client: TestClient, ann: str, admin: dict[str, str]):
    client.post(f"{API}/ballots", json={"nominee": "juul-van-schaijk"}, headers=bearer(ann))

    body = client.get(API, headers=admin).json()

    assert body["results"] == {"yamina-ayadi": 0, "juul-van-schaijk": 1, "mhamed-yahia": 0}
    assert body["winners"] is None  # not revealed yet


def test_the_admin_page_shows_live_counts_before_the_reveal(
    client: TestClient, ann: str, settings: Settings
):
    client.post(f"{API}/ballots", json={"nominee": "juul-van-schaijk"}, headers=bearer(ann))
    secret = role_token(settings.database_url, "admin", SLUG)[1]

    page = client.get(f"/admin?token={secret}&lang=en")

    assert page.status_code == 200
    (vote,) = page.context["page"].votes  # type: ignore[attr-defined]
    assert (vote.status, vote.revealed) == ("open", None)
    assert dict(vote.result.counts) == {"yamina-ayadi": 0, "juul-van-schaijk": 1, "mhamed-yahia": 0}
    assert "Only you see these counts until the result is revealed." in page.text
    assert "<tr><td><bdi>Juul van Schaijk</bdi></td><td>1</td></tr>" in page.text


def test_the_status_follows_the_window(client: TestClient, clock: FixedClock):
    seen = []
    for moment in (BEFORE, DURING, AFTER):
        clock.set(moment)
        seen.append(client.get(API).json()["status"])

    assert seen == ["upcoming", "open", "closed"]


# --- ballots ---------------------------------------------------------------------------------


def test_a_ballot_by_personal_token_counts_at_once(
    client: TestClient, ann: str, admin: dict[str, str]
):
    response = client.post(f"{API}/ballots", json={"nominee": "mhamed-yahia"}, headers=bearer(ann))

    assert response.status_code == 201
    assert response.json()["state"] == "counted"
    assert response.json()["nominee"] == "mhamed-yahia"
    assert results(client, admin)["mhamed-yahia"] == 1


def test_a_ballot_by_email_waits_for_its_link_and_queues_the_mail(
    client: TestClient, clock: FixedClock, settings: Settings, admin: dict[str, str]
):
    clock.set(DURING)

    response = client.post(
        f"{API}/ballots", json={"nominee": "yamina-ayadi", "email": "Kees@Example.org"}
    )

    assert response.status_code == 202
    assert response.json()["state"] == "pending"
    assert results(client, admin)["yamina-ayadi"] == 0
    ballot = stored(settings)[0]
    assert "kees" not in ballot.voter
    assert len(ballot.voter) == 64
    outbox = client.get("/api/admin/outbox", headers=admin).json()
    ballot_mail = outbox["counts"]["ballot"]  # queued, and maybe sent by now
    assert (sum(ballot_mail.values()), ballot_mail["failed"], ballot_mail["skipped"]) == (1, 0, 0)


def test_a_second_ballot_by_email_replaces_the_one_waiting(
    client: TestClient, clock: FixedClock, settings: Settings
):
    clock.set(DURING)
    client.post(f"{API}/ballots", json={"nominee": "yamina-ayadi", "email": "kees@example.org"})

    again = client.post(
        f"{API}/ballots", json={"nominee": "mhamed-yahia", "email": "KEES@example.org"}
    )

    assert again.status_code == 202
    assert states(settings) == [("yamina-ayadi", "withdrawn"), ("mhamed-yahia", "pending")]


def test_a_second_ballot_of_a_voter_whose_ballot_counts_is_409(
    client: TestClient, ann: str, settings: Settings, admin: dict[str, str]
):
    client.post(f"{API}/ballots", json={"nominee": "mhamed-yahia"}, headers=bearer(ann))

    again = client.post(f"{API}/ballots", json={"nominee": "yamina-ayadi"}, headers=bearer(ann))
    # Her address is the same voter, by e-mail as by link.
    by_mail = client.post(
        f"{API}/ballots", json={"nominee": "yamina-ayadi", "email": "ANN@example.org"}
    )

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "vote.already_voted"
    assert by_mail.status_code == 409
    assert states(settings) == [("mhamed-yahia", "counted")]
    assert results(client, admin) == {"yamina-ayadi": 0, "juul-van-schaijk": 0, "mhamed-yahia": 1}


def test_an_unknown_nominee_is_422(client: TestClient, ann: str, settings: Settings):
    by_link = client.post(f"{API}/ballots", json={"nominee": "nobody"}, headers=bearer(ann))
    by_mail = client.post(f"{API}/ballots", json={"nominee": 7, "email": "kees@example.org"})

    assert by_link.status_code == 422
    assert by_link.json()["errors"]["nominee"].startswith("not a nominee of this vote")
    assert by_mail.status_code == 422
    assert stored(settings) == []


def test_a_bad_address_is_422(client: TestClient, clock: FixedClock, settings: Settings):
    clock.set(DURING)

    response = client.post(f"{API}/ballots", json={"nominee": "mhamed-yahia", "email": "kees@"})

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"email"}
    assert stored(settings) == []


@pytest.mark.parametrize(
    ("moment", "code"), [(BEFORE, "vote.not_open"), (AFTER, "vote.closed")], ids=["early", "late"]
)
def test_a_ballot_outside_the_window_is_403(
    client: TestClient, clock: FixedClock, settings: Settings, moment: Any, code: str
):
    token = sign_up(client, "Bob Jansen", "bob@example.org")
    clock.set(moment)

    by_link = client.post(f"{API}/ballots", json={"nominee": "mhamed-yahia"}, headers=bearer(token))
    by_mail = client.post(
        f"{API}/ballots", json={"nominee": "mhamed-yahia", "email": "k@example.org"}
    )

    assert (by_link.status_code, by_link.json()["error"]["code"]) == (403, code)
    assert (by_mail.status_code, by_mail.json()["error"]["code"]) == (403, code)
    assert stored(settings) == []


def test_another_festivals_vote_takes_no_ballot(
    client: TestClient, clock: FixedClock, settings: Settings
):
    other = sign_up(client, "Bob Jansen", "bob@example.org", slug=OTHER)
    clock.set(DURING)

    # Bob's link is for the other congress; this one's vote is not his to vote in.
    response = client.post(
        f"/api/festivals/{SLUG}/votes/{VOTE}/ballots",
        json={"nominee": "mhamed-yahia"},
        headers=bearer(other),
    )
    # And a festival without that vote does not have it at all.
    missing = client.post(
        f"/api/festivals/agenda-sociaal-werk-2020/votes/{VOTE}/ballots",
        json={"nominee": "mhamed-yahia", "email": "kees@example.org"},
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "vote.other_festival"
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] in ("festival.not_found", "vote.not_found")
    assert stored(settings) == []
    assert stored(settings, OTHER) == []


def test_a_vote_for_registered_attendees_takes_no_ballot_by_email(
    settings: Settings, clock: FixedClock, tmp_path: Path
):
    with start(settings, clock, vote_file(tmp_path, voters="registered")) as client:
        token = sign_up(client, "Ann de Vries", "ann@example.org")
        clock.set(DURING)
        by_mail = client.post(
            f"{API}/ballots", json={"nominee": "mhamed-yahia", "email": "kees@example.org"}
        )
        by_link = client.post(
            f"{API}/ballots", json={"nominee": "mhamed-yahia"}, headers=bearer(token)
        )

    assert by_mail.status_code == 401
    assert by_mail.json()["error"]["code"] == "vote.link_required"
    assert by_link.status_code == 201
    assert states(settings) == [("mhamed-yahia", "counted")]


def test_a_role_token_casts_no_ballot(client: TestClient, ann: str, admin: dict[str, str],
                                      settings: Settings):  # fmt: skip
    response = client.post(f"{API}/ballots", json={"nominee": "mhamed-yahia"}, headers=admin)

    assert response.status_code == 403
    assert stored(settings) == []


def test_ballots_beyond_the_limits_are_429(settings: Settings, clock: FixedClock, tmp_path: Path):
    limited = Settings(
        **{
            **settings.__dict__,
            "rate_ballots_per_address": "3/minute",
            "rate_ballots_per_email": "1/hour",
        }
    )
    with start(limited, clock, vote_file(tmp_path)) as client:
        clock.set(DURING)
        first = client.post(
            f"{API}/ballots", json={"nominee": "mhamed-yahia", "email": "k@example.org"}
        )
        same_mailbox = client.post(
            f"{API}/ballots", json={"nominee": "mhamed-yahia", "email": "K+x@example.org"}
        )
        other = client.post(
            f"{API}/ballots", json={"nominee": "mhamed-yahia", "email": "l@example.org"}
        )
        flood = client.post(
            f"{API}/ballots", json={"nominee": "mhamed-yahia", "email": "m@example.org"}
        )

    assert [r.status_code for r in (first, same_mailbox, other, flood)] == [202, 429, 202, 429]
    assert same_mailbox.json()["error"]["code"] == "vote.rate_limited"
    assert "e-mail" in same_mailbox.json()["error"]["message"]
    assert int(flood.headers["Retry-After"]) >= 1
    assert len(stored(limited)) == 2


# --- withdrawing and revealing ---------------------------------------------------------------


def test_a_ballot_is_withdrawn_while_open_and_not_after(
    client: TestClient, clock: FixedClock, ann: str, settings: Settings, admin: dict[str, str]
):
    client.post(f"{API}/ballots", json={"nominee": "mhamed-yahia"}, headers=bearer(ann))

    withdrawn = client.delete(f"{API}/ballot", headers=bearer(ann))
    none_left = client.delete(f"{API}/ballot", headers=bearer(ann))
    again = client.post(f"{API}/ballots", json={"nominee": "yamina-ayadi"}, headers=bearer(ann))
    clock.set(AFTER)
    late = client.delete(f"{API}/ballot", headers=bearer(ann))

    assert withdrawn.status_code == 200
    assert withdrawn.json()["state"] == "withdrawn"
    assert none_left.status_code == 404
    assert none_left.json()["error"]["code"] == "vote.no_ballot"
    assert again.status_code == 201  # withdrawn, so she may vote again while it is open
    assert late.status_code == 403
    assert late.json()["error"]["code"] == "vote.closed"
    assert states(settings) == [("mhamed-yahia", "withdrawn"), ("yamina-ayadi", "counted")]
    assert results(client, admin)["yamina-ayadi"] == 1


def test_a_host_reveals_the_result_and_the_vote_then_takes_no_ballots(
    client: TestClient, ann: str, settings: Settings
):
    client.post(f"{API}/ballots", json={"nominee": "mhamed-yahia"}, headers=bearer(ann))
    host = bearer(role_token(settings.database_url, "host", SLUG)[1])

    by_attendee = client.post(f"{API}/reveal", headers=bearer(ann))
    anonymous = client.post(f"{API}/reveal")
    revealed = client.post(f"{API}/reveal", headers=host)
    public = client.get(API).json()
    late = client.post(
        f"{API}/ballots", json={"nominee": "yamina-ayadi", "email": "kees@example.org"}
    )

    assert by_attendee.status_code == 403
    assert anonymous.status_code == 401
    assert revealed.status_code == 200
    assert public["status"] == "revealed"
    assert public["results"] == {"yamina-ayadi": 0, "juul-van-schaijk": 0, "mhamed-yahia": 1}
    assert public["winners"] == ["mhamed-yahia"]
    assert late.status_code == 403
    assert late.json()["error"]["code"] == "vote.revealed"
    assert states(settings) == [("mhamed-yahia", "counted")]


def test_the_revealed_result_counts_one_vote_in_the_singular(
    client: TestClient, ann: str, settings: Settings
):
    client.post(f"{API}/ballots", json={"nominee": "mhamed-yahia"}, headers=bearer(ann))
    client.post(f"{API}/reveal", headers=bearer(role_token(settings.database_url, "host", SLUG)[1]))

    dutch = client.get(f"/{SLUG}/vote/{VOTE}?lang=nl").text
    english = client.get(f"/{SLUG}/vote/{VOTE}?lang=en").text

    # Not "1 stemmen" / "1 votes": the count text's form follows the number (gettext plurals).
    assert ": 1 stem</li>" in dutch
    assert ": 0 stemmen</li>" in dutch
    assert ": 1 vote</li>" in english
    assert ": 0 votes</li>" in english


def test_a_host_token_reveals_only_if_it_runs_the_show(
    client: TestClient, ann: str, settings: Settings
):
    plenary_only = role_token(settings.database_url, "host", SLUG, channel="plenary")[1]
    show = role_token(settings.database_url, "host", SLUG, channel="show")[1]

    refused = client.post(f"{API}/reveal", headers=bearer(plenary_only))
    status = client.get(API).json()["status"]
    revealed = client.post(f"{API}/reveal", headers=bearer(show))

    assert refused.status_code == 403
    assert status == "open"
    assert revealed.status_code == 200
    assert revealed.json()["status"] == "revealed"


def test_a_vote_not_yet_open_cannot_be_revealed(
    client: TestClient, clock: FixedClock, admin: dict[str, str]
):
    clock.set(BEFORE)

    response = client.post(f"{API}/reveal", headers=admin)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "vote.not_open"
    assert client.get(API).json()["status"] == "upcoming"


# --- pages -----------------------------------------------------------------------------------


def test_the_vote_page_shows_the_nominees_with_their_text_escaped(
    client: TestClient, clock: FixedClock
):
    clock.set(DURING)

    page = client.get(f"/{SLUG}/vote/{VOTE}?lang=en")

    assert page.status_code == 200
    assert page.template.name == "votes/page.html"  # type: ignore[attr-defined]
    assert page.context["page"].standing.status == "open"  # type: ignore[attr-defined]
    assert "Buurtwerker &lt;b&gt;in&lt;/b&gt; Tilburg" in page.text
    assert '<img src="https://example.org/yamina.jpg"' in page.text
    assert "Vote for" in page.text
    assert f'<form method="post" action="/{SLUG}/vote/{VOTE}?lang=en"' in page.text
    assert 'name="email"' in page.text


def test_the_vote_form_of_another_festival_posts_to_its_own_vote(
    client: TestClient, clock: FixedClock, settings: Settings
):
    clock.set(DURING)

    sent = client.post(
        f"/{OTHER}/vote/{VOTE}?lang=en", data={"nominee": "mhamed-yahia", "email": "k@example.org"}
    )

    assert sent.status_code == 202
    assert f'action="/{OTHER}/vote/{VOTE}?lang=en"' not in sent.text  # no form: the mail is sent
    assert stored(settings) == []
    assert [(b.nominee, b.state) for b in stored(settings, OTHER)] == [("mhamed-yahia", "pending")]


def test_the_vote_form_takes_a_ballot_by_email(
    client: TestClient, clock: FixedClock, settings: Settings
):
    clock.set(DURING)

    sent = client.post(
        f"/vote/{VOTE}?lang=nl", data={"nominee": "juul-van-schaijk", "email": "kees@example.org"}
    )
    unknown = client.post(f"/vote/{VOTE}", data={"nominee": "nobody", "email": "l@example.org"})

    assert sent.status_code == 202
    assert "Bijna klaar" in sent.text
    assert unknown.status_code == 422
    assert "not a nominee" in unknown.text
    assert states(settings) == [("juul-van-schaijk", "pending")]


def test_the_personal_vote_page_votes_and_withdraws_by_button(
    client: TestClient, ann: str, settings: Settings
):
    me = client.get(f"/me/{ann}?lang=en")
    page = client.get(f"/me/{ann}/vote/{VOTE}?lang=en")
    voted = client.post(f"/me/{ann}/vote/{VOTE}?lang=en", data={"nominee": "yamina-ayadi"})
    twice = client.post(f"/me/{ann}/vote/{VOTE}?lang=en", data={"nominee": "mhamed-yahia"})
    withdrawn = client.post(f"/me/{ann}/vote/{VOTE}?lang=en", data={"nominee": ""})

    assert (
        f'<a href="/me/{ann}/vote/{VOTE}?lang=en">Sociaal Werker van het Jaar 2023</a>' in me.text
    )
    assert page.status_code == 200
    assert 'name="email"' not in page.text
    assert voted.status_code == 200
    assert "Your vote counts" in voted.text
    assert "You voted for \u2068Yamina Ayadi\u2069" in voted.text
    assert twice.status_code == 409
    assert withdrawn.status_code == 200
    assert "Your vote was withdrawn" in withdrawn.text
    assert states(settings) == [("yamina-ayadi", "withdrawn")]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_forged_confirmation_link_counts_nothing(
    client: TestClient, clock: FixedClock, settings: Settings, method: str
):
    clock.set(DURING)
    client.post(f"{API}/ballots", json={"nominee": "yamina-ayadi", "email": "kees@example.org"})

    response = client.request(method, "/vote/confirm/" + "0" * 64 + "?lang=en")

    assert response.status_code == 404
    assert "We do not know this confirmation link. Nothing was counted." in response.text
    assert states(settings) == [("yamina-ayadi", "pending")]


def test_an_erased_attendees_ballot_stays_counted_and_unlinked(
    client: TestClient, ann: str, settings: Settings, admin: dict[str, str]
):
    client.post(f"{API}/ballots", json={"nominee": "mhamed-yahia"}, headers=bearer(ann))

    erased = client.delete("/api/me", headers=bearer(ann))

    assert erased.status_code in (200, 204)
    (ballot,) = stored(settings)
    assert (ballot.state, ballot.registration_id) == ("counted", None)
    assert results(client, admin)["mhamed-yahia"] == 1
