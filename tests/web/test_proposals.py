"""Themes brought to the table over HTTP, on SQLite and PostgreSQL: an attendee proposes, the
admin accepts (the theme is a session of the round, on the programme, registrable, kept by a
reload of the programme file), declines or edits; every bad proposal is refused with its own
status and changes nothing; markup in a title is shown as text on every page."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.programme.loading import check_programme_files
from festival.proposals import MAX_DESCRIPTION, MAX_TITLE, PROPOSALS_PER_HOUR, Proposal
from festival.storage.db import Database
from festival.storage.proposal_repo import ProposalSql
from festival.web.admin_mail import csrf_token
from festival.web.app import create_app
from tests.conftest import REFERENCE
from tests.factories import bearer, register, registration, role_token
from tests.storage.test_erasure import everything_stored
from tests.web.conftest import load_into

SCHEDULES = Path(__file__).parent.parent.parent / "schedules"
KUS = SCHEDULES / "kus-themabijeenkomst-2016.toml"
SLUG = "kus-themabijeenkomst-2016"
ROUND = "gesprekstafels"
API = f"/api/rounds/{ROUND}/proposals"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MORNING = datetime(2016, 5, 27, 10, 0, tzinfo=AMSTERDAM).astimezone(UTC)
ROUND_STARTS = datetime(2016, 5, 27, 14, 45, tzinfo=AMSTERDAM).astimezone(UTC)
THEME = {"title": "Armoede en schulden", "description": "Wat werkt bij schuldhulp in de wijk?"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=str(tmp_path),
        base_url="http://festival.test",
        festival=SLUG,
        rate_registrations_per_address="1000/minute",
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MORNING)


@pytest.fixture
def client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    load_into(settings.database_url, KUS, REFERENCE)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def sign_up(client: TestClient, name: str, email: str, slug: str = SLUG, **extra: Any) -> str:
    body = registration(name, email, organisation="Buurtwerk Oost", **extra)
    token: str = register(client, body, f"?festival={slug}")["token"]
    return token


@pytest.fixture
def ann(client: TestClient) -> str:
    return sign_up(client, "Ann de Vries", "ann@example.org")


@pytest.fixture
def admin(client: TestClient, settings: Settings) -> str:
    """Opens the admin page as a browser does (the token into the cookie); the form token."""
    secret = role_token(settings.database_url, "admin", SLUG)[1]
    assert client.get(f"/admin?token={secret}", follow_redirects=False).status_code == 303
    return csrf_token(secret)


def stored(settings: Settings) -> list[Proposal]:
    async def go() -> list[Proposal]:
        db = Database(settings.database_url)
        try:
            async with db.session() as session:
                return await ProposalSql(session).of_festival(SLUG)
        finally:
            await db.dispose()

    return asyncio.run(go())


def dump(settings: Settings) -> str:
    async def go() -> str:
        db = Database(settings.database_url)
        try:
            return await everything_stored(db)
        finally:
            await db.dispose()

    return asyncio.run(go())


def decide(client: TestClient, csrf: str, proposal_id: int, action: str, **fields: str) -> Any:
    return client.post(
        f"/admin/proposals/{proposal_id}/{action}?festival={SLUG}",
        data={"csrf": csrf, **fields},
        follow_redirects=False,
    )


def sessions_of_round(client: TestClient) -> list[dict[str, Any]]:
    body = client.get(f"/api/festivals/{SLUG}/programme").json()
    (found,) = [r for r in body["rounds"] if r["id"] == ROUND]
    sessions: list[dict[str, Any]] = found["sessions"]
    return sessions


# --- the way through -------------------------------------------------------------------------


def test_an_accepted_theme_is_a_session_of_the_round_that_attendees_register_for(
    client: TestClient, ann: str, admin: str
):
    proposed = client.post(API, json=THEME, headers=bearer(ann))
    proposal_id = proposed.json()["id"]
    accepted = decide(client, admin, proposal_id, "accept")
    session = next(s for s in sessions_of_round(client) if s["id"] == f"proposal-{proposal_id}")
    bob = register(
        client,
        registration("Bob Jansen", "bob@example.org", choices={ROUND: f"proposal-{proposal_id}"}),
        f"?festival={SLUG}",
    )
    page = client.get(f"/{SLUG}/")
    mine = client.get(API, headers=bearer(ann)).json()["proposals"]

    assert proposed.status_code == 201
    assert proposed.json()["state"] == "pending"
    assert proposed.json()["session"] is None
    assert accepted.status_code == 303
    assert accepted.headers["location"] == f"/admin?festival={SLUG}#proposal-{proposal_id}"
    assert session["title"] == "Armoede en schulden"
    assert session["description"] == "Wat werkt bij schuldhulp in de wijk?"
    assert [h["name"] for h in session["hosts"]] == ["Ann de Vries"]
    assert [h["organisation"] for h in session["hosts"]] == ["Buurtwerk Oost"]
    assert bob["choices"][ROUND]["session"] == f"proposal-{proposal_id}"
    assert bob["choices"][ROUND]["status"] == "confirmed"
    assert "Armoede en schulden" in page.text
    assert "Deelnemers brengen hier ook zelf thema&#39;s ter tafel" in page.text
    assert "Armoede en schulden" in client.get(f"/{SLUG}/programme.ics").text
    assert f'value="proposal-{proposal_id}"' in client.get(f"/{SLUG}/register").text
    assert [(p["state"], p["session"]) for p in mine] == [("accepted", f"proposal-{proposal_id}")]


def test_a_reload_of_the_programme_file_keeps_the_accepted_themes(
    client: TestClient, settings: Settings, ann: str, admin: str
):
    proposal_id = client.post(API, json=THEME, headers=bearer(ann)).json()["id"]
    decide(client, admin, proposal_id, "accept")

    load_into(settings.database_url, KUS)

    sessions = {s["id"]: s for s in sessions_of_round(client)}
    assert sessions[f"proposal-{proposal_id}"]["title"] == "Armoede en schulden"
    assert sessions[f"proposal-{proposal_id}"]["cancelled"] is False
    assert check_programme_files([KUS]) == []


def test_a_declined_theme_is_no_session(
    client: TestClient, settings: Settings, ann: str, admin: str
):
    proposal_id = client.post(API, json=THEME, headers=bearer(ann)).json()["id"]

    declined = decide(client, admin, proposal_id, "decline")
    again = decide(client, admin, proposal_id, "accept")

    assert declined.status_code == 303
    assert [p.state for p in stored(settings)] == ["declined"]
    assert again.status_code == 409
    assert f"Voorstel {proposal_id} is niet gewijzigd: over dit thema is al besloten." in again.text
    assert [s["id"] for s in sessions_of_round(client) if s["id"].startswith("proposal-")] == []


def test_declining_a_theme_is_the_admin_pages_danger_button(
    client: TestClient, ann: str, admin: str
):
    client.post(API, json=THEME, headers=bearer(ann))

    page = client.get(f"/admin?festival={SLUG}").text

    # Declining cannot be undone: the red button (style.css's .button-danger); accepting is not.
    assert page.count('<button type="submit" class="button-danger">Afwijzen</button>') == 1
    assert page.count('<button type="submit">Aannemen</button>') == 1


def test_the_admin_edits_a_theme_before_and_after_accepting_it(
    client: TestClient, settings: Settings, ann: str, admin: str
):
    proposal_id = client.post(API, json=THEME, headers=bearer(ann)).json()["id"]

    decide(client, admin, proposal_id, "edit", title="Schulden", description="Schuldhulp")
    decide(client, admin, proposal_id, "accept")
    decide(client, admin, proposal_id, "edit", title="Schulden in de wijk", description="Wat werkt")
    refused = decide(client, admin, proposal_id, "edit", title="", description="Wat werkt")

    session = next(s for s in sessions_of_round(client) if s["id"] == f"proposal-{proposal_id}")
    assert session["title"] == "Schulden in de wijk"
    assert session["description"] == "Wat werkt"
    assert refused.status_code == 422
    assert (
        f"Voorstel {proposal_id} is niet gewijzigd: Vul een titel in van hoogstens 120 tekens."
        in refused.text
    )
    assert [(p.title, p.state) for p in stored(settings)] == [("Schulden in de wijk", "accepted")]


def test_the_personal_page_proposes_and_shows_ones_own_proposals(
    client: TestClient, settings: Settings, ann: str
):
    personal = client.get(f"/me/{ann}?lang=en")
    sent = client.post(f"/me/{ann}/proposals?lang=en", data={"round": ROUND, **THEME})
    empty = client.post(
        f"/me/{ann}/proposals?lang=en", data={"round": ROUND, "title": "", "description": "x"}
    )

    assert f'href="/me/{ann}/proposals?lang=en"' in personal.text
    assert sent.status_code == 201
    assert sent.template.name == "proposals/page.html"  # type: ignore[attr-defined]
    assert "Your proposal has arrived" in sent.text
    assert "awaiting a decision" in sent.text
    assert empty.status_code == 422
    assert "Fill in a title of at most 120 characters." in empty.text
    assert [p.title for p in stored(settings)] == ["Armoede en schulden"]


# --- refused, changing nothing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({**THEME, "title": "x" * 121}, "title", id="title-too-long"),
        pytest.param({**THEME, "description": "x" * 1001}, "description", id="description-long"),
        pytest.param({"title": "Schulden"}, "description", id="description-missing"),
        pytest.param({**THEME, "title": "   "}, "title", id="title-blank"),
        pytest.param({**THEME, "title": 7}, "title", id="title-not-text"),
        pytest.param({**THEME, "host": "me"}, "body", id="unknown-field"),
    ],
)
def test_a_bad_proposal_is_422_and_stores_nothing(
    client: TestClient, settings: Settings, ann: str, body: dict[str, Any], field: str
):
    refused = client.post(API, json=body, headers=bearer(ann))

    assert refused.status_code == 422
    assert field in refused.json()["errors"]
    assert stored(settings) == []


def test_the_longest_title_and_description_are_taken(
    client: TestClient, settings: Settings, ann: str
):
    taken = client.post(
        API, json={"title": "x" * 120, "description": "y" * 1000}, headers=bearer(ann)
    )

    assert taken.status_code == 201
    assert [len(p.title) for p in stored(settings)] == [120]


def test_a_proposal_without_a_token_is_401(client: TestClient, settings: Settings):
    refused = client.post(API, json=THEME)
    forged = client.post(API, json=THEME, headers=bearer("not-a-token"))

    assert refused.status_code == 401
    assert forged.status_code == 401
    assert stored(settings) == []


def test_a_proposal_for_an_unknown_round_or_another_festivals_round_is_404(
    client: TestClient, settings: Settings, ann: str
):
    unknown = client.post("/api/rounds/nope/proposals", json=THEME, headers=bearer(ann))
    elsewhere = client.post("/api/rounds/ronde-1/proposals", json=THEME, headers=bearer(ann))

    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "proposal.round_not_found"
    assert elsewhere.status_code == 404
    assert stored(settings) == []


def test_a_round_without_proposals_is_403(client: TestClient, settings: Settings):
    other = sign_up(client, "Cas Bakker", "cas@example.org", slug="agenda-sociaal-werk-2020")

    refused = client.post("/api/rounds/ronde-1/proposals", json=THEME, headers=bearer(other))

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "proposal.not_taken"
    assert stored(settings) == []


def test_a_proposal_after_the_closing_time_is_403(
    client: TestClient, settings: Settings, clock: FixedClock, ann: str
):
    clock.set(ROUND_STARTS)

    refused = client.post(API, json=THEME, headers=bearer(ann))
    form = client.get(f"/me/{ann}/proposals?lang=en")
    posted = client.post(f"/me/{ann}/proposals?lang=en", data={"round": ROUND, **THEME})

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "proposal.closed"
    assert "No themes can be proposed now." in form.text
    assert posted.status_code == 403
    assert "Gesprekstafels: this round takes no more themes." in posted.text
    assert stored(settings) == []


def test_a_flood_of_proposals_is_429(client: TestClient, settings: Settings, ann: str):
    for n in range(PROPOSALS_PER_HOUR):
        client.post(API, json={**THEME, "title": f"Thema {n}"}, headers=bearer(ann))

    refused = client.post(API, json=THEME, headers=bearer(ann))

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "proposal.too_many"
    assert len(stored(settings)) == PROPOSALS_PER_HOUR


def test_an_admin_form_without_the_form_token_changes_nothing(
    client: TestClient, settings: Settings, ann: str, admin: str
):
    proposal_id = client.post(API, json=THEME, headers=bearer(ann)).json()["id"]

    refused = decide(client, "forged", proposal_id, "accept")

    assert refused.status_code == 403
    assert [p.state for p in stored(settings)] == ["pending"]


def test_markup_in_a_theme_is_text_on_every_page(client: TestClient, ann: str, admin: str):
    markup = {"title": "<script>alert(1)</script>", "description": "<b>vet</b>"}
    proposal_id = client.post(API, json=markup, headers=bearer(ann)).json()["id"]
    pending = [client.get(f"/me/{ann}/proposals"), client.get(f"/admin?festival={SLUG}")]
    decide(client, admin, proposal_id, "accept")
    accepted = [client.get(f"/{SLUG}/"), client.get(f"/admin?festival={SLUG}")]
    api = next(s for s in sessions_of_round(client) if s["id"] == f"proposal-{proposal_id}")

    for page in pending + accepted:
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "<b>vet</b>" not in page.text
    assert api["title"] == "<script>alert(1)</script>"


def test_the_archive_lists_the_accepted_themes_as_theirs(
    client: TestClient, clock: FixedClock, ann: str, admin: str
):
    first = client.post(API, json=THEME, headers=bearer(ann)).json()["id"]
    second = client.post(API, json={**THEME, "title": "Niet gekozen"}, headers=bearer(ann))
    decide(client, admin, first, "accept")
    decide(client, admin, second.json()["id"], "decline")
    clock.set(datetime(2016, 5, 28, 12, 0, tzinfo=AMSTERDAM).astimezone(UTC))

    archive = client.get(f"/{SLUG}/archive?lang=en")

    session = archive.text.split(f'id="proposal-{first}"', 1)[1].split("</article>", 1)[0]
    assert archive.status_code == 200
    assert "Armoede en schulden" in session
    assert "A theme brought by an attendee" in session
    assert "Ann de Vries" in session
    assert "Niet gekozen" not in archive.text


def test_the_docs_quote_the_limits_the_rules_keep():
    api = (Path(__file__).parent.parent.parent / "docs" / "api.md").read_text(encoding="utf-8")

    assert f"within an hour (at most {PROPOSALS_PER_HOUR} an hour)" in api
    assert f"| {PROPOSALS_PER_HOUR} an hour |" in api
    assert f"`title` (at most {MAX_TITLE} characters) and `description` (at most 1,000)" in api
    assert MAX_DESCRIPTION == 1_000


def test_an_erased_proposer_leaves_their_accepted_theme_without_a_host_and_no_trace(
    client: TestClient, settings: Settings, ann: str, admin: str
):
    accepted = client.post(API, json=THEME, headers=bearer(ann)).json()["id"]
    client.post(API, json={**THEME, "title": "Nog open"}, headers=bearer(ann))
    decide(client, admin, accepted, "accept")
    bob = sign_up(client, "Bob Jansen", "bob@example.org")
    client.put(f"/api/me/choices/{ROUND}", json={"session": f"proposal-{accepted}"},
               headers=bearer(bob))  # fmt: skip

    erased = client.delete("/api/me", headers=bearer(ann))
    load_into(settings.database_url, KUS)

    session = next(s for s in sessions_of_round(client) if s["id"] == f"proposal-{accepted}")
    assert erased.status_code == 204
    assert (session["title"], session["hosts"], session["cancelled"]) == (
        "Armoede en schulden",
        [],
        False,
    )
    assert [(p.title, p.registration_id, p.proposer) for p in stored(settings)] == [
        ("Armoede en schulden", None, "")
    ]
    assert "Ann de Vries" not in dump(settings)
    assert "Ann de Vries" not in client.get(f"/{SLUG}/").text
    mine = client.get("/api/me", headers=bearer(bob)).json()["choices"][ROUND]
    assert mine["session"] == f"proposal-{accepted}"
