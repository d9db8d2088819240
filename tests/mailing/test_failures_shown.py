"""Mail that cannot be delivered never fails in silence: a transport that cannot work says so
at start (or makes what it needs), and a message that keeps failing shows its reason in
`festival outbox` and on the admin page while it waits for its next try."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from festival.cli import main
from festival.clock import FixedClock
from festival.config import Settings
from festival.mailing.compose import Composer
from festival.mailing.sender import Sender
from festival.mailing.transport import MaildirTransport, MailSetupError
from festival.registration.service import register
from festival.storage.db import Database
from festival.storage.registration_repo import RegistrationSql
from festival.web.app import create_app
from tests.conftest import REFERENCE
from tests.factories import cli_against
from tests.mailing.conftest import Inbox
from tests.mailing.test_delivery import NOW, SLUG, TEMPLATES, load, person, sender


async def test_the_maildir_is_made_with_its_parents(database: Database, tmp_path: Path):
    # The database lives elsewhere, so nothing made the var directory.
    mail_dir = tmp_path / "nothing-here" / "var" / "mail"
    await load(database, REFERENCE.read_text())
    await register(RegistrationSql(database), SLUG, person(1), now=NOW)
    composer = Composer(database, TEMPLATES, base_url="http://festival.test", mail_from="f@x.org")
    transport = MaildirTransport(mail_dir)
    transport.prepare()

    sent = await Sender(database, composer, transport, FixedClock(NOW)).deliver_due()

    assert sent == 2
    assert len(list((mail_dir / "new").iterdir())) == 2


def test_a_maildir_that_cannot_be_made_is_a_clear_error_at_start(tmp_path: Path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")

    with pytest.raises(MailSetupError) as raised:
        MaildirTransport(blocked / "var" / "mail").prepare()

    assert str(raised.value) == (
        f"the mail directory {blocked / 'var' / 'mail'} cannot be made: Not a directory"
    )


def test_serve_refuses_to_start_without_a_usable_maildir(tmp_path: Path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    festival = cli_against(f"sqlite+aiosqlite:///{tmp_path / 'festival.db'}", blocked / "var")

    result = festival("serve", "--port", "1")

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    (line,) = result.stderr.strip().splitlines()  # one clear line, naming the directory
    assert line.startswith("Error: ")
    assert str(blocked / "var") in line
    assert "Not a directory" in line


def test_serve_refuses_a_sender_address_no_server_would_take(tmp_path: Path):
    result = CliRunner().invoke(
        main,
        ["serve", "--port", "1"],
        env={
            "FESTIVAL_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'festival.db'}",
            "FESTIVAL_VAR_DIR": str(tmp_path / "var"),
            "FESTIVAL_MAIL_FROM": "festival at example.org",
        },
    )

    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: FESTIVAL_MAIL_FROM: address 'festival at example.org' cannot be sent to:"
    )


async def test_the_service_does_not_start_without_a_usable_maildir(tmp_path: Path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'festival.db'}",
        var_dir=str(blocked / "var"),
        smtp_url="",
    )
    app = create_app(settings)

    with pytest.raises(MailSetupError):
        async with app.router.lifespan_context(app):
            pass


@pytest.fixture
def festival(tmp_path: Path) -> Callable[..., Result]:
    return cli_against(f"sqlite+aiosqlite:///{tmp_path / 'festival.db'}", tmp_path / "var")


def test_a_message_that_keeps_failing_shows_its_reason_while_it_waits(
    festival: Callable[..., Result], tmp_path: Path, smtp: tuple[Inbox, str]
):
    inbox, url = smtp
    assert festival("load", str(REFERENCE)).exit_code == 0
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'festival.db'}"

    async def one_round() -> None:
        db = Database(database_url)
        try:
            await register(RegistrationSql(db), SLUG, person(1), now=NOW)
            inbox.refuse = ["451 4.3.0 mailbox busy, try again later"] * 2
            await sender(db, url, FixedClock(NOW)).deliver_due()
        finally:
            await db.dispose()

    asyncio.run(one_round())
    result = festival("outbox")

    assert result.exit_code == 0
    retrying = [line for line in result.stdout.splitlines() if line.startswith("retrying ")]
    assert retrying == [
        "retrying 1 welcome to persoon1@example.org after 1 of 8 tries, next at "
        "2020-11-01 09:00:05 UTC: SMTP 451: 4.3.0 mailbox busy, try again later",
        "retrying 2 invite to persoon1@example.org after 1 of 8 tries, next at "
        "2020-11-01 09:00:05 UTC: SMTP 451: 4.3.0 mailbox busy, try again later",
    ]
