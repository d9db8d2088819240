"""The reminder tells an on-site attendee of a festival with a venue their check-in code, with
the QR by link; nobody else gets one. Through a real SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.programme.model import PLENARY
from festival.registration.service import register
from festival.storage.db import Database
from festival.storage.registration_repo import RegistrationSql
from festival.web.app import create_app
from tests.conftest import SCHEDULES
from tests.invites.test_reminders import queue_reminders
from tests.mail import html_of, received, text_of
from tests.mailing.test_delivery import NOW, load, person, sender

CONGRESS = SCHEDULES / "jaarcongres-sociaal-werk-2023.toml"
SLUG = "jaarcongres-sociaal-werk-2023"
PLENARY_START = datetime(2023, 5, 24, 8, 0, tzinfo=UTC)  # 10:00 in Den Bosch
SUBJECT = "Zo meteen: Plenair programma"


async def test_the_reminder_carries_the_code_and_a_link_to_the_qr(
    database: Database, smtp, database_url: str, tmp_path
):
    inbox, url = smtp
    await load(database, CONGRESS.read_text())
    store = RegistrationSql(database)
    ann = await register(store, SLUG, replace(person(1), mode="onsite"), now=NOW)
    due = PLENARY_START - timedelta(minutes=15)
    await queue_reminders(database, SLUG, PLENARY, PLENARY_START, now=due)

    await sender(database, url, FixedClock(due)).deliver_due()

    settings = Settings(database_url=database_url, var_dir=str(tmp_path))
    with TestClient(create_app(settings, clock=FixedClock(due))) as client:
        code = client.get("/api/me", headers={"Authorization": f"Bearer {ann.token}"}).json()[
            "checkin_code"
        ]
        qr = f"http://festival.test/me/{ann.token}/checkin.png"
        image = client.get(qr.removeprefix("http://festival.test"))
    reminder = received(inbox, SUBJECT)
    text = text_of(reminder)
    assert f"Inchecken bij de ingang: laat de QR-code zien of noem je code {code}." in text
    assert f"Je QR-code om in te checken: {qr}\n" in text
    assert f'<img src="{qr}" alt="Je QR-code om in te checken"' in html_of(reminder)
    assert (image.status_code, image.headers["content-type"]) == (200, "image/png")


async def test_an_online_attendee_gets_no_code(database: Database, smtp):
    inbox, url = smtp
    await load(database, CONGRESS.read_text())
    await register(RegistrationSql(database), SLUG, replace(person(2), mode="online"), now=NOW)
    due = PLENARY_START - timedelta(minutes=15)
    await queue_reminders(database, SLUG, PLENARY, PLENARY_START, now=due)

    await sender(database, url, FixedClock(due)).deliver_due()

    text = text_of(received(inbox, SUBJECT))
    assert "Inchecken" not in text
    assert "checkin.png" not in text
