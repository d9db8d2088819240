"""Mail leads to a session by the attendee's personal join link, never the provider's: the
reminder, and the promotion of someone who moves up while the join window is open. Through
a real SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from email.message import Message
from pathlib import Path

from festival.clock import FixedClock
from festival.registration.service import change_place, register
from festival.storage.db import Database
from festival.storage.registration_repo import RegistrationSql
from tests.conftest import REFERENCE
from tests.factories import festival_file
from tests.invites.test_reminders import START, queue_reminders
from tests.mail import html_of, received, text_of
from tests.mailing.conftest import Inbox
from tests.mailing.test_delivery import NOW, SLUG, load, person, sender

ZOOM_1 = "https://zoom.example.org/huiskamer-1"
TITLE = "Huiskamer 1: De Buurvrouw & Buurvrouw Bus"


async def reminded(database: Database, smtp: tuple[Inbox, str]) -> tuple[str, Message]:
    """Persoon 1 in huiskamer-1 of the reference day: their token and the reminder the sender
    delivers when it is due, 15 minutes before the session."""
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    ann = await register(RegistrationSql(database), SLUG, person(1, ronde_1="huiskamer-1"), now=NOW)
    due = START - timedelta(minutes=15)
    await queue_reminders(database, SLUG, "huiskamer-1", START, now=due)

    await sender(database, url, FixedClock(due)).deliver_due()

    return ann.token, received(inbox, f"Zo meteen: {TITLE}")


async def test_the_reminder_leads_by_the_personal_join_link(database: Database, smtp):
    token, reminder = await reminded(database, smtp)

    link = f"http://festival.test/join/{token}/huiskamer-1"
    assert f"Nu meedoen: {link}\n" in text_of(reminder)
    assert f'href="{link}"' in html_of(reminder)
    assert ZOOM_1 not in text_of(reminder) + html_of(reminder)


async def test_an_attendee_promoted_inside_the_join_window_gets_the_link_at_once(
    database: Database, smtp, tmp_path: Path
):
    inbox, url = smtp
    full = festival_file(tmp_path, REFERENCE, capacity={"huiskamer-1": 1})
    await load(database, full.read_text())
    store = RegistrationSql(database)
    ann = await register(store, SLUG, person(1, ronde_1="huiskamer-1"), now=NOW)
    bob = await register(store, SLUG, person(2, ronde_1="huiskamer-1"), now=NOW)
    inside = START - timedelta(minutes=5)  # the join window opened ten minutes ago

    await change_place(store, ann.registration.id, "ronde-1", None, now=inside)
    await sender(database, url, FixedClock(inside)).deliver_due()

    promoted = received(inbox, f"Je hebt een plaats: {TITLE}")
    assert str(promoted["To"]).endswith("persoon2@example.org>")
    link = f"http://festival.test/join/{bob.token}/huiskamer-1"
    assert f"Nu meedoen: {link}\n" in text_of(promoted)
    assert f'href="{link}"' in html_of(promoted)
    assert ZOOM_1 not in text_of(promoted) + html_of(promoted)
