"""Mail through a real SMTP server: invites read alike by two iCalendar parsers, updates and
cancellations with rising SEQUENCE, retries that deliver exactly once, two senders sharing one
outbox. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from festival.clock import FixedClock
from festival.config import Settings
from festival.invites.service import programme_saved
from festival.mailing.compose import Composer
from festival.mailing.sender import Sender
from festival.mailing.transport import MaildirTransport, SmtpTransport
from festival.programme.loading import parse_programme
from festival.registration.model import RegistrationRequest
from festival.registration.service import change_place, register
from festival.storage.db import Database
from festival.storage.invite_repo import InviteSql
from festival.storage.mailing_repo import claim, summary
from festival.storage.programme_repo import save_programme
from festival.storage.registration_repo import RegistrationSql
from festival.storage.tables import OutboxRow
from festival.storage.token_repo import grant_for
from tests.conftest import REFERENCE
from tests.mail import invites, text_of

NOW = datetime(2020, 11, 1, 9, 0, tzinfo=UTC)
SLUG = "agenda-sociaal-werk-2020"
TEMPLATES = Settings().resolved_templates_dir


async def load(db: Database, text: str, now: datetime = NOW) -> None:
    """As `festival load` does: the programme, and the calendars that follow it."""
    async with db.session() as session, session.begin():
        report = await save_programme(session, parse_programme(text, "f.toml"), source="f", now=now)
        await programme_saved(InviteSql(session), report, now)


def person(n: int, language: str = "nl", **choices: str) -> RegistrationRequest:
    return RegistrationRequest(
        name=f"Persoon {n}",
        email=f"persoon{n}@example.org",
        organisation="",
        language=language,
        mode="online",
        choices={k.replace("_", "-"): v for k, v in choices.items()},
    )


def sender(db: Database, url: str, clock: FixedClock) -> Sender:
    composer = Composer(db, TEMPLATES, base_url="http://festival.test", mail_from="f@example.org")
    return Sender(db, composer, SmtpTransport(url, timeout=5), clock)


async def test_registration_sends_welcome_and_one_invite_per_item(database: Database, smtp):
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    registered = await register(
        RegistrationSql(database),
        SLUG,
        person(1, ronde_1="huiskamer-1", ronde_2="huiskamer-7"),
        now=NOW,
    )

    await sender(database, url, FixedClock(NOW)).deliver_due()

    subjects = sorted(str(m["Subject"]) for m in inbox.messages)
    assert subjects == sorted(
        [
            "Je bent aangemeld: De agenda van het sociaal werk 2020",
            "Uitnodiging: Huiskamer 1: De Buurvrouw & Buurvrouw Bus",
            "Uitnodiging: "
            + next(
                str(e["summary"]).split(" · ")[0]
                for _, cal, _ in invites(inbox)
                for e in cal.walk("VEVENT")
                if "huiskamer-7" in str(e["uid"])
            ),
            "Uitnodiging: Middagprogramma",
        ]
    )
    by_entry = {
        str(e["uid"]).split(".")[0]: (method, e, v)
        for method, cal, v in invites(inbox)
        for e in cal.walk("VEVENT")
    }
    method, event, parsed = by_entry["huiskamer-1"]
    assert (method, int(event["sequence"])) == ("REQUEST", 0)
    assert event.decoded("dtstart") == datetime(2020, 11, 19, 9, 30, tzinfo=UTC)
    # The personal join link, never the provider's: in the URL, the text and the location.
    link = f"http://festival.test/join/{registered.token}/huiskamer-1"
    assert str(event["url"]) == link
    release = f"http://festival.test/me/{registered.token}/release/huiskamer-1"
    assert str(event["description"]).endswith(
        f"\n\n{link}\n\nKun je toch niet? Geef je plaats terug: {release}"
    )
    assert str(event["location"]) == link
    invite = next(m for m in inbox.messages if "Huiskamer 1" in str(m["Subject"]))
    assert f"{link}\n" in text_of(invite)  # the "join now" button, in the text part
    assert "zoom.example.org" not in text_of(invite) + event.to_ical().decode()
    assert "RSVP=TRUE" in event.to_ical().decode().replace("\r\n ", "")
    # A second, independent parser reads the same moments.
    assert parsed.vevent.dtstart.value == datetime(2020, 11, 19, 9, 30, tzinfo=UTC)
    assert parsed.vevent.sequence.value == "0"
    assert by_entry["plenary"][1].decoded("dtstart") == datetime(2020, 11, 19, 12, 30, tzinfo=UTC)


async def test_welcome_carries_a_working_personal_link(database: Database, smtp):
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    await register(RegistrationSql(database), SLUG, person(1, language="en"), now=NOW)

    await sender(database, url, FixedClock(NOW)).deliver_due()

    (welcome,) = [m for m in inbox.messages if "registered" in str(m["Subject"])]
    body = text_of(welcome)
    link = next(w for w in body.split() if w.startswith("http://festival.test/me/"))
    async with database.session() as session:
        grant = await grant_for(session, link.rsplit("/", 1)[1], now=NOW)
    assert grant is not None
    assert grant.role == "attendee"
    # The name is isolated (FSI … PDI): a right-to-left name cannot turn the greeting around.
    assert body.startswith("Hello \u2068Persoon 1\u2069,")


async def test_time_change_sends_update_with_next_sequence(database: Database, smtp):
    inbox, url = smtp
    text = REFERENCE.read_text()
    await load(database, text)
    await register(RegistrationSql(database), SLUG, person(1, ronde_1="huiskamer-1"), now=NOW)
    mail = sender(database, url, FixedClock(NOW))
    await mail.deliver_due()
    inbox.messages.clear()

    await load(
        database,
        text.replace("start = 10:30:00\nend = 11:30:00", "start = 10:45:00\nend = 11:30:00", 1),
    )
    await mail.deliver_due()

    (only,) = invites(inbox)
    method, cal, parsed = only
    (event,) = cal.walk("VEVENT")
    assert (method, int(event["sequence"]), str(event["uid"]).split(".")[0]) == (
        "REQUEST",
        1,
        "huiskamer-1",
    )
    assert event.decoded("dtstart") == datetime(2020, 11, 19, 9, 45, tzinfo=UTC)
    assert parsed.vevent.dtstart.value == datetime(2020, 11, 19, 9, 45, tzinfo=UTC)


async def test_giving_up_a_place_sends_cancel(database: Database, smtp):
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    done = await register(
        RegistrationSql(database), SLUG, person(1, ronde_1="huiskamer-1"), now=NOW
    )
    mail = sender(database, url, FixedClock(NOW))
    await mail.deliver_due()
    inbox.messages.clear()

    await change_place(RegistrationSql(database), done.registration.id, "ronde-1", None, now=NOW)
    await mail.deliver_due()

    (only,) = invites(inbox)
    method, cal, parsed = only
    (event,) = cal.walk("VEVENT")
    assert (method, str(cal["method"]), int(event["sequence"])) == ("CANCEL", "CANCEL", 1)
    assert str(event["status"]) == "CANCELLED"
    assert parsed.vevent.status.value == "CANCELLED"


async def test_smtp_refusing_for_a_while_delivers_each_message_exactly_once(
    database: Database, smtp
):
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    for n in range(3):
        await register(RegistrationSql(database), SLUG, person(n, ronde_1="huiskamer-1"), now=NOW)
    inbox.refuse = ["451 4.3.0 try again later"] * 4
    clock = FixedClock(NOW)
    mail = sender(database, url, clock)

    for _ in range(6):  # six rounds, each after the longest backoff so far
        await mail.deliver_due()
        clock.set(clock.now() + timedelta(minutes=10))

    async with database.session() as session:
        rows = list(await session.scalars(select(OutboxRow)))
    assert {r.status for r in rows} == {"sent"}
    assert len(inbox.messages) == len(rows) == 9  # per person: welcome, session, plenary
    assert len(set(inbox.ids())) == 9


async def test_permanent_refusal_is_marked_failed_and_listed(database: Database, smtp):
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    await register(RegistrationSql(database), SLUG, person(1), now=NOW)
    inbox.refuse = ["550 5.1.1 no such user"] * 10

    await sender(database, url, FixedClock(NOW)).deliver_due()

    async with database.session() as session:
        found = await summary(session)
    assert found.counts == {("welcome", "failed"): 1, ("invite", "failed"): 1}
    assert [f[1] for f in found.failures] == ["welcome", "invite"]
    assert all("550" in f[3] for f in found.failures)


async def test_a_crashed_sender_leaves_nothing_lost(database: Database, smtp):
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    for n in range(4):
        await register(RegistrationSql(database), SLUG, person(n), now=NOW)
    # A sender claims a batch and dies before sending any of it.
    taken = await claim(database, now=NOW, limit=3)
    clock = FixedClock(NOW)
    mail = sender(database, url, clock)

    await mail.deliver_due()  # the rest goes now; the claimed ones are still leased
    clock.set(NOW + timedelta(minutes=6))  # the dead sender's lease runs out
    await mail.deliver_due()

    assert len(taken) == 3
    assert len(inbox.messages) == 8  # 4 people x (welcome + plenary invite)
    assert len(set(inbox.ids())) == 8


@pytest.mark.postgres
async def test_two_instances_share_one_outbox_without_sending_twice(postgres_url: str, smtp):
    inbox, url = smtp
    first, second = Database(postgres_url), Database(postgres_url)
    try:
        await first.migrate()
        await load(first, REFERENCE.read_text())
        for n in range(20):
            await register(RegistrationSql(first), SLUG, person(n, ronde_1="huiskamer-1"), now=NOW)
        senders = [sender(db, url, FixedClock(NOW)) for db in (first, second)]

        while sum(await asyncio.gather(*(s.deliver_due() for s in senders))):
            pass
    finally:
        await first.dispose()
        await second.dispose()

    assert len(inbox.messages) == 60
    assert len(set(inbox.ids())) == 60


@pytest.mark.parametrize(
    ("day", "local_start", "utc_start"),
    [
        # Last Sunday of October: clocks go back at 03:00 CEST -> 02:00 CET.
        ("2021-10-31", "10:30:00", datetime(2021, 10, 31, 9, 30, tzinfo=UTC)),
        # Last Sunday of March: clocks go forward at 02:00 CET -> 03:00 CEST.
        ("2021-03-28", "10:30:00", datetime(2021, 3, 28, 8, 30, tzinfo=UTC)),
    ],
)
async def test_invites_on_daylight_saving_days_read_alike_in_two_parsers(
    database: Database, smtp, day: str, local_start: str, utc_start: datetime
):
    inbox, url = smtp
    text = REFERENCE.read_text().replace("date = 2020-11-19", f"date = {day}")
    await load(database, text)
    await register(RegistrationSql(database), SLUG, person(1, ronde_1="huiskamer-1"), now=NOW)

    await sender(database, url, FixedClock(NOW)).deliver_due()

    (session,) = [
        (cal, v)
        for _, cal, v in invites(inbox)
        if "huiskamer-1" in str(cal.walk("VEVENT")[0]["uid"])
    ]
    cal, parsed = session
    (event,) = cal.walk("VEVENT")
    assert event.decoded("dtstart") == utc_start
    assert parsed.vevent.dtstart.value == utc_start
    assert event.to_ical().decode().count("Z\r\n") >= 2  # written in UTC, no floating time


async def test_maildir_is_the_default_transport(database: Database, tmp_path):
    await load(database, REFERENCE.read_text())
    await register(RegistrationSql(database), SLUG, person(1), now=NOW)
    composer = Composer(database, TEMPLATES, base_url="http://festival.test", mail_from="f@x.org")
    mail = Sender(database, composer, MaildirTransport(tmp_path / "mail"), FixedClock(NOW))

    await mail.deliver_due()

    files = sorted((tmp_path / "mail" / "new").iterdir())
    assert len(files) == 2


async def test_a_second_round_beside_the_running_one_sends_nothing_twice(database: Database, smtp):
    """`festival mail send`, or a test, may call `deliver_due` while the sender's own loop is
    in a round: one round must not give back the other's messages for a third to send again."""
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    for n in range(10):
        await register(RegistrationSql(database), SLUG, person(n, ronde_1="huiskamer-1"), now=NOW)
    inbox.delay = 0.02  # the rounds overlap while the server answers
    clock = FixedClock(NOW)
    mail = sender(database, url, clock)
    mail.BATCH = 3 * mail.LANES  # rounds that wait for lanes, and several of them

    async def keep_delivering() -> None:
        while await mail.deliver_due():
            pass

    await asyncio.gather(keep_delivering(), keep_delivering())
    # A hand-off that timed out on a loaded machine waits for its retry: let it come.
    clock.set(NOW + timedelta(minutes=10))
    await keep_delivering()

    assert len(inbox.messages) == 30  # per person: welcome, session, plenary
    assert len(set(inbox.ids())) == 30
