"""Chromium for the browser tests: one way to start it, the same flags everywhere.

Not a test module: tests/conftest.py registers its fixtures for every browser test: `browser`
(one chromium a module), `page` (a fresh visitor in the festival's zone on a desktop screen)
and `var_dir` (the folder of the module's server). Tests import `visitor` (a page with other
settings), `window` (a Dutch visitor's page that records any dialog) and `TIMEOUT_MS`.
Debian's chromium is driven through Playwright; never `playwright install`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
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
ZONE = "Europe/Amsterdam"
DESKTOP = {"width": 1280, "height": 900}


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


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One chromium for all of a module's tests; each test opens its own pages in it."""
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the module's server: its database and the maildir it delivers into."""
    return tmp_path_factory.mktemp("browser")


@contextmanager
def visitor(browser: Browser, **options: Any) -> Iterator[Page]:
    """A page in a new browser context (no cookies yet) with Playwright's context `options`."""
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh visitor in the festival's own zone on a desktop screen, so pages show only the
    festival's times."""
    with visitor(browser, timezone_id=ZONE, viewport=DESKTOP) as page:
        yield page


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
