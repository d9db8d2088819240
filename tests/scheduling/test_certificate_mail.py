"""The "after the day" mail of certificates of attendance: at the festival's end the scheduler
queues it for exactly those who earned a certificate, once each however often it runs; none
for a festival without certificates. Through the real outbox and a real SMTP server, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from festival.attendance.checkin import new_checkin_code
from festival.clock import FixedClock
from festival.registration.model import RegistrationRequest
from festival.registration.service import register
from festival.storage.attendance_repo import AttendanceSql
from festival.storage.db import Database
from festival.storage.registration_repo import RegistrationSql
from festival.storage.tables import OutboxRow
from tests.conftest import REFERENCE
from tests.factories import local
from tests.mail import text_of
from tests.mailing.conftest import Inbox
from tests.mailing.test_delivery import load, sender
from tests.scheduling.test_end_of_day import planned_and_fired

SLUG = "agenda-sociaal-werk-2020"
BEFORE = datetime(2020, 11, 1, 9, 0, tzinfo=UTC)
ENDED = local(15, 15)  # the reference festival's last end


def programme(minimum: int | None) -> str:
    text = REFERENCE.read_text(encoding="utf-8")
    if minimum is None:
        return text
    return text.replace(
        '\nmode = "online"\n', f'\nmode = "online"\ncertificate_minimum_minutes = {minimum}\n', 1
    )


async def attendees(db: Database) -> dict[str, int]:
    """Ann (nl) at huiskamer-1 from 10:40 and the plenary from its start: 155 minutes; Bea
    (en) at the whole plenary: 105; Cas at the plenary's last 20 minutes; Eva checked in at
    the door at 14:00: 75 minutes of the plenary; Dirk never came."""
    people = [("Ann de Vries", "nl", {"ronde-1": "huiskamer-1"}), ("Bea Smith", "en", {}),
              ("Cas Jansen", "nl", {}), ("Dirk Bos", "nl", {}), ("Eva Kok", "nl", {})]  # fmt: skip
    ids: dict[str, int] = {}
    for name, language, choices in people:
        email = f"{name.split()[0].lower()}@example.org"
        request = RegistrationRequest(name, email, "", language, "online", choices)
        done = await register(RegistrationSql(db), SLUG, request, now=BEFORE)
        ids[name] = done.registration.id
    joins = [
        ("Ann de Vries", "huiskamer-1", local(10, 40)),
        ("Ann de Vries", "plenary", local(13, 30)),
        ("Bea Smith", "plenary", local(13, 20)),
        ("Cas Jansen", "plenary", local(14, 55)),
    ]
    async with db.session() as session, session.begin():
        store = AttendanceSql(session)
        for name, entry, at in joins:
            await store.record_join(ids[name], entry, at)
        code = await store.checkin_code(ids["Eva Kok"], new_checkin_code())
        await store.check_in(SLUG, code, local(14, 0))
    return ids


async def queued(db: Database) -> int:
    async with db.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.kind == "certificate")
        )
    return int(count or 0)


def certificate_mails(inbox: Inbox) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for message in inbox.messages:
        subject = str(message["Subject"])
        if subject.startswith(("Je bewijs van deelname: ", "Your certificate of attendance: ")):
            assert str(message["To"]) not in found, f"a second mail for {message['To']}"
            found[str(message["To"])] = (subject, text_of(message))
    return found


async def test_at_the_end_exactly_those_who_earned_one_are_mailed_once(
    database: Database, smtp: tuple[Inbox, str]
):
    inbox, url = smtp
    await load(database, programme(60), BEFORE)
    await attendees(database)

    await planned_and_fired(database, ENDED - timedelta(hours=1), ENDED - timedelta(minutes=5))
    assert await queued(database) == 0  # not before the end

    await planned_and_fired(database, ENDED - timedelta(minutes=5), ENDED)
    await planned_and_fired(database, ENDED + timedelta(minutes=5), ENDED + timedelta(hours=1))
    await sender(database, url, FixedClock(ENDED + timedelta(hours=1))).deliver_due()

    mails = certificate_mails(inbox)
    assert sorted(mails) == [
        "Ann de Vries <ann@example.org>",
        "Bea Smith <bea@example.org>",
        "Eva Kok <eva@example.org>",
    ]
    subject, text = mails["Bea Smith <bea@example.org>"]
    assert subject == "Your certificate of attendance: De agenda van het sociaal werk 2020"
    assert "Thank you for attending De agenda van het sociaal werk 2020." in text
    assert "/certificate.pdf?lang=en" in text
    subject, text = mails["Ann de Vries <ann@example.org>"]
    assert subject == "Je bewijs van deelname: De agenda van het sociaal werk 2020"
    assert "http://festival.test/me/" in text
    assert "/certificate.pdf?lang=nl" in text
    assert await queued(database) == 3


async def test_a_festival_without_certificates_mails_none(database: Database):
    await load(database, programme(None), BEFORE)
    await attendees(database)

    await planned_and_fired(database, ENDED - timedelta(minutes=5), ENDED + timedelta(hours=1))

    assert await queued(database) == 0
