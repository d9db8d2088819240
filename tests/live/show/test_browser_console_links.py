"""Console links in real chromium: the moderator, host and presenter links carry a token, which
leaves the address bar (and the history) as soon as the page opens, and the consoles keep
working live — and after a reload — with the token from their cookie."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import window
from tests.live.conftest import Site

pytestmark = pytest.mark.browser


def opened(page: Page, site: Site, link: str, token: str) -> str:
    """Open a console link; return the address the browser shows and keeps."""
    page.goto(f"{site.base}{link}")
    shown = page.url
    assert token not in shown
    assert page.locator('a[href*="token="]').count() == 0  # nor do the language links
    # The history holds the blank start and the console: the link itself left no entry.
    assert page.evaluate("history.length") == 2
    page.go_back()
    assert page.url == "about:blank"
    page.go_forward()
    assert page.url == shown
    return shown.removeprefix(site.base)


def test_console_links_leave_the_address_and_the_consoles_keep_working(
    browser: Browser, site: Site
):
    dialogs: list[str] = []
    moderator, host, presenter = (window(browser, dialogs) for _ in range(3))
    tokens = {
        "moderator": site.role_token("moderator", "plenary"),
        "host": site.role_token("host"),
        "presenter": site.role_token("presenter"),
    }

    shown = {
        "moderator": opened(
            moderator, site, f"/moderate?token={tokens['moderator']}", tokens["moderator"]
        ),
        "host": opened(host, site, f"/host?token={tokens['host']}&lang=en", tokens["host"]),
        "presenter": opened(
            presenter, site, f"/presenter?token={tokens['presenter']}", tokens["presenter"]
        ),
    }

    moderator.get_by_role("button", name="Vragen openen").click()
    expect(moderator.locator("[data-qa-status]")).to_have_text("Vragen stellen kan nu.")
    host.get_by_role("button", name="Go live").click()
    expect(host.locator("#live-state")).to_have_text("live now")
    host.get_by_label("Message to the presenter").fill("Nog twee minuten")
    host.get_by_label("Message to the presenter").press("Enter")
    expect(presenter.locator("#message")).to_have_text("Nog twee minuten")

    for page in (moderator, host, presenter):
        page.reload()
    expect(moderator.locator("[data-qa-status]")).to_have_text("Vragen stellen kan nu.")
    moderator.get_by_role("button", name="Vragen sluiten").click()
    expect(moderator.locator("[data-qa-status]")).to_have_text("Vragen stellen is gesloten.")
    expect(host.locator("#live-state")).to_have_text("live now")
    expect(presenter.locator("#message")).to_have_text("Nog twee minuten")

    assert shown == {
        "moderator": "/moderate/plenary?lang=nl",
        "host": "/host?lang=en",
        "presenter": "/presenter",
    }
    assert dialogs == []
