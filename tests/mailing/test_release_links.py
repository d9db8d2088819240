"""Every invite and reminder of a session carries the attendee's link to give the place back
(`/me/TOKEN/release/ITEM`); the plenary's do not. Through a real SMTP server, on SQLite and
PostgreSQL."""

from __future__ import annotations

from festival.clock import FixedClock
from festival.registration.service import register
from festival.storage.db import Database
from festival.storage.registration_repo import RegistrationSql
from tests.conftest import REFERENCE
from tests.mail import html_of, invites, received, text_of
from tests.mailing.conftest import Inbox
from tests.mailing.test_delivery import NOW, SLUG, load, person, sender
from tests.mailing.test_join_links import TITLE, reminded


def descriptions(inbox: Inbox) -> dict[str, str]:
    """Each invited item's event text, by item."""
    return {
        str(e["uid"]).split(".")[0]: str(e["description"])
        for _, cal, _ in invites(inbox)
        for e in cal.walk("VEVENT")
    }


async def test_the_invite_and_its_calendar_carry_the_release_link(database: Database, smtp):
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    ann = await register(RegistrationSql(database), SLUG, person(1, ronde_1="huiskamer-1"), now=NOW)

    await sender(database, url, FixedClock(NOW)).deliver_due()

    release = f"http://festival.test/me/{ann.token}/release/huiskamer-1"
    texts = descriptions(inbox)
    assert texts["huiskamer-1"].endswith(f"Kun je toch niet? Geef je plaats terug: {release}")
    assert "/release/" not in texts["plenary"]  # everyone comes to the plenary
    invite = received(inbox, f"Uitnodiging: {TITLE}")
    assert f"Kun je toch niet? Geef je plaats terug: {release}\n" in text_of(invite)
    assert f'href="{release}"' in html_of(invite)


async def test_an_english_invite_labels_the_release_link_in_english(database: Database, smtp):
    inbox, url = smtp
    await load(database, REFERENCE.read_text())
    ann = await register(
        RegistrationSql(database), SLUG, person(1, "en", ronde_1="huiskamer-1"), now=NOW
    )

    await sender(database, url, FixedClock(NOW)).deliver_due()

    release = f"http://festival.test/me/{ann.token}/release/huiskamer-1"
    assert descriptions(inbox)["huiskamer-1"].endswith(
        f"Can't make it? Give your place back: {release}"
    )


async def test_the_reminder_carries_the_release_link(database: Database, smtp):
    token, reminder = await reminded(database, smtp)

    release = f"http://festival.test/me/{token}/release/huiskamer-1"
    assert f"Kun je toch niet? Geef je plaats terug: {release}\n" in text_of(reminder)
    assert f'href="{release}"' in html_of(reminder)
