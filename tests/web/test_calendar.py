"""The personal calendar feed `/calendar/TOKEN.ics`: read alike by icalendar and vobject, the
same UIDs, SEQUENCEs and times as the invites that reached the mailbox, cancellations until the
day is over, 404 for anything but a live personal token, and the links to it on the personal
page and in the welcome mail. On SQLite and PostgreSQL, with a real SMTP server."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
import vobject
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.invites.service import reconcile_festival
from festival.storage.db import Database
from festival.storage.invite_repo import InviteSql
from festival.storage.shift_repo import record_shift
from festival.web.app import create_app
from festival.web.state import AppState
from tests.conftest import REFERENCE
from tests.factories import (
    REFERENCE_SLUG,
    admin_token,
    bearer,
    local,
    register,
    registration,
    without_session,
)
from tests.mail import html_of, invites, text_of
from tests.mailing.conftest import Inbox
from tests.mailing.conftest import smtp as smtp  # the real SMTP server, for these tests too
from tests.web.conftest import NOW, load_into
from tests.web.test_admin_mail import deliver_all

BASE = "https://festival.test"
# (start, end, STATUS, SEQUENCE) of one event, as a calendar shows it
Event = tuple[datetime, datetime, str, int]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)  # 09:00 in Amsterdam on the day; round 1 runs 10:30 to 11:30


@pytest.fixture
def inbox(smtp: tuple[Inbox, str]) -> Inbox:
    return smtp[0]


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp: tuple[Inbox, str]) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=str(tmp_path),
        base_url=BASE,
        smtp_url=smtp[1],
        # Some tests fill a session from this one client, past the default 10 a minute.
        rate_registrations_per_address="100000/minute",
    )


@pytest.fixture
def client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    load_into(settings.database_url, REFERENCE)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


@pytest.fixture
def ann(client: TestClient) -> dict[str, Any]:
    """Ann, registered for huiskamer-1 (round 1) and huiskamer-6 (round 2)."""
    body = registration(choices={"ronde-1": "huiskamer-1", "ronde-2": "huiskamer-6"})
    return register(client, body)


def uid(entry: str, registration_id: int) -> str:
    return f"{entry}.{registration_id}.{REFERENCE_SLUG}@festival"


def read_feed(client: TestClient, path: str) -> tuple[dict[str, Event], str]:
    """The feed's events by UID, read by two independent parsers that must agree, and the
    feed as text."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    by_icalendar = {
        str(e["uid"]): (
            e.decoded("dtstart"),
            e.decoded("dtend"),
            str(e["status"]),
            int(e["sequence"]),
        )
        for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    }
    parsed: Any = vobject.readOne(response.text)
    by_vobject = {
        e.uid.value: (e.dtstart.value, e.dtend.value, e.status.value, int(e.sequence.value))
        for e in parsed.contents.get("vevent", [])
    }
    assert by_icalendar == by_vobject
    return by_icalendar, response.text


def feed(client: TestClient, token: str) -> dict[str, Event]:
    return read_feed(client, f"/calendar/{token}.ics")[0]


def invited(inbox: Inbox) -> dict[str, Event]:
    """What the invites in the mailbox put in a calendar: the newest per UID."""
    latest: dict[str, Event] = {}
    for _, cal, _ in invites(inbox):
        for e in cal.walk("VEVENT"):
            event = (e.decoded("dtstart"), e.decoded("dtend"), str(e["status"]), int(e["sequence"]))
            if str(e["uid"]) not in latest or event[3] > latest[str(e["uid"])][3]:
                latest[str(e["uid"])] = event
    return latest


# -- what the feed holds -------------------------------------------------------------------


def test_feed_holds_my_sessions_and_the_plenary_as_my_invites_do(
    client: TestClient, inbox: Inbox, ann: dict[str, Any]
):
    deliver_all(client)

    events = feed(client, ann["token"])

    assert events == invited(inbox)
    assert events == {
        uid("huiskamer-1", ann["id"]): (local(10, 30), local(11, 30), "CONFIRMED", 0),
        uid("huiskamer-6", ann["id"]): (local(12), local(13), "CONFIRMED", 0),
        uid("plenary", ann["id"]): (local(13, 30), local(15, 15), "CONFIRMED", 0),
    }


def test_feed_is_a_private_uncached_calendar(client: TestClient, ann: dict[str, Any]):
    response = client.get(f"/calendar/{ann['token']}.ics")

    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.text.startswith("BEGIN:VCALENDAR\r\n")
    assert "\r\nMETHOD:" not in response.text  # published, not an invitation
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n" in response.text


def test_feed_leaves_out_a_place_on_the_waitlist(client: TestClient, inbox: Inbox):
    full = registration("Bob", "bob@example.org", choices={"ronde-1": "huiskamer-1"})
    for n in range(25):  # huiskamer-1 has 25 places
        register(client, registration(f"P{n}", f"p{n}@example.org", choices=full["choices"]))
    bob = register(client, full)
    deliver_all(client)

    events = feed(client, bob["token"])

    assert list(events) == [uid("plenary", bob["id"])]


def test_feed_shows_a_given_up_place_and_a_removed_session_as_cancelled(
    client: TestClient, inbox: Inbox, ann: dict[str, Any], settings: Settings, tmp_path: Path
):
    deliver_all(client)
    moved = client.put(
        "/api/me/choices/ronde-2", headers=bearer(ann["token"]), json={"session": "huiskamer-7"}
    )
    assert moved.status_code == 200, moved.text
    load_into(settings.database_url, without_session(tmp_path, REFERENCE, "huiskamer-1"))
    deliver_all(client)

    events, text = read_feed(client, f"/calendar/{ann['token']}.ics")

    assert events == invited(inbox)
    assert {u: e[2:] for u, e in events.items()} == {
        uid("huiskamer-1", ann["id"]): ("CANCELLED", 1),  # taken off the programme
        uid("huiskamer-6", ann["id"]): ("CANCELLED", 1),  # given up
        uid("huiskamer-7", ann["id"]): ("CONFIRMED", 0),
        uid("plenary", ann["id"]): ("CONFIRMED", 0),
    }
    # A cancelled item hands out no join link; a confirmed one the personal join link only.
    unfolded = text.replace("\r\n ", "")
    assert f"/join/{ann['token']}/huiskamer-1" not in unfolded
    assert f"/join/{ann['token']}/huiskamer-6" not in unfolded
    assert f"URL:{BASE}/join/{ann['token']}/huiskamer-7\r\n" in unfolded
    assert "zoom.example.org" not in unfolded


def test_feed_and_invites_carry_the_personal_join_links_never_the_provider_links(
    client: TestClient, inbox: Inbox, ann: dict[str, Any]
):
    deliver_all(client)

    _, text = read_feed(client, f"/calendar/{ann['token']}.ics")
    calendars = [cal.to_ical().decode() for _, cal, _ in invites(inbox)]

    for found in (text, *calendars):
        unfolded = found.replace("\r\n ", "")
        assert "zoom.example.org" not in unfolded
        assert "stream.example.org" not in unfolded
    feed_events = {
        str(e["uid"]).split(".")[0]: e for e in icalendar.Calendar.from_ical(text).walk("VEVENT")
    }
    for entry in ("huiskamer-1", "huiskamer-6", "plenary"):
        link = f"{BASE}/join/{ann['token']}/{entry}"
        assert str(feed_events[entry]["url"]) == link
        assert str(feed_events[entry]["description"]).endswith(f"\n\n{link}")
        assert sum(f"URL:{link}\r\n" in c.replace("\r\n ", "") for c in calendars) == 1


def test_a_changed_provider_link_sends_no_update_but_the_join_link_follows_it(
    client: TestClient,
    clock: FixedClock,
    inbox: Inbox,
    ann: dict[str, Any],
    settings: Settings,
    tmp_path: Path,
):
    deliver_all(client)
    before = len(inbox.messages)
    moved = tmp_path / "moved.toml"
    moved.write_text(
        REFERENCE.read_text().replace(
            "https://zoom.example.org/huiskamer-1", "https://meet.example.org/nieuw-1"
        )
    )
    load_into(settings.database_url, moved)
    deliver_all(client)
    clock.set(local(10, 20))

    joined = client.get(f"/join/{ann['token']}/huiskamer-1", follow_redirects=False)

    assert len(inbox.messages) == before  # no calendar update: the link in it stays
    assert feed(client, ann["token"])[uid("huiskamer-1", ann["id"])][3] == 0
    assert (joined.status_code, joined.headers["location"]) == (
        302,
        "https://meet.example.org/nieuw-1",
    )


def test_cancelled_items_leave_the_feed_once_the_day_is_over(
    client: TestClient, clock: FixedClock, ann: dict[str, Any]
):
    client.put("/api/me/choices/ronde-2", headers=bearer(ann["token"]), json={"session": None})
    clock.set(local(23, 59, 59))
    late_that_day = feed(client, ann["token"])
    clock.set(local(0) + timedelta(days=1))

    next_day = feed(client, ann["token"])

    assert late_that_day[uid("huiskamer-6", ann["id"])][2] == "CANCELLED"
    assert list(next_day) == [uid("huiskamer-1", ann["id"]), uid("plenary", ann["id"])]


async def announce_shift(db: Database, *, start: datetime, end: datetime, now: datetime) -> int:
    """What the scheduler does once the show moved the plenary 20 minutes (`calendar_shift`)."""
    async with db.writer() as session, session.begin():
        await record_shift(session, REFERENCE_SLUG, start=start, end=end, delay_minutes=20, now=now)
        return await reconcile_festival(InviteSql(session), REFERENCE_SLUG, now)


def test_feed_follows_the_announced_plenary_times(
    client: TestClient, clock: FixedClock, inbox: Inbox, ann: dict[str, Any]
):
    deliver_all(client)
    clock.set(local(13, 40))  # the plenary runs 20 minutes late; calendars move at 10
    state: AppState = client.app_state["festival"]
    announce = functools.partial(
        announce_shift, state.db, start=local(13, 50), end=local(15, 35), now=clock.now()
    )
    assert client.portal.call(announce)
    deliver_all(client)

    events = feed(client, ann["token"])

    assert events[uid("plenary", ann["id"])] == (local(13, 50), local(15, 35), "CONFIRMED", 1)
    assert events == invited(inbox)


# -- who gets it ---------------------------------------------------------------------------


def test_feed_of_an_unknown_token_or_a_role_token_is_404(client: TestClient, settings: Settings):
    _, admin = admin_token(settings.database_url)

    unknown = client.get(f"/calendar/{'x' * 43}.ics")
    role = client.get(f"/calendar/{admin}.ics")

    assert (unknown.status_code, role.status_code) == (404, 404)
    assert "BEGIN:VCALENDAR" not in unknown.text + role.text


def test_feed_of_an_erased_registration_is_404(client: TestClient, ann: dict[str, Any]):
    assert client.get(f"/calendar/{ann['token']}.ics").status_code == 200
    erased = client.delete("/api/me", headers=bearer(ann["token"]))
    assert erased.status_code == 204

    response = client.get(f"/calendar/{ann['token']}.ics")

    assert response.status_code == 404
    assert "Ann de Vries" not in response.text


# -- where it is linked ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "subscribe", "download"),
    [
        ("nl", "Abonneer je agenda op je eigen programma", "Of download het als bestand (.ics)"),
        ("en", "Subscribe your calendar to your own programme", "Or download it as a file (.ics)"),
    ],
)
def test_personal_page_links_the_feed(
    client: TestClient, language: str, subscribe: str, download: str
):
    ann = register(client, registration(language=language, choices={"ronde-1": "huiskamer-1"}))
    token = ann["token"]

    html = client.get(f"/me/{token}").text

    assert f'<a href="webcal://festival.test/calendar/{token}.ics">{subscribe}</a>' in html
    assert f'<a href="{BASE}/calendar/{token}.ics">{download}</a>' in html
    assert list(feed(client, token)) == [uid("huiskamer-1", ann["id"]), uid("plenary", ann["id"])]


@pytest.mark.parametrize(
    ("language", "subscribe", "download"),
    [
        ("nl", "Abonneer je agenda op je eigen programma", "Of download het als bestand (.ics)"),
        ("en", "Subscribe your calendar to your own programme", "Or download it as a file (.ics)"),
    ],
)
def test_welcome_mail_links_the_feed_in_text_and_html(
    client: TestClient, inbox: Inbox, language: str, subscribe: str, download: str
):
    ann = register(client, registration(language=language, choices={"ronde-1": "huiskamer-1"}))
    deliver_all(client)

    # The welcome is the mail that links the feed (invitations link /me/…/release/… too).
    (welcome,) = [m for m in inbox.messages if "/calendar/" in text_of(m)]
    text, html = text_of(welcome), html_of(welcome)
    match = re.search(r"https://festival\.test/me/(\S+)", text)
    assert match is not None
    token = match.group(1)
    webcal = f"webcal://festival.test/calendar/{token}.ics"
    https = f"{BASE}/calendar/{token}.ics"
    assert f"{subscribe}: {webcal}\n" in text
    assert f"{download}: {https}\n" in text
    assert f'<a href="{webcal}">{subscribe}</a>' in html
    assert f'<a href="{https}">{download}</a>' in html
    # The link in the mail opens the feed, with the UIDs of the invites in the same mailbox.
    events, _ = read_feed(client, https.removeprefix(BASE))
    assert events == invited(inbox)
    assert set(events) == {uid("huiskamer-1", ann["id"]), uid("plenary", ann["id"])}
