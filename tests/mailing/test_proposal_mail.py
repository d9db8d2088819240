"""The proposer hears of the organiser's decision through a real SMTP server, on SQLite and
PostgreSQL: accepted (in English, their language) and declined (in Dutch), each with the
theme's title as text and a button to their personal page."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.web.admin_mail import csrf_token
from festival.web.app import create_app
from tests.factories import bearer, register, registration, role_token
from tests.mail import html_of, text_of
from tests.mailing.conftest import Inbox
from tests.web.conftest import load_into
from tests.web.test_proposals import API, KUS, MORNING, SLUG


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp: tuple[Inbox, str]) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=str(tmp_path),
        base_url="http://festival.test",
        festival=SLUG,
        smtp_url=smtp[1],
        mail_from="tafels@festival.test",
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    load_into(settings.database_url, KUS)
    with TestClient(create_app(settings, clock=FixedClock(MORNING))) as client:
        yield client


def decision_mails(inbox: Inbox, n: int) -> list[Message]:
    def decided(messages: list[Message]) -> list[Message]:
        subjects = ("Your theme gets a table", "Over je voorgestelde thema")
        return [m for m in messages if str(m["Subject"]).startswith(subjects)]

    assert inbox.wait_until(lambda messages: len(decided(messages)) >= n, timeout=20)
    return decided(inbox.messages)[:n]


def test_the_proposer_is_mailed_the_decision_in_their_language(
    client: TestClient, settings: Settings, smtp: tuple[Inbox, str]
):
    inbox, _ = smtp
    ann = register(client, registration("Ann de Vries", "ann@example.org", language="en"))
    kees = register(client, registration("Kees Smit", "kees@example.org", language="nl"))
    theme = {"title": "Schulden & <b>armoede</b>", "description": "Wat werkt?"}
    first = client.post(API, json=theme, headers=bearer(ann["token"])).json()["id"]
    second = client.post(API, json=theme, headers=bearer(kees["token"])).json()["id"]
    secret = role_token(settings.database_url, "admin", SLUG)[1]
    client.get(f"/admin?token={secret}")
    for proposal_id, action in ((first, "accept"), (second, "decline")):
        client.post(
            f"/admin/proposals/{proposal_id}/{action}?festival={SLUG}",
            data={"csrf": csrf_token(secret)},
        )

    accepted, declined = sorted(decision_mails(inbox, 2), key=lambda m: str(m["To"]))

    assert accepted["To"] == "Ann de Vries <ann@example.org>"
    assert accepted["Subject"] == "Your theme gets a table: Schulden & <b>armoede</b>"
    assert (
        "Your proposal \u201cSchulden & <b>armoede</b>\u201d has been accepted: it is now on the "
        "programme in Gesprekstafels, with you as its host." in " ".join(text_of(accepted).split())
    )
    assert "Schulden &amp; &lt;b&gt;armoede&lt;/b&gt;" in html_of(accepted)
    assert f'href="http://festival.test/me/{ann["token"]}"' in html_of(accepted)
    assert declined["To"] == "Kees Smit <kees@example.org>"
    assert declined["Subject"] == "Over je voorgestelde thema: Schulden & <b>armoede</b>"
    assert "De organisatie heeft besloten het dit keer geen eigen tafel te geven." in " ".join(
        text_of(declined).split()
    )
