"""Confirming one's place from the reconfirmation mail: `GET /me/TOKEN/reconfirm` only shows
the button, its `POST` confirms; twice, after the deadline or with a dead link nothing
changes. The personal page and `/api/me` say whether confirmation is asked, done, and until
when. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.registration import reconfirm
from festival.storage.programme_repo import read_festival
from festival.storage.registration_repo import RegistrationSql
from festival.web.app import create_app
from festival.web.state import AppState
from tests.conftest import REFERENCE
from tests.factories import bearer, festival_file, register, registration
from tests.mail import text_of
from tests.mailing.conftest import Inbox
from tests.mailing.conftest import smtp as smtp
from tests.web.conftest import load_into

SLUG = "agenda-sociaal-werk-2020"
BEFORE = datetime(2020, 11, 10, 9, 0, tzinfo=UTC)
ASKS = datetime(2020, 11, 16, 8, 0, tzinfo=UTC)  # 09:00 in Amsterdam, three days before
DEADLINE = datetime(2020, 11, 18, 8, 0, tzinfo=UTC)
BUTTON = '<button type="submit">Ja, ik kom</button>'
TITLE = "Huiskamer 1: De Buurvrouw &amp; Buurvrouw Bus"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url, var_dir=str(tmp_path), base_url="http://festival.test"
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(BEFORE)


def asking(tmp_path: Path, days: int) -> Path:
    """The reference day with one place in huiskamer-1, asking `days` before."""
    path = festival_file(tmp_path, REFERENCE, capacity={"huiskamer-1": 1})
    text = path.read_text(encoding="utf-8")
    line = f'\nmode = "online"\nreconfirm_days_before = {days}\n'
    path.write_text(text.replace('\nmode = "online"\n', line, 1), encoding="utf-8")
    return path


@pytest.fixture
def client(settings: Settings, clock: FixedClock, tmp_path: Path) -> Iterator[TestClient]:
    load_into(settings.database_url, asking(tmp_path, 3))
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


@pytest.fixture
def ann(client: TestClient) -> dict[str, Any]:
    """Ann holds the one place in huiskamer-1."""
    return register(
        client, registration("Ann", "ann@example.org", choices={"ronde-1": "huiskamer-1"})
    )


@pytest.fixture
def bob(client: TestClient, ann: dict[str, Any]) -> dict[str, Any]:
    """Bob waits for it."""
    return register(
        client, registration("Bob", "bob@example.org", choices={"ronde-1": "huiskamer-1"})
    )


def step(client: TestClient, clock: FixedClock, now: datetime) -> None:
    """Move the clock to `now` and do what the scheduler does by then: ask, and once past
    the deadline move the unconfirmed places."""
    clock.set(now)
    state: AppState = client.app_state["festival"]

    async def go() -> None:
        async with state.db.session() as db:
            festival = await read_festival(db, SLUG)
        assert festival is not None
        await reconfirm.ask(RegistrationSql(state.db), festival, now=ASKS)
        await reconfirm.lapse(RegistrationSql(state.db), festival, now=now)

    client.portal.call(go)


def me(client: TestClient, token: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/api/me", headers=bearer(token)).json()
    return body


def test_opening_the_link_shows_the_button_and_changes_nothing(
    client: TestClient, clock: FixedClock, ann: dict[str, Any]
):
    step(client, clock, ASKS + timedelta(hours=1))

    response = client.get(f"/me/{ann['token']}/reconfirm")

    assert response.status_code == 200
    assert response.template.name == "me/reconfirm.html"  # type: ignore[attr-defined]
    assert BUTTON in response.text
    assert f"<li><strong>{TITLE}</strong></li>" in response.text
    assert "Bevestig je plaats vóór woensdag 18 november 2020, 09:00." in response.text
    assert f'action="/me/{ann["token"]}/reconfirm?lang=nl"' in response.text
    assert response.headers["cache-control"] == "no-store"
    assert me(client, ann["token"])["reconfirmation"] == {
        "status": "asked",
        "asks_at": "2020-11-16T09:00:00+01:00",
        "deadline": "2020-11-18T09:00:00+01:00",
    }


def test_the_link_in_the_mail_leads_to_the_button_that_confirms(
    settings: Settings, clock: FixedClock, tmp_path: Path, smtp: tuple[Inbox, str]
):
    inbox, url = smtp
    load_into(settings.database_url, asking(tmp_path, 3))
    app = create_app(dataclasses.replace(settings, smtp_url=url), clock=clock)
    with TestClient(app) as client:
        body = registration("Ann", "ann@example.org", choices={"ronde-1": "huiskamer-1"})
        ann = register(client, body)
        step(client, clock, ASKS + timedelta(hours=1))

        def asked(messages: list[Message]) -> bool:
            return any(str(m["Subject"]).startswith("Kom je nog?") for m in messages)

        assert inbox.wait_until(asked, timeout=10)  # the service's own sender, by SMTP
        (text,) = [text_of(m) for m in inbox.messages if asked([m])]
        link = re.search(r"Ja, ik kom: http://festival\.test(/me/\S+/reconfirm\?lang=nl)", text)
        assert link is not None, text

        page = client.get(link.group(1))
        assert BUTTON in page.text
        confirmed = client.post(link.group(1))

        assert "Dank je wel: je plaats is bevestigd. Tot dan!" in confirmed.text
        assert me(client, ann["token"])["reconfirmation"]["status"] == "done"


def test_the_button_confirms_the_place(client: TestClient, clock: FixedClock, ann: dict[str, Any]):
    step(client, clock, ASKS + timedelta(hours=1))

    response = client.post(f"/me/{ann['token']}/reconfirm?lang=en")

    assert response.status_code == 200
    assert "Thank you: your place is confirmed. See you then!" in response.text
    assert me(client, ann["token"])["reconfirmation"]["status"] == "done"


def test_a_second_post_says_already_confirmed_and_changes_nothing(
    client: TestClient, clock: FixedClock, ann: dict[str, Any]
):
    step(client, clock, ASKS + timedelta(hours=1))
    client.post(f"/me/{ann['token']}/reconfirm")

    response = client.post(f"/me/{ann['token']}/reconfirm")

    assert response.status_code == 200
    assert "Je had je plaats al bevestigd. Er is niets veranderd." in response.text
    assert BUTTON not in response.text
    assert me(client, ann["token"])["reconfirmation"]["status"] == "done"


def test_after_the_deadline_the_page_says_the_place_went_and_nothing_changes(
    client: TestClient, clock: FixedClock, ann: dict[str, Any], bob: dict[str, Any]
):
    step(client, clock, ASKS + timedelta(hours=1))
    clock.set(DEADLINE + timedelta(minutes=1))  # the move has not run yet

    late = client.post(f"/me/{ann['token']}/reconfirm?lang=en")

    assert late.status_code == 422
    assert (
        "Your place was not confirmed before Wednesday 18 November 2020, 09:00 and went to the "
        "waitlist." in late.text
    )
    assert "Nothing was changed." in late.text
    assert me(client, ann["token"])["choices"]["ronde-1"]["status"] == "confirmed"

    step(client, clock, DEADLINE + timedelta(minutes=2))
    again = client.post(f"/me/{ann['token']}/reconfirm?lang=en")

    assert again.status_code == 422
    assert "went to the waitlist" in again.text
    ann_place, bob_place = (me(client, p["token"])["choices"]["ronde-1"] for p in (ann, bob))
    assert (ann_place["status"], ann_place["position"]) == ("waitlisted", 1)
    assert bob_place["status"] == "confirmed"


def test_nothing_to_confirm_before_the_asking_says_when_it_comes(
    client: TestClient, ann: dict[str, Any]
):
    response = client.post(f"/me/{ann['token']}/reconfirm?lang=en")

    assert response.status_code == 200
    assert BUTTON not in response.text
    assert (
        "On Monday 16 November 2020, 09:00 we ask you by mail to confirm your place, by "
        "Wednesday 18 November 2020, 09:00 at the latest." in response.text
    )
    assert me(client, ann["token"])["reconfirmation"]["status"] == "coming"


def test_an_unknown_link_is_not_found(client: TestClient):
    assert client.get("/me/no-such-token/reconfirm").status_code == 404
    assert client.post("/me/no-such-token/reconfirm").status_code == 404


def test_an_erased_registration_link_is_not_found(
    client: TestClient, clock: FixedClock, ann: dict[str, Any]
):
    step(client, clock, ASKS + timedelta(hours=1))
    assert client.delete("/api/me", headers=bearer(ann["token"])).status_code == 204

    assert client.post(f"/me/{ann['token']}/reconfirm").status_code == 404


def test_the_personal_page_asks_and_then_thanks(
    client: TestClient, clock: FixedClock, ann: dict[str, Any]
):
    step(client, clock, ASKS + timedelta(hours=1))

    asked = client.get(f"/me/{ann['token']}")
    assert "Bevestig je plaats vóór woensdag 18 november 2020, 09:00." in asked.text
    assert f'<form method="post" action="/me/{ann["token"]}/reconfirm?lang=nl">' in asked.text

    client.post(f"/me/{ann['token']}/reconfirm")
    done = client.get(f"/me/{ann['token']}")

    assert "Je hebt bevestigd dat je komt. Dank je wel!" in done.text
    assert BUTTON not in done.text


def test_the_personal_page_says_a_missed_deadline_sent_the_place_to_the_waitlist(
    client: TestClient, clock: FixedClock, ann: dict[str, Any], bob: dict[str, Any]
):
    step(client, clock, ASKS + timedelta(hours=1))
    step(client, clock, DEADLINE + timedelta(minutes=1))

    page = client.get(f"/me/{ann['token']}?lang=en")

    assert (
        "Your place was not confirmed before Wednesday 18 November 2020, 09:00 and went to the "
        "waitlist." in page.text
    )
    assert BUTTON not in page.text
    assert me(client, ann["token"])["reconfirmation"]["status"] == "lapsed"


def test_a_festival_that_asks_nothing_says_so_in_the_api(
    settings: Settings, clock: FixedClock, tmp_path: Path
):
    load_into(settings.database_url, asking(tmp_path, 0))
    with TestClient(create_app(settings, clock=clock)) as client:
        ann = register(
            client, registration("Ann", "ann@example.org", choices={"ronde-1": "huiskamer-1"})
        )

        assert me(client, ann["token"])["reconfirmation"] is None
