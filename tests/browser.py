"""Chromium for the browser tests: one way to start it, the same flags everywhere.

Not a test module: browser tests import `chromium` (a context manager giving a Browser),
`window` (a Dutch visitor's page that records any dialog) and `TIMEOUT_MS`. Debian's chromium
is driven through Playwright; never `playwright install`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Dialog, Page, sync_playwright

from tests.conftest import CHROMIUM, need_chromium

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


@contextmanager
def chromium() -> Iterator[Browser]:
    need_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        try:
            yield browser
        finally:
            browser.close()


def window(browser: Browser, dialogs: list[str]) -> Page:
    """A fresh visitor in Amsterdam reading Dutch. Any alert, confirm or prompt is recorded in
    `dialogs` and dismissed: one appearing means injected script ran."""
    context = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return page
