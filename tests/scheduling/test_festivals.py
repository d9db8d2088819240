"""The scheduler plans for every festival of the install: two festivals on the same day each
send their reminders, once, to their own attendees. On SQLite and PostgreSQL."""

from __future__ import annotations

import email
import mailbox
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import BinaryIO

from festival.clock import FixedClock
from festival.config import Settings
from festival.mailing.compose import Composer
from festival.mailing.sender import Sender
from festival.mailing.transport import MaildirTransport
from festival.registration.service import register
from festival.scheduling import Scheduler
from festival.storage.db import Database
from festival.storage.registration_repo import RegistrationSql
from tests.conftest import REFERENCE
from tests.factories import renamed
from tests.mailing.test_delivery import SLUG, load, person

OTHER = "agenda-sociaal-werk-2020-zuid"
OTHER_TITLE = "De agenda van het sociaal werk 2020, regio Zuid"
TITLE = "De agenda van het sociaal werk 2020"
REGISTERED = datetime(2020, 11, 1, 9, 0, tzinfo=UTC)
# Round 1 starts at 10:30 in Amsterdam (09:30 UTC) in both; reminders go 15 minutes before.
BEFORE = datetime(2020, 11, 19, 9, 0, tzinfo=UTC)
REMINDER_DUE = datetime(2020, 11, 19, 9, 16, tzinfo=UTC)
HUISKAMER_1 = "Huiskamer 1: De Buurvrouw & Buurvrouw Bus"
HUISKAMER_2 = "Huiskamer 2: Solidariteit tussen sociaal werkers, ook internationaal"


async def fire_due(scheduler: Scheduler, now: datetime) -> None:
    """What the running scheduler does when `now` comes: every job due by then runs. (Jobs
    are planned on the service's clock; APScheduler itself waits on the wall clock.)"""
    for job in scheduler.jobs.get_jobs():
        if job.next_run_time <= now:
            await job.func(*job.args)


async def test_reminders_of_two_festivals_on_one_day_each_go_out_once(
    database: Database, tmp_path: Path
):
    await load(database, REFERENCE.read_text(), now=REGISTERED)
    other = renamed(tmp_path, REFERENCE, OTHER, OTHER_TITLE)
    await load(database, other.read_text(), now=REGISTERED)
    store = RegistrationSql(database)
    await register(store, SLUG, person(1, ronde_1="huiskamer-1"), now=REGISTERED)
    await register(store, OTHER, person(2, ronde_1="huiskamer-1"), now=REGISTERED)
    await register(store, OTHER, person(3, ronde_1="huiskamer-2"), now=REGISTERED)
    clock = FixedClock(BEFORE)
    scheduler = Scheduler(database, clock)
    scheduler.jobs.start(paused=True)
    try:
        await scheduler.plan()
        clock.set(REMINDER_DUE)
        await fire_due(scheduler, REMINDER_DUE)
        await scheduler.plan()  # the next minute's replan, and the jobs due again
        await fire_due(scheduler, REMINDER_DUE + timedelta(minutes=1))
    finally:
        await scheduler.stop()
    await delivered(database, tmp_path / "mail", REMINDER_DUE)

    assert reminders_in(tmp_path / "mail") == [
        ("Persoon 1 <persoon1@example.org>", f"Zo meteen: {HUISKAMER_1}", TITLE),
        ("Persoon 2 <persoon2@example.org>", f"Zo meteen: {HUISKAMER_1}", OTHER_TITLE),
        ("Persoon 3 <persoon3@example.org>", f"Zo meteen: {HUISKAMER_2}", OTHER_TITLE),
    ]


async def delivered(database: Database, directory: Path, now: datetime) -> None:
    composer = Composer(
        database,
        Settings().resolved_templates_dir,
        base_url="http://festival.test",
        mail_from="f@example.org",
    )
    sender = Sender(database, composer, MaildirTransport(directory), FixedClock(now))
    while await sender.deliver_due():
        pass


def reminders_in(directory: Path) -> list[tuple[str, str, str]]:
    """Each reminder in the maildir: to whom, its subject, and the festival it signs with."""
    found = []

    def read(file: BinaryIO) -> EmailMessage:
        return email.message_from_binary_file(file, policy=policy.default)

    for message in mailbox.Maildir(directory, factory=read, create=False):
        subject = str(message["Subject"])
        if subject.startswith("Zo meteen"):
            text = message.get_body(("plain",))
            assert text is not None
            signature = text.get_content().rstrip().rsplit("\n", 1)[-1]
            found.append((str(message["To"]), subject, signature))
    return sorted(found)
