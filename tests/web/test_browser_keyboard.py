"""The main paths by keyboard alone, in real chromium (issue 14): registering (after a refused
form), asking and up-voting a question, moderating by Tab and Enter, hosting a block (go live,
start, extend, end), and scrolling a wide table on a phone. Only Tab, arrows, Space, Enter and
End; no clicks. Every element focus lands on shows a focus ring (an outline or a shadow),
checked at each stop.

The last test is not about keys but about the same regions: on paper (the printable report)
they do not scroll, so a wide table is printed whole.

The moderator console's own keys (j/k, a, s, h) and how focus follows live updates are tested
in tests/live/qa/test_browser_moderator.py; here the console is reached with Tab.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import TIMEOUT_MS, ZONE
from tests.conftest import need_chromium
from tests.web.three_festivals import Site, three_festivals

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
TAB_STOPS = 80  # more than any page here has before the element a path wants


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    need_chromium()  # before starting a server nobody would visit
    with three_festivals(tmp_path_factory.mktemp("keyboard")) as site:
        yield site


@pytest.fixture
def keyboard(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=LAPTOP, timezone_id=ZONE, locale="nl-NL")
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


RING = """() => {
  const node = document.activeElement;
  if (!node || node === document.body) return "nothing has focus";
  const style = getComputedStyle(node);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== "none";
  if (outline || shadow) return "";
  return `${node.tagName.toLowerCase()}${node.id ? "#" + node.id : ""} "${
    (node.textContent || node.value || "").trim().slice(0, 40)}" shows no focus ring`;
}"""


def ring_shown(page: Page) -> None:
    """The focused element is drawn with a ring (outline or box-shadow)."""
    assert page.evaluate(RING) == ""


def press(page: Page, key: str) -> None:
    page.keyboard.press(key)
    ring_shown(page)


def send(page: Page) -> None:
    """Enter on a form's button: a new page comes, so the ring is checked on what it focuses."""
    page.keyboard.press("Enter")


def tab_to(page: Page, selector: str, *, back: bool = False, stops: int = TAB_STOPS) -> None:
    """Tab (or Shift+Tab) until the element `selector` has focus, checking the ring at every
    stop on the way."""
    for _ in range(stops):
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        press(page, "Shift+Tab" if back else "Tab")
    raise AssertionError(f"{selector} not reached in {stops} tab stops")


def test_register_by_keyboard_after_a_refused_form(keyboard: Page, site: Site):
    page = keyboard
    page.goto(f"{site.base}/register")
    tab_to(page, "form.register button[type=submit]")
    send(page)  # nothing filled in

    summary = page.get_by_role("region", name="Er ging iets mis bij 3 velden")
    expect(summary).to_be_focused()
    ring_shown(page)
    press(page, "Tab")
    expect(summary.get_by_role("link", name="Naam: Vul dit veld in.")).to_be_focused()
    press(page, "Enter")
    expect(page.get_by_label("Naam", exact=True)).to_be_focused()
    page.keyboard.type("Kim Toetsenbord")
    press(page, "Tab")
    expect(page.get_by_label("E-mailadres", exact=True)).to_be_focused()
    page.keyboard.type("kim.toetsenbord@example.org")
    # Into the first round's radio group (on "no session") and down to the first session.
    tab_to(page, "input[name=choice-ronde-1]")
    press(page, "ArrowDown")
    first_round = page.get_by_role("group", name=re.compile("ronde 1"))
    expect(first_round.get_by_role("radio").nth(1)).to_be_checked()
    title = page.evaluate(
        "document.querySelector('input[name=choice-ronde-1]:checked').nextSibling.textContent"
    ).strip()
    tab_to(page, "#consent")
    press(page, "Space")
    expect(page.locator("#consent")).to_be_checked()
    tab_to(page, "form.register button[type=submit]")
    send(page)

    expect(page).to_have_url(re.compile(r"/me/[^/?]+\?lang=nl&registered=1$"))
    expect(page.get_by_role("heading", name="Je bent aangemeld")).to_be_focused()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kim Toetsenbord")
    expect(page.locator("main")).to_contain_text(title)


def test_ask_and_upvote_by_keyboard(keyboard: Page, site: Site):
    page = keyboard
    moderator = site.token("moderator")
    site.moderate(moderator, "open")
    other = site.ask(site.register("Lot"), "Hoe houden we dit vol?")
    site.moderate(moderator, "approve", other)
    me = site.register("Mo")
    page.goto(f"{site.base}/me/{me}/questions/plenary")

    tab_to(page, "#qa-text")
    page.keyboard.type("Wie betaalt de buurtkamer?")
    tab_to(page, "[data-qa-ask] button[type=submit]")
    press(page, "Enter")
    expect(page.locator("[data-qa-sent]")).to_be_visible()
    mine = page.locator(".qa-question", has_text="Wie betaalt de buurtkamer?")
    expect(mine).to_be_visible()

    vote = page.locator(f'.qa-question[data-id="{other}"] button.vote')
    tab_to(page, f'.qa-question[data-id="{other}"] button.vote')
    press(page, "Space")
    expect(vote).to_have_attribute("aria-pressed", "true")
    expect(vote).to_be_focused()  # the list was rebuilt around it: focus came back to it
    expect(page.locator(f'.qa-question[data-id="{other}"]')).to_contain_text("1 stem")


def test_moderate_by_tab_and_enter(keyboard: Page, site: Site):
    page = keyboard
    moderator = site.token("moderator")
    site.moderate(moderator, "open")
    waiting = site.ask(site.register("Noor"), "Komt er een vervolg?")
    page.goto(f"{site.base}/moderate/plenary?token={moderator}")
    question = page.locator(f'.qa-question[data-id="{waiting}"]')
    expect(question).to_be_visible()

    # Tab lands on the list's current question; ↓ walks the list (which holds the other
    # tests' questions too) to ours; its buttons follow it in the tab order.
    tab_to(page, "[data-qa-list] .qa-question")
    for _ in range(TAB_STOPS):
        if page.evaluate("document.activeElement.dataset.id") == waiting:
            break
        press(page, "ArrowDown")
    expect(question).to_be_focused()
    tab_to(page, f'.qa-question[data-id="{waiting}"] button[data-action="approve"]')
    press(page, "Enter")
    expect(question).to_have_class(re.compile(r"\bstate-approved\b"))
    tab_to(page, f'.qa-question[data-id="{waiting}"] button[data-action="star"]')
    press(page, "Space")
    expect(question.locator(".star")).to_have_count(1)
    expect(page.locator("[data-qa-announce]")).to_have_text(
        f"Vraag {waiting.removeprefix('q')} heeft een ster"
    )


def test_host_goes_live_starts_extends_and_ends_a_block_by_keyboard(keyboard: Page, site: Site):
    page = keyboard
    page.goto(f"{site.base}/host?token={site.token('host')}")
    expect(page.locator("#live-state")).to_have_text("nog niet live")
    expect(page.locator("#next-title")).not_to_have_text(
        "—"
    )  # the console has its snapshot: an action now goes out

    tab_to(page, "[data-act=live]")
    press(page, "Enter")
    expect(page.locator("#live-state")).to_have_text("nu live")
    tab_to(page, "[data-act=start-next]")
    press(page, "Enter")
    first = page.locator("#blocks tr").first
    expect(first.locator(".status")).to_have_text("loopt")
    timer = page.locator("#timer")
    expect(timer).to_have_text(re.compile(r"^\d+:[0-5]\d$"))
    minutes = int((timer.text_content() or "").split(":")[0])
    tab_to(page, "[data-act=extend][data-minutes='5']")
    press(page, "Enter")
    # Five minutes more, from a minute that may have ticked by in between.
    expect(timer).to_have_text(re.compile(rf"^({minutes + 4}|{minutes + 5}):[0-5]\d$"))

    tab_to(page, "[data-act=end]", back=True)  # before the extend buttons
    press(page, "Enter")
    expect(first.locator(".status")).to_have_text("afgelopen")


def test_a_wide_table_on_a_phone_scrolls_by_keyboard(browser: Browser, site: Site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="nl-NL")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{site.base}/admin?token={site.token('admin')}")
    region = page.get_by_role("region", name="Sessies", exact=True)
    expect(region.locator("table#report-sessions")).to_be_visible()
    assert region.evaluate("r => r.scrollWidth > r.clientWidth")  # wider than the phone

    tab_to(page, ".scroll-region:has(#report-sessions)", stops=200)
    expect(region).to_be_focused()
    press(page, "ArrowRight")
    press(page, "End")

    # Chromium scrolls by keyboard smoothly: the region gets there over a few frames.
    page.wait_for_function(
        "() => document.querySelector('.scroll-region:has(#report-sessions)').scrollLeft > 0"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the page stays put
    context.close()


def test_the_printed_report_is_not_cut_off_by_its_scroll_regions(browser: Browser, site: Site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="nl-NL")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{site.base}/admin/report?token={site.token('admin')}")
    region = page.locator(".scroll-region:has(#report-sessions)")
    assert region.evaluate("r => getComputedStyle(r).overflowX") == "auto"  # on screen

    page.emulate_media(media="print")

    assert region.evaluate("r => getComputedStyle(r).overflowX") == "visible"  # on paper
    context.close()
