"""The admin's view of a delivered mail in a real chromium, on a real server that delivers into
its maildir (the 2020 reference programme with `--demo`): the HTML shows as the recipient sees
it, in a sandboxed frame where a script of the mail does not run, and an admin reading English
gets English labels all the way from the overview."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import visitor
from tests.conftest import REFERENCE, need_chromium
from tests.servers import serve

pytestmark = pytest.mark.browser

SLUG = "agenda-sociaal-werk-2020"
KEY = "1600000000.M1P1Q1.test"  # a maildir file name, as the server's own are made
SUBJECT = "Welkom, Ann"
SENT = datetime(2020, 11, 12, 9, 30, tzinfo=UTC)
HTML = """<!doctype html>
<html><body style="font-family: sans-serif">
<p id="greeting" style="color: rgb(184, 50, 106)">Hallo Ann, welkom op de dag.</p>
<script>document.getElementById("greeting").textContent = "the script ran";</script>
<img src="x" onerror="document.body.dataset.ran = 'yes'" alt="">
</body></html>
"""


@pytest.fixture(scope="module")
def admin_link(var_dir: Path) -> Iterator[str]:
    """The admin console link `festival serve --demo` prints, with a message in the maildir
    whose HTML carries a script (mail the service sent, or anything else put there)."""
    need_chromium()  # before starting a server nobody would visit
    printed = var_dir / "stdout.txt"
    env = {"FESTIVAL_VAR_DIR": str(var_dir)}
    with serve("--programme", str(REFERENCE), "--demo", env=env, stdout=printed):
        message = EmailMessage()
        message["From"] = "festival@localhost"
        message["To"] = "Ann <ann@example.org>"
        message["Subject"] = SUBJECT
        message["Date"] = format_datetime(SENT)
        message["Message-ID"] = f"<welcome-ann@{SLUG}.festival>"
        message.set_content("Hallo Ann, welkom op de dag.")
        message.add_alternative(HTML, subtype="html")
        (var_dir / "mail" / "new" / KEY).write_bytes(message.as_bytes())
        (line,) = [
            line for line in printed.read_text().splitlines() if line.startswith("  admin console:")
        ]
        yield line.split()[-1]


def base_of(admin_link: str) -> str:
    return admin_link.split("/admin?")[0]


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A visitor reading English on a laptop screen."""
    with visitor(browser, locale="en-GB", viewport={"width": 1366, "height": 768}) as page:
        yield page


def test_mail_from_the_english_overview_shows_its_html_with_english_labels(
    page: Page, admin_link: str
):
    page.goto(admin_link)  # the token goes into a cookie
    page.goto(f"{base_of(admin_link)}/admin?festival={SLUG}&lang=en")

    page.get_by_role("link", name=SUBJECT).click()

    expect(page.get_by_role("heading", name=SUBJECT, level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="As the recipient sees it")).to_be_visible()
    expect(page.locator("dt").first).to_have_text("From")
    expect(page.get_by_role("link", name="Back to the overview")).to_be_visible()
    greeting = page.frame_locator("iframe.mail-html").locator("#greeting")
    expect(greeting).to_have_text("Hallo Ann, welkom op de dag.")
    expect(greeting).to_have_css("color", "rgb(184, 50, 106)")  # the mail's own style applies


def test_a_script_in_the_mail_does_not_run(page: Page, admin_link: str):
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text))
    page.goto(admin_link)

    page.goto(f"{base_of(admin_link)}/admin/mail/{KEY}?festival={SLUG}")

    frame = page.frame_locator("iframe.mail-html")
    expect(frame.locator("#greeting")).to_have_text("Hallo Ann, welkom op de dag.")
    assert frame.locator("body").get_attribute("data-ran") is None
    assert any("Blocked script execution" in text for text in blocked), blocked
