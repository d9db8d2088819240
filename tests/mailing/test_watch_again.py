"""The "watch again" mail: when the recordings and slides of a festival that is over are
loaded, every attendee gets one, in their language, linking the archive; loading again (also
from another instance) sends nothing more; a festival not over yet sends none. Through the
real outbox and a real SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from festival.clock import FixedClock
from festival.registration.model import RegistrationRequest
from festival.registration.service import register
from festival.storage.db import Database
from festival.storage.registration_repo import RegistrationSql
from festival.storage.tables import OutboxRow
from tests.conftest import SCHEDULES
from tests.mail import text_of
from tests.mailing.conftest import Inbox
from tests.mailing.test_delivery import load, sender

HOEZO = (SCHEDULES / "hoezo-sociaal-werk-2017.toml").read_text(encoding="utf-8")
SLUG = "hoezo-sociaal-werk-2017"
BEFORE = datetime(2017, 11, 1, 9, 0, tzinfo=UTC)  # the festival is on 9 November 2017
AFTER = datetime(2017, 11, 20, 9, 0, tzinfo=UTC)
ARCHIVE = f"http://festival.test/{SLUG}/archive"
ATTENDEES = [("Ann de Vries", "ann@example.org", "nl"), ("Bea Smith", "bea@example.org", "en")]


def without_materials(text: str) -> str:
    """The programme as it was before the day: no recording or slides yet."""
    return re.sub(r"^(recording_url|slides_url) = .*\n", "", text, flags=re.MULTILINE)


async def register_attendees(db: Database, now: datetime) -> None:
    for name, email, language in ATTENDEES:
        request = RegistrationRequest(name, email, "", language, "onsite", {})
        await register(RegistrationSql(db), SLUG, request, now=now)


def watch_again_mails(inbox: Inbox) -> dict[str, tuple[str, str]]:
    """Per recipient: the subject and plain text of their watch-again mail(s)."""
    found: dict[str, tuple[str, str]] = {}
    for message in inbox.messages:
        subject = str(message["Subject"])
        if subject.startswith(("Terugkijken: ", "Watch again: ")):
            assert str(message["To"]) not in found, f"a second mail for {message['To']}"
            found[str(message["To"])] = (subject, text_of(message))
    return found


async def queued_watch_again(db: Database) -> int:
    async with db.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.kind == "watch_again")
        )
    return int(count or 0)


async def test_materials_after_the_day_send_each_attendee_one_mail_in_their_language(
    database: Database, database_url: str, smtp: tuple[Inbox, str]
):
    inbox, url = smtp
    await load(database, without_materials(HOEZO), BEFORE)
    await register_attendees(database, BEFORE)

    await load(database, HOEZO, AFTER)  # the organiser adds the video and slides
    await load(database, HOEZO, AFTER + timedelta(days=1))  # and loads the file once more
    other = Database(database_url)  # another instance, or this one after a restart
    try:
        await load(other, HOEZO, AFTER + timedelta(days=2))
    finally:
        await other.dispose()
    clock = FixedClock(AFTER + timedelta(days=2))
    await sender(database, url, clock).deliver_due()

    mails = watch_again_mails(inbox)
    assert sorted(mails) == ["Ann de Vries <ann@example.org>", "Bea Smith <bea@example.org>"]
    subject, text = mails["Ann de Vries <ann@example.org>"]
    assert subject == "Terugkijken: Hoe(Zo) Sociaal Werk?!"
    assert "De opnames en presentaties staan nu online" in text
    assert f"{ARCHIVE}?lang=nl" in text
    subject, text = mails["Bea Smith <bea@example.org>"]
    assert subject == "Watch again: Hoe(Zo) Sociaal Werk?!"
    assert "The recordings and slides are online now" in text
    assert f"{ARCHIVE}?lang=en" in text

    await load(database, HOEZO, AFTER + timedelta(days=3))  # after the mails went out
    await sender(database, url, clock).deliver_due()
    assert len(watch_again_mails(inbox)) == 2
    assert await queued_watch_again(database) == 2


async def test_a_festival_that_is_not_over_sends_no_watch_again_mail(database: Database):
    await load(database, without_materials(HOEZO), BEFORE)
    await register_attendees(database, BEFORE)

    await load(database, HOEZO, BEFORE + timedelta(days=1))  # slides up before the day

    assert await queued_watch_again(database) == 0


async def test_a_festival_over_without_materials_sends_no_watch_again_mail(database: Database):
    await load(database, without_materials(HOEZO), BEFORE)
    await register_attendees(database, BEFORE)

    await load(database, without_materials(HOEZO), AFTER)

    assert await queued_watch_again(database) == 0
