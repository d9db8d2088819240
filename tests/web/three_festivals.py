"""One served install with four festivals of today, for the browser tests that visit
every page (tests/web/test_browser_axe.py) or walk them by keyboard (test_browser_keyboard.py).

Not a test module. The online reference day (registration, personal page, Q&A, run of show,
admin), the on-site congress (its vote and the door page), the round-table afternoon (themes
brought by attendees), and the reference day again with its plenary about to start, for
pages while the show is live; `/` is the reference day. Role tokens are written straight into
the store, in-process.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import httpx2

from festival.access.tokens import Role
from tests.conftest import REFERENCE, SCHEDULES
from tests.factories import bearer, cli_against, renamed, role_token
from tests.live.conftest import sqlite_env
from tests.live.show.conftest import on_the_day
from tests.servers import serve

SLUG = "agenda-sociaal-werk-2020"
CONGRESS = SCHEDULES / "jaarcongres-sociaal-werk-2023.toml"
CONGRESS_SLUG = "jaarcongres-sociaal-werk-2023"
VOTE = "sociaal-werker-van-het-jaar-2023"
TABLES = SCHEDULES / "kus-themabijeenkomst-2016.toml"
TABLES_SLUG = "kus-themabijeenkomst-2016"
# The reference day once more, today with its plenary about to start (not moved by --demo):
# a host going live there is live for attendees too, not a rehearsal.
ON_AIR_SLUG = "agenda-live"
PLENARY_ACTIONS = "/api/channels/plenary/actions"
MAIL_SECONDS = 20.0
POLL_SECONDS = 0.1


@dataclass
class Site:
    """The running install: its address, its store (where role tokens are written) and the
    maildir it delivers into."""

    base: str
    database_url: str
    mail_dir: Path
    numbers: Iterator[int] = field(default_factory=itertools.count)

    def register(self, name: str, festival: str = SLUG, **fields: object) -> str:
        email = f"{name.lower()}{next(self.numbers)}@example.org"
        body = {"name": name, "email": email, "consent": True, **fields}
        created = httpx2.post(
            f"{self.base}/api/registrations?festival={festival}", json=body, trust_env=False
        )
        assert created.status_code == 201, created.text
        token: str = created.json()["token"]
        return token

    def token(self, role: Role, festival: str = SLUG) -> str:
        # In a thread of its own: Playwright's synchronous API keeps an event loop running
        # in this one, and the store is reached with asyncio.run.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(role_token, self.database_url, role, festival).result()[1]

    def mail(self, subject: str) -> str:
        """A message in the maildir, as the service leaves them there; its key."""
        message = EmailMessage()
        message["From"] = "festival@localhost"
        message["To"] = "Ann <ann@example.org>"
        message["Subject"] = subject
        message["Message-ID"] = f"<axe@{SLUG}.festival>"
        message.set_content("Hallo Ann, welkom op de dag.")
        message.add_alternative("<p>Hallo Ann, welkom op de dag.</p>", subtype="html")
        key = "1600000000.M1P1Q1.axe"
        (self.mail_dir / "new" / key).write_bytes(message.as_bytes())
        return key

    def ballot(self, email: str, lang: str) -> None:
        """A public ballot for the congress's vote by e-mail: it waits for its mailed link."""
        body = {"nominee": "yamina-ayadi", "email": email, "language": lang}
        cast = httpx2.post(
            f"{self.base}/api/votes/{VOTE}/ballots?festival={CONGRESS_SLUG}",
            json=body,
            trust_env=False,
        )
        assert cast.status_code == 202, cast.text

    def mailed(self, recipient: str) -> EmailMessage:
        """The message delivered to `recipient`, once it is in the maildir (the sender is woken
        by the commit that queues it); failing after MAIL_SECONDS."""
        deadline = time.monotonic() + MAIL_SECONDS
        while time.monotonic() < deadline:
            for path in (self.mail_dir / "new").glob("*"):
                message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
                if recipient in str(message["To"]):
                    assert isinstance(message, EmailMessage)
                    return message
            time.sleep(POLL_SECONDS)  # not delivered yet; look again shortly
        raise AssertionError(f"no mail to {recipient} in {MAIL_SECONDS:.0f} s")

    def post(self, path: str, token: str, body: dict[str, object]) -> httpx2.Response:
        return httpx2.post(f"{self.base}{path}", json=body, headers=bearer(token), trust_env=False)

    def ask(self, token: str, text: str) -> str:
        """A question on the plenary from the attendee `token`; its id."""
        asked = self.post(PLENARY_ACTIONS, token, {"type": "ask", "text": text})
        assert asked.status_code == 201, asked.text
        return str(asked.json()["question_id"])

    def moderate(self, moderator: str, action: str, question: str | None = None) -> None:
        body = {"type": "moderate", "action": action}
        if question:
            body["question_id"] = question
        done = self.post(PLENARY_ACTIONS, moderator, body)
        assert done.is_success, done.text


@contextmanager
def three_festivals(folder: Path) -> Iterator[Site]:
    """`festival serve` of the reference day, with the others loaded into its store first;
    every festival moved to today (or tomorrow) by --demo but the one on the air."""
    env = {**sqlite_env(folder), "FESTIVAL_FESTIVAL": SLUG}
    url = env["FESTIVAL_DATABASE_URL"]
    load = cli_against(url, folder)
    on_air = renamed(folder, on_the_day(folder, datetime.now(UTC)), ON_AIR_SLUG, "De agenda, live")
    with ThreadPoolExecutor(1) as pool:  # as `Site.token`
        for other, demo in ((CONGRESS, True), (TABLES, True), (on_air, False)):
            args = ("load", "--demo", str(other)) if demo else ("load", str(other))
            loaded = pool.submit(load, *args).result()
            assert loaded.exit_code == 0, loaded.output
    with serve("--programme", str(REFERENCE), "--demo", env=env) as base:
        yield Site(base, url, folder / "mail")
