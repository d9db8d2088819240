"""The programme page in a real chromium, served by a real `festival serve` process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import visitor
from tests.conftest import REFERENCE, need_chromium
from tests.servers import serve

pytestmark = pytest.mark.browser

TITLE = "De agenda van het sociaal werk 2020"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the module: the pages only read, so tests cannot disturb each other."""
    need_chromium()  # before starting a server nobody would visit
    var_dir = tmp_path_factory.mktemp("browser")
    with serve("--programme", str(REFERENCE), env={"FESTIVAL_VAR_DIR": str(var_dir)}) as base:
        yield base


def test_programme_page_shows_the_day(page: Page, server: str) -> None:
    page.goto(f"{server}/")

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("article.session")).to_have_count(11)
    expect(page.locator("#plenary .block time").first).to_have_text("13:30")


def test_programme_page_english_after_clicking_english(page: Page, server: str) -> None:
    page.goto(f"{server}/")

    page.get_by_role("link", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".intro .meta")).to_contain_text("Thursday 19 November 2020")


def test_programme_page_language_remembered_on_next_visit(page: Page, server: str) -> None:
    page.goto(f"{server}/")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.goto(f"{server}/")

    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_programme_page_adds_viewer_times_in_new_york(browser: Browser, server: str) -> None:
    with visitor(browser, timezone_id="America/New_York") as page:
        page.goto(f"{server}/")

        # 10:30 in Amsterdam (UTC+1 in November) is 04:30 in New York (UTC-5).
        # As read (innerText): the heading's hidden "live now" marker is no part of it.
        expect(page.locator("#ronde-1-title")).to_have_text(
            "10:30 (04:30)–11:30 (05:30) Huiskamersessies ronde 1", use_inner_text=True
        )
        expect(page.locator(".zone")).to_have_text(
            "Tijden in Europe/Amsterdam · jouw tijd: America/New_York"
        )


def test_programme_page_english_viewer_times_in_new_york(browser: Browser, server: str) -> None:
    with visitor(browser, timezone_id="America/New_York") as page:
        page.goto(f"{server}/?lang=en")

        expect(page.locator("#ronde-1-title")).to_have_text(
            # On the 24-hour clock, as the programme's own times beside them.
            "10:30 (04:30)–11:30 (05:30) Huiskamersessies ronde 1",
            use_inner_text=True,
        )


def test_programme_page_adds_nothing_in_amsterdam(page: Page, server: str) -> None:
    page.goto(f"{server}/")

    expect(page.locator("#ronde-1-title")).to_have_text(
        "10:30–11:30 Huiskamersessies ronde 1", use_inner_text=True
    )
    expect(page.locator(".zone")).to_have_text("Tijden in Europe/Amsterdam")
    expect(page.locator(".own-time")).to_have_count(0)


def test_unknown_page_404_in_style(page: Page, server: str) -> None:
    response = page.goto(f"{server}/no/such/page?lang=en")

    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_role("link", name="Back to the programme")).to_be_visible()
    # The stylesheet reached the error page: the header has the festival's dark band.
    header = page.locator("header.site")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(29, 35, 48)"
