"""What an attendee sees while the day is on, in real chromium against a real server: the
personal page leads with the plenary's live view (the stream beside the Q&A on a laptop,
stacked on a phone) once the host goes live, and with their room while it can be joined;
the delay banner names the block that runs late; the public programme marks what is live.

One server for the module, the reference festival today in a zone where it is 12:xx now:
round 1 is in progress, round 2 starts in ten minutes (its join window is open) and the
plenary follows it, within the hour, so going live is the real thing. Only the first test
goes live; the other needs nothing of the show.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, Route, expect

from tests.browser import TIMEOUT_MS, window
from tests.conftest import REFERENCE
from tests.live.conftest import Site, sqlite_env
from tests.live.show.conftest import post_action, zone_at_hour
from tests.servers import serve

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
ROOM = "huiskamer-6"  # in round 2
STREAM = "https://stream.example.org/**"  # the reference festival's stream_url


def live_day(folder: Path, now: datetime) -> Path:
    """The reference festival today, its times around `now` (12:xx in the zone chosen)."""
    local = now.astimezone(zone_at_hour(now, 12)).replace(second=0, microsecond=0)

    def hhmm(minutes: int) -> str:
        return f"{local + timedelta(minutes=minutes):%H:%M}:00"

    text = REFERENCE.read_text()
    for old, new in (
        ("date = 2020-11-19", f"date = {local.date().isoformat()}"),
        ('timezone = "Europe/Amsterdam"', f'timezone = "{local.tzinfo}"'),
        ("start = 10:30:00\nend = 11:30:00", f"start = {hhmm(-30)}\nend = {hhmm(9)}"),
        ("start = 12:00:00\nend = 13:00:00", f"start = {hhmm(10)}\nend = {hhmm(40)}"),
        ("start = 13:30:00\nend = 15:15:00", f"start = {hhmm(45)}\nend = {hhmm(150)}"),
    ):
        assert old in text
        text = text.replace(old, new, 1)
    path = folder / "live-day.toml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("live-day")
    env = sqlite_env(folder)
    with serve("--programme", str(live_day(folder, datetime.now(UTC))), env=env) as base:
        yield Site(base, env)


def stream_page(route: Route) -> None:
    """The streaming service itself is outside the test: its page is made up here."""
    route.fulfill(body="<!doctype html><html lang=nl><title>Stream</title><p>De stream</p></html>")


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, locator
    return found


def serious_violations(page: Page) -> list[tuple[str, list[str]]]:
    """Axe's serious and critical findings in the live view, each with its elements."""
    violations = Axe().run(page, context="#live-view").response["violations"]
    return [
        (v["id"], [str(node["target"]) for node in v["nodes"]])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def test_the_live_plenary_leads_the_personal_page(browser: Browser, site: Site):
    anna = site.register("Anna")
    host = site.role_token("host")
    dialogs: list[str] = []
    laptop = window(browser, dialogs)
    laptop.set_viewport_size(LAPTOP)
    laptop.route(STREAM, stream_page)
    public = window(browser, dialogs)
    laptop.goto(f"{site.base}/me/{anna}")
    public.goto(f"{site.base}/")
    view = laptop.locator("#live-view")
    expect(view).to_be_hidden()  # not live yet: the page as it always was
    expect(public.locator("[data-live-plenary]")).to_be_hidden()

    for action in (
        {"action": "live"},
        {"action": "start", "block_id": "start-plenair"},
        {"action": "extend", "block_id": "start-plenair", "minutes": 60},
    ):
        reply = post_action(site, {"type": "host", **action}, host)
        assert reply.json()["type"] == "ack", reply.text

    # In without a reload: the stream beside the Q&A, at the top, above the fold.
    expect(view).to_be_visible()
    stream, qa = laptop.locator(".live-stream"), laptop.locator(".live-qa")
    expect(laptop.locator("#show-stream iframe")).to_have_attribute("src", f"/join/{anna}/plenary")
    assert laptop.evaluate("performance.getEntriesByType('navigation').length") == 1
    left, right = box(stream), box(qa)
    assert right["x"] >= left["x"] + left["width"]  # side by side …
    assert abs(right["y"] - left["y"]) < 1  # … on one line
    assert box(view)["y"] + box(laptop.locator("#live-view-title"))["height"] < LAPTOP["height"]
    # The banner names what runs late; the programme marks the plenary and its block on air.
    expect(laptop.locator("[data-show-delay]")).to_have_text(
        re.compile(r"^Start plenair programma loopt \d+ minuten uit$")
    )
    expect(public.locator("[data-live-plenary]")).to_have_text("Nu live")
    expect(public.locator('[data-live-block="start-plenair"]')).to_be_visible()
    expect(public.locator('[data-live-block="welkomstwoord"]')).to_be_hidden()

    # Going live opened the Q&A. Closed by a moderator, its form is out of use and says
    # when it opens again (with the plenary's planned start); opened, it is enabled at once.
    send = qa.get_by_role("button", name="Verstuur")
    expect(send).to_be_enabled()
    # A host moderates the plenary's Q&A too.
    assert moderate(site, "plenary", "close", host) == 200
    expect(send).to_be_disabled()
    expect(qa.get_by_label("Je vraag")).to_be_disabled()
    expect(qa.locator("[data-qa-status]")).to_have_text(
        re.compile(r"^Vragen stellen is nog gesloten; het kan vanaf .*\d\d:\d\d\.$")
    )
    assert moderate(site, "plenary", "open", host) == 200
    expect(send).to_be_enabled()
    expect(qa.locator("[data-qa-status]")).to_have_text("Vragen stellen kan nu.")
    qa.get_by_label("Je vraag").fill("Hoe houden we dit vol?")
    send.click()
    expect(qa.locator(".qa-question", has_text="Hoe houden we dit vol?")).to_be_visible()

    assert serious_violations(laptop) == []

    # On a phone, in English: the Q&A under the stream, and no sideways scrolling.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, locale="en-GB")
    phone.set_default_timeout(TIMEOUT_MS)
    small = phone.new_page()
    small.route(STREAM, stream_page)
    small.goto(f"{site.base}/me/{anna}?lang=en")
    expect(small.locator("#live-view-title")).to_contain_text("Live now")
    top, under = box(small.locator(".live-stream")), box(small.locator(".live-qa"))
    assert under["y"] >= top["y"] + top["height"]
    assert abs(under["x"] - top["x"]) < 1
    assert small.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(small) == []
    phone.close()
    assert dialogs == []


def moderate(site: Site, channel: str, action: str, token: str) -> int:
    return httpx2.post(
        f"{site.base}/api/channels/{channel}/actions",
        json={"type": "moderate", "action": action},
        headers={"Authorization": f"Bearer {token}"},
        trust_env=False,
        timeout=10,
    ).status_code


def test_an_open_room_leads_the_personal_page(browser: Browser, site: Site):
    bo = site.register("Bo", {"ronde-2": ROOM})
    dialogs: list[str] = []
    page = window(browser, dialogs)
    page.goto(f"{site.base}/me/{bo}?lang=en")

    rooms = page.locator("#live-rooms")
    expect(rooms).to_be_visible()
    assert box(rooms)["y"] < box(page.locator("#round-ronde-2"))["y"]
    expect(rooms.get_by_role("link", name="Join now")).to_have_attribute(
        "href", f"/join/{bo}/{ROOM}"
    )
    page.goto(f"{site.base}/?lang=en")
    # Round 1's rooms are in session: the programme says so in words.
    expect(page.locator("#ronde-1-title .live-marker")).to_have_text("Live now")
    expect(page.locator("#ronde-2-title .live-marker")).to_be_hidden()
    assert dialogs == []
