"""Buttons, the host console's end of the programme and the presenter view in real chromium,
as issue 14 walked them: one button style (and one danger style) on every main page, ending
the programme red and confirmed by keyboard, and the presenter view on a laptop with the
host's message shown and before the show starts.

One server (the demo, where going live is a rehearsal) and one chromium for the module; each
test starts the show over first, so none depends on another's show.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import visitor
from tests.live.conftest import Site
from tests.live.show.conftest import post_action

pytestmark = pytest.mark.browser

# (background, border colour) of the three looks in templates/static/style.css.
PRIMARY = ("rgb(184, 50, 106)", "rgb(184, 50, 106)")
SECONDARY = ("rgb(255, 255, 255)", "rgb(29, 35, 48)")
DANGER = ("rgb(163, 32, 42)", "rgb(163, 32, 42)")
LAPTOP = {"width": 1366, "height": 768}

# Every button, submit input and button-like link on a page with its look, named by its text.
LOOKS = """() => [...document.querySelectorAll(
    "button, input[type=submit], input[type=button], .button")].map((b) => {
    const s = getComputedStyle(b);
    return [(b.innerText || b.value || b.getAttribute("aria-label")).trim(),
            s.backgroundColor, s.borderTopColor, s.borderTopStyle, s.borderTopWidth];
  })"""

# Whether an element's box lies wholly inside the window.
IN_VIEW = """(e) => { const r = e.getBoundingClientRect(); return r.width > 0
  && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight; }"""


@pytest.fixture(scope="module")
def tokens(shared_site: Site) -> dict[str, str]:
    roles = ("host", "presenter", "admin")
    return {role: shared_site.role_token(role) for role in roles} | {
        "moderator": shared_site.role_token("moderator", "plenary")
    }


def host_does(site: Site, token: str, **action: str) -> None:
    reply = post_action(site, {"type": "host", **action}, token)
    assert reply.status_code == 200, reply.text


@pytest.fixture
def site(shared_site: Site, tokens: dict[str, str]) -> Site:
    """The module's server with its show started over: not live, every block to come."""
    host_does(shared_site, tokens["host"], action="reset")
    return shared_site


@pytest.fixture
def laptop(browser: Browser) -> Iterator[Page]:
    with visitor(browser, viewport=LAPTOP, locale="nl-NL") as page:
        yield page


def looks(page: Page) -> dict[str, tuple[str, str]]:
    """Each button's text and its (background, border colour); a solid 2px border on all."""
    found: list[list[str]] = page.evaluate(LOOKS)
    assert {(style, width) for *_, style, width in found} <= {("solid", "2px")}, found
    return {text: (background, border) for text, background, border, *_ in found}


def test_every_button_on_the_main_pages_has_one_of_the_three_looks(
    laptop: Page, site: Site, tokens: dict[str, str]
):
    attendee = site.register("Anna")
    pages = {
        "programme": "/",
        "register": "/register",
        "me": f"/me/{attendee}",
        "questions": f"/me/{attendee}/questions/plenary",
        "host": f"/host?token={tokens['host']}",
        "presenter": f"/presenter?token={tokens['presenter']}",
        "moderate": f"/moderate/plenary?token={tokens['moderator']}",
        "admin": f"/admin?token={tokens['admin']}",
    }
    seen: dict[str, tuple[str, str]] = {}
    for name, path in pages.items():
        laptop.goto(f"{site.base}{path}")
        expect(laptop.locator("main")).to_be_visible()
        found = looks(laptop)
        assert set(found.values()) <= {PRIMARY, SECONDARY, DANGER}, (name, found)
        seen |= {f"{name}: {text}": look for text, look in found.items()}

    assert seen["me: Afmelden en wissen"] == DANGER
    assert seen["host: Programma beëindigen"] == DANGER
    assert seen["programme: Zet het programma in je agenda"] == SECONDARY
    assert seen["register: Aanmelden"] == PRIMARY
    assert seen["host: Ga live L"] == PRIMARY
    assert seen["presenter: Volledig scherm"] == SECONDARY
    assert seen["moderate: Volgende uit de rij"] == PRIMARY
    assert len(seen) > 30  # the pages' buttons were there to be looked at


def test_ending_the_programme_is_red_and_asks_again_by_keyboard(
    laptop: Page, site: Site, tokens: dict[str, str]
):
    laptop.goto(f"{site.base}/host?token={tokens['host']}")
    expect(laptop.locator("#next-title")).not_to_have_text(
        "—"
    )  # the console has its snapshot: an action now goes out
    laptop.get_by_role("button", name="Ga live").click()
    expect(laptop.locator("#live-state")).to_have_text("nu live")
    end = laptop.locator('[data-act="end_show"]')
    expect(end).to_have_text("Programma beëindigen")
    assert looks(laptop)["Programma beëindigen"] == DANGER

    laptop.get_by_role("button", name="−5 min").focus()
    laptop.keyboard.press("Tab")  # to the end of the programme, by keyboard
    expect(end).to_be_focused()
    assert end.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"  # focus ring
    laptop.keyboard.press("Enter")  # asks first, on the button itself …
    expect(end).to_have_text("Zeker weten? Druk nog eens")
    # (the question stands for 5 seconds: nothing slow between the two presses)
    laptop.keyboard.press("Enter")  # … and the second press ends the programme

    expect(laptop.locator("#live-state")).to_have_text("Afgelopen")
    expect(end).to_have_text("Programma beëindigen")


def test_presenter_on_a_laptop_keeps_message_next_and_full_screen_in_view(
    laptop: Page, site: Site, tokens: dict[str, str]
):
    host = tokens["host"]
    host_does(site, host, action="live")
    host_does(site, host, action="start", block_id="start-plenair")
    laptop.goto(f"{site.base}/presenter?token={tokens['presenter']}")
    parts = {
        "countdown": laptop.locator("#timer"),
        "message": laptop.locator("#message"),
        "up next": laptop.locator(".presenter-next"),
        "full screen": laptop.get_by_role("button", name="Volledig scherm"),
    }
    for text in ("Nog twee minuten, rond af", "Nog twee minuten. " * 11):  # 198 characters
        host_does(site, host, action="message_presenter", text=text.strip())
        expect(parts["message"]).to_have_text(text.strip())
        expect(parts["countdown"]).to_have_text(re.compile(r"^\d+:[0-5]\d$"))

        outside = [name for name, part in parts.items() if not part.evaluate(IN_VIEW)]

        assert outside == [], text
        assert laptop.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_presenter_before_the_start_says_so_in_readable_type(
    browser: Browser, site: Site, tokens: dict[str, str]
):
    for lang, text in (("nl", "Nog niet begonnen"), ("en", "Not started")):
        with visitor(browser, viewport=LAPTOP) as presenter:
            presenter.goto(f"{site.base}/presenter?token={tokens['presenter']}&lang={lang}")
            timer = presenter.locator("#timer")
            expect(timer).to_have_text(text)
            size = timer.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
            assert 24 <= size <= 80  # read across a room, not a wall of type
            assert timer.evaluate(IN_VIEW)
            assert presenter.locator("#message").is_hidden()
