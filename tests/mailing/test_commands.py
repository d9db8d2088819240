"""The mail commands as an organiser uses them: `festival outbox [--retry]`,
`festival invites send` and `festival ics`, against a real database and SMTP server."""

from __future__ import annotations

import asyncio
import os
import pty
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest
from click.testing import Result

from festival.clock import FixedClock
from festival.registration.service import register
from festival.storage.db import Database
from festival.storage.registration_repo import RegistrationSql
from tests.conftest import REFERENCE
from tests.factories import cli_against, renamed
from tests.mailing.test_delivery import NOW, SLUG, person, sender

HEADER = "kind        pending  sending     sent   failed  skipped"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'festival.db'}"


@pytest.fixture
def festival(database_url: str, tmp_path: Path) -> Callable[..., Result]:
    return cli_against(database_url, tmp_path / "var")


@pytest.fixture
def loaded(festival: Callable[..., Result]) -> None:
    result = festival("load", str(REFERENCE))
    assert result.exit_code == 0, result.output


def registered(
    database_url: str, *people: tuple[int, dict[str, str]], festival_slug: str = SLUG
) -> None:
    async def go() -> None:
        db = Database(database_url)
        try:
            for n, choices in people:
                await register(RegistrationSql(db), festival_slug, person(n, **choices), now=NOW)
        finally:
            await db.dispose()

    asyncio.run(go())


# The commands queue with the real time; a sender at this moment finds all of it due.
LATER = datetime(2099, 1, 1, tzinfo=UTC)


def deliver(database_url: str, smtp_url: str, at: datetime = NOW) -> int:
    async def go() -> int:
        db = Database(database_url)
        try:
            return await sender(db, smtp_url, FixedClock(at)).deliver_due()
        finally:
            await db.dispose()

    return asyncio.run(go())


def table(output: str) -> list[str]:
    """The counts table: the header and one line per kind."""
    return [
        line.rstrip()
        for line in output.splitlines()
        if not line.startswith(("failed ", "retrying "))
    ]


# -- festival outbox -----------------------------------------------------------------------------


def test_outbox_counts_queued_mail_by_kind_and_status(festival, loaded, database_url):
    registered(database_url, (1, {"ronde_1": "huiskamer-1"}), (2, {}))

    result = festival("outbox")

    assert (result.exit_code, result.stderr) == (0, "")
    assert table(result.stdout) == [
        HEADER,
        "invite            3        0        0        0        0",
        "welcome           2        0        0        0        0",
    ]


def test_outbox_lists_failures_with_their_error(festival, loaded, database_url, smtp):
    inbox, url = smtp
    registered(database_url, (1, {}))
    inbox.refuse = ["550 5.1.1 no such user"] * 2
    deliver(database_url, url)

    result = festival("outbox")

    assert result.exit_code == 0
    assert table(result.stdout)[1:] == [
        "invite            0        0        0        1        0",
        "welcome           0        0        0        1        0",
    ]
    failures = [line for line in result.stdout.splitlines() if line.startswith("failed ")]
    assert failures == [
        "failed 1 welcome to persoon1@example.org after 1 tries: SMTP 550: 5.1.1 no such user",
        "failed 2 invite to persoon1@example.org after 1 tries: SMTP 550: 5.1.1 no such user",
    ]


def test_outbox_retry_puts_failures_back_and_they_are_delivered_once(
    festival, loaded, database_url, smtp
):
    inbox, url = smtp
    registered(database_url, (1, {}), (2, {}))
    inbox.refuse = ["550 5.1.1 no such user"] * 4
    deliver(database_url, url)

    retried = festival("outbox", "--retry")
    delivered = deliver(database_url, url, at=LATER)
    after = festival("outbox")

    assert retried.exit_code == 0
    assert retried.stdout.splitlines()[0] == "4 failed message(s) queued again"
    assert table(retried.stdout)[2:] == [
        "invite            2        0        0        0        0",
        "welcome           2        0        0        0        0",
    ]
    assert delivered == 4
    assert len(inbox.messages) == len(set(inbox.ids())) == 4
    assert table(after.stdout)[1:] == [
        "invite            0        0        2        0        0",
        "welcome           0        0        2        0        0",
    ]
    assert not [line for line in after.stdout.splitlines() if line.startswith("failed ")]


def test_outbox_retry_puts_back_only_the_festival_asked_for(
    festival, loaded, database_url, smtp, tmp_path: Path
):
    inbox, url = smtp
    other = renamed(tmp_path, REFERENCE, "agenda-zuid", "De agenda van het sociaal werk, Zuid")
    assert festival("load", str(other)).exit_code == 0
    registered(database_url, (1, {}))
    registered(database_url, (2, {}), festival_slug="agenda-zuid")
    inbox.refuse = ["550 5.1.1 no such user"] * 4
    deliver(database_url, url)

    retried = festival("outbox", "--retry", "--festival", "agenda-zuid")
    untouched = festival("outbox", "--festival", SLUG)

    assert retried.stdout.splitlines()[0] == "2 failed message(s) queued again"
    assert table(retried.stdout)[2:] == [
        "invite            1        0        0        0        0",
        "welcome           1        0        0        0        0",
    ]
    assert table(untouched.stdout)[1:] == [
        "invite            0        0        0        1        0",
        "welcome           0        0        0        1        0",
    ]


def test_outbox_retry_with_nothing_failed_changes_nothing(festival, loaded, database_url):
    registered(database_url, (1, {}))

    result = festival("outbox", "--retry")

    assert result.stdout.splitlines()[0] == "0 failed message(s) queued again"
    assert table(result.stdout)[3] == "welcome           1        0        0        0        0"


def test_outbox_without_a_festival_says_what_to_do(festival):
    result = festival("outbox")

    assert result.exit_code == 1
    assert result.stderr == "Error: no festival loaded yet; run `festival load FILE` first\n"


# -- festival invites send -----------------------------------------------------------------------


def test_invites_send_queues_nothing_when_every_calendar_is_current(festival, loaded, database_url):
    registered(database_url, (1, {"ronde_1": "huiskamer-1"}), (2, {}))

    result = festival("invites", "send")

    assert (result.exit_code, result.stdout) == (0, "0 invite(s) queued\n")
    assert "reconciling invites" in result.stderr


def test_invites_send_after_a_time_change_queues_updates_with_progress(
    festival, loaded, database_url, tmp_path: Path, smtp
):
    inbox, url = smtp
    registered(
        database_url,
        (1, {"ronde_1": "huiskamer-1"}),
        (2, {"ronde_1": "huiskamer-1"}),
        (3, {"ronde_1": "huiskamer-2"}),
    )
    deliver(database_url, url)
    inbox.messages.clear()
    moved = tmp_path / "moved.toml"
    moved.write_text(
        REFERENCE.read_text().replace(
            "start = 10:30:00\nend = 11:30:00", "start = 10:45:00\nend = 11:30:00", 1
        )
    )
    assert festival("load", str(moved)).exit_code == 0

    result = festival("invites", "send")
    delivered = deliver(database_url, url, at=LATER)

    # Loading already reconciled the moved session's attendees; the command finds them current
    # and says so, and a second run is as quiet.
    assert result.exit_code == 0
    assert result.stdout == "0 invite(s) queued\n"
    assert result.stderr == "reconciling invites\n"  # no terminal: the label only
    assert festival("invites", "send").stdout == "0 invite(s) queued\n"
    assert delivered == 3  # huiskamer-1 and -2 are in round 1, which moved for all of them
    sequences = sorted(
        int(event["sequence"])
        for message in inbox.messages
        for part in message.walk()
        if part.get_content_type() == "text/calendar"
        for event in icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    )
    assert sequences == [1, 1, 1]


def test_invites_send_queues_invites_for_attendees_who_lack_them(festival, loaded, database_url):
    registered(database_url, (1, {}), (2, {}))
    asyncio.run(_forget_invites(database_url))

    result = festival("invites", "send")
    again = festival("invites", "send")

    assert result.stdout == "2 invite(s) queued\n"  # the plenary, for each of the two
    assert again.stdout == "0 invite(s) queued\n"
    assert table(festival("outbox").stdout)[1] == (
        "invite            2        0        0        0        0"
    )


async def _forget_invites(database_url: str) -> None:
    """As if these people registered before invites existed: no invite queued or recorded."""
    from sqlalchemy import delete

    from festival.storage.tables import InviteStateRow, OutboxRow

    db = Database(database_url)
    try:
        async with db.session() as session, session.begin():
            await session.execute(delete(InviteStateRow))
            await session.execute(delete(OutboxRow).where(OutboxRow.kind == "invite"))
    finally:
        await db.dispose()


# -- festival ics --------------------------------------------------------------------------------


def test_ics_writes_the_public_calendar_to_a_file(festival, loaded, tmp_path: Path):
    target = tmp_path / "programme.ics"

    result = festival("ics", "-o", str(target))

    assert (result.exit_code, result.stdout) == (0, "")
    calendar = icalendar.Calendar.from_ical(target.read_bytes())
    events = {str(e["uid"]).split(".")[0]: e for e in calendar.walk("VEVENT")}
    assert len(events) == 12  # eleven sessions and the plenary
    assert events["huiskamer-1"].decoded("dtstart") == datetime(2020, 11, 19, 9, 30, tzinfo=UTC)
    assert events["plenary"].decoded("dtend") == datetime(2020, 11, 19, 14, 15, tzinfo=UTC)
    assert str(calendar["x-wr-calname"]) == "De agenda van het sociaal werk 2020"


def test_ics_to_standard_output_is_the_same_calendar(festival, loaded, tmp_path: Path):
    target = tmp_path / "programme.ics"
    festival("ics", "-o", str(target))

    result = festival("ics")

    written = icalendar.Calendar.from_ical(target.read_bytes())
    printed = icalendar.Calendar.from_ical(result.stdout_bytes)
    assert [str(e["uid"]) for e in printed.walk("VEVENT")] == [
        str(e["uid"]) for e in written.walk("VEVENT")
    ]


def test_ics_unknown_festival_is_an_error(festival, loaded):
    result = festival("ics", "--festival", "nope")

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no festival 'nope'; loaded: agenda-sociaal-werk-2020")


def test_invites_send_on_a_terminal_draws_a_progress_bar(loaded, database_url, tmp_path: Path):
    registered(database_url, *((n, {}) for n in range(30)))
    controller, terminal = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FESTIVAL_")}
    env |= {
        "FESTIVAL_DATABASE_URL": database_url,
        "FESTIVAL_VAR_DIR": str(tmp_path / "var"),
        "COLUMNS": "100",
    }

    with subprocess.Popen(
        [sys.executable, "-m", "festival", "invites", "send"],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        env=env,
        cwd=tmp_path,
    ) as process:
        os.close(terminal)
        screen = b""
        while chunk := _read(controller):
            screen += chunk
        assert process.wait(timeout=60) == 0
    os.close(controller)

    text = screen.decode()
    assert "reconciling invites  [" in text
    assert "100%" in text
    assert text.rstrip().endswith("0 invite(s) queued")


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 4096)
    except OSError:  # the other side closed: Linux reports EIO
        return b""
