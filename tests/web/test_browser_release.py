"""Giving a place back from the invite mail, in a real chromium, on a real server that
delivers its mail into a maildir (the 2020 reference programme with `--demo`, as
tests/web/test_browser_registration.py)."""

from __future__ import annotations

import mailbox
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import REFERENCE, need_chromium
from tests.mail import text_of
from tests.servers import serve
from tests.web.test_browser_registration import ROUND_1, SESSION_1, register, unique_email

pytestmark = pytest.mark.browser

WAIT = 10.0  # seconds to wait for the server's mail sender
RELEASE = re.compile(r"Kun je toch niet\? Geef je plaats terug: https?://[^/\s]+(/me/\S+)")


@pytest.fixture(scope="module")
def server(var_dir: Path) -> Iterator[str]:
    need_chromium()  # before starting a server nobody would visit
    with serve(
        "--programme", str(REFERENCE), "--demo", env={"FESTIVAL_VAR_DIR": str(var_dir)}
    ) as base:
        yield base


def release_path(var_dir: Path, address: str, session: str) -> str:
    """The release link of `session` in the mail text delivered to `address`, waiting for the
    server's sender; its path, to open on the test's server."""
    deadline = time.monotonic() + WAIT
    while True:
        box = mailbox.Maildir(var_dir / "mail", create=True)
        texts = [text_of(m) for m in box if address in str(m["To"])]
        found = [m.group(1) for t in texts for m in RELEASE.finditer(t)]
        mine = [path for path in found if path.endswith(f"/release/{session}")]
        if mine:
            return mine[0]
        assert time.monotonic() < deadline, f"no release link for {session} in {texts}"
        time.sleep(0.1)  # the sender runs in the server process; look again shortly


def test_giving_the_place_back_from_the_invite_mail(page: Page, server: str, var_dir: Path):
    email = unique_email()
    register(page, server, "Femke Smit", email)

    page.goto(server + release_path(var_dir, email, "huiskamer-3"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Plaats teruggeven")
    page.get_by_role("button", name="Mijn plaats teruggeven").click()

    expect(page.get_by_role("status")).to_have_text(
        f"Je plaats in {SESSION_1} is teruggegeven. Dank je wel!"
    )
    page.get_by_role("link", name="Mijn aanmelding").click()
    round_1 = page.locator("#round-ronde-1")
    expect(round_1).to_contain_text(ROUND_1)
    expect(round_1.locator(".my-session")).to_have_count(0)
    expect(round_1).to_contain_text("Geen sessie gekozen.")
