"""The moderator console by keyboard in real chromium: live updates leave focus on the question
it was on, shortcuts act on the focused question, a live region says what happened to it, and
the current question looks different from the focus ring."""

from __future__ import annotations

import httpx2
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser import TIMEOUT_MS, window
from tests.live.conftest import Site

pytestmark = pytest.mark.browser


def ask(site: Site, name: str, text: str) -> str:
    reply = httpx2.post(
        f"{site.base}/api/channels/plenary/actions",
        json={"type": "ask", "text": text},
        headers={"Authorization": f"Bearer {site.register(name)}"},
        trust_env=False,
    )
    assert reply.status_code == 201
    return str(reply.json()["question_id"])


def console(page: Page, site: Site, lang: str) -> None:
    token = site.role_token("moderator", "plenary")
    page.goto(f"{site.base}/moderate/plenary?lang={lang}&token={token}")
    expect(page.locator("[data-qa-list]")).to_be_visible()


def focused_id(page: Page) -> str | None:
    return page.evaluate("document.activeElement.closest('.qa-question')?.dataset.id ?? null")


def test_focus_stays_on_its_question_while_others_arrive_and_change(browser: Browser, site: Site):
    moderator = window(browser, [])
    other = browser.new_context(locale="nl-NL").new_page()  # answers the merge's prompt
    other.set_default_timeout(TIMEOUT_MS)
    console(moderator, site, "nl")
    console(other, site, "nl")
    moderator.get_by_role("button", name="Vragen openen").click()
    ids = [ask(site, name, f"Vraag van {name}") for name in ("Ada", "Bas", "Cas")]
    items = moderator.locator("[data-qa-list] .qa-question")
    expect(items).to_have_count(3)
    third = moderator.locator(f'.qa-question[data-id="{ids[2]}"]')

    moderator.locator("body").press("j")  # from the first (current) question down: j, ↓
    moderator.locator("body").press("ArrowDown")
    expect(third).to_be_focused()
    expect(third).to_have_attribute("aria-current", "true")
    assert moderator.locator('[data-qa-list] [aria-current="true"]').count() == 1

    ask(site, "Dirk", "Een nieuwe vraag erbij")  # arrives above or below: same votes, later
    expect(items).to_have_count(4)
    assert focused_id(moderator) == ids[2]
    # Another moderator approves another question, and it gets a vote: focus stays.
    other.locator(f'.qa-question[data-id="{ids[0]}"]').get_by_role(
        "button", name="Goedkeuren"
    ).click()
    expect(moderator.locator(f'.qa-question[data-id="{ids[0]}"]')).to_have_class(
        "qa-question state-approved"
    )
    voter = site.register("Eva")
    reply = httpx2.post(
        f"{site.base}/api/channels/plenary/actions",
        json={"type": "vote", "question_id": ids[0]},
        headers={"Authorization": f"Bearer {voter}"},
        trust_env=False,
    )
    assert reply.status_code in (200, 201)
    expect(moderator.locator(f'.qa-question[data-id="{ids[0]}"]')).to_contain_text("1 stem")
    expect(third).to_be_focused()

    # The shortcut acts on the focused question, and the live region says so.
    moderator.keyboard.press("s")
    expect(third.locator(".star")).to_have_count(1)
    expect(moderator.locator(".qa-question .star")).to_have_count(1)
    expect(moderator.locator("[data-qa-announce]")).to_have_text(
        f"Vraag {ids[2].removeprefix('q')} heeft een ster"
    )
    expect(moderator.locator("[data-qa-announce]")).to_have_attribute("aria-live", "polite")
    moderator.keyboard.press("a")
    expect(third).to_have_class("qa-question state-approved starred")
    expect(moderator.locator("[data-qa-announce]")).to_have_text(
        f"Vraag {ids[2].removeprefix('q')} goedgekeurd"
    )

    # The focused question leaves the list (merged by the other moderator): its neighbour
    # takes focus, not the top of the page.
    moderator.locator(f'.qa-question[data-id="{ids[1]}"]').focus()
    other.on("dialog", lambda dialog: dialog.accept(ids[0]))
    other.locator(f'.qa-question[data-id="{ids[1]}"]').get_by_role(
        "button", name="Samenvoegen"
    ).click()
    expect(moderator.locator(f'.qa-question[data-id="{ids[1]}"]')).to_have_count(0)
    assert focused_id(moderator) == ids[2]  # the one below it in the list
    current = moderator.locator('[data-qa-list] [aria-current="true"]')
    expect(current).to_be_focused()


def test_the_current_question_looks_unlike_the_focus_ring(browser: Browser, site: Site):
    moderator = window(browser, [])
    console(moderator, site, "en")
    moderator.get_by_role("button", name="Open questions").click()
    first, second = (ask(site, name, f"Question from {name}") for name in ("Fay", "Gus"))
    expect(moderator.locator("[data-qa-list] .qa-question")).to_have_count(2)
    expect(moderator.get_by_role("list", name="Questions")).to_be_visible()
    moderator.get_by_text("Keyboard shortcuts").click()  # the page documents them
    expect(moderator.locator("details.hint")).to_contain_text("j/k or ↓/↑")
    moderator.locator("body").press("j")
    current = moderator.locator(f'.qa-question[data-id="{second}"]')
    expect(current).to_be_focused()

    def look(selector: str) -> dict[str, str]:
        return moderator.eval_on_selector(
            selector,
            """node => { const s = getComputedStyle(node);
            return {outline: s.outlineStyle, bar: s.borderLeftColor, width: s.borderLeftWidth,
                    background: s.backgroundColor}; }""",
        )

    focused_and_current = look(f'.qa-question[data-id="{second}"]')
    plain = look(f'.qa-question[data-id="{first}"]')
    assert focused_and_current["outline"] == "solid"  # the focus ring
    assert focused_and_current["bar"] == "rgb(184, 50, 106)"  # the current question's bar
    assert focused_and_current["width"] == "8px"
    assert focused_and_current["background"] != plain["background"]
    assert plain["outline"] == "none"

    # Tab to the current question's first button: the question stays current (bar, tint)
    # without the ring, and the ring is on the button.
    moderator.keyboard.press("Tab")
    expect(current.get_by_role("button", name="Approve")).to_be_focused()
    expect(current).to_have_attribute("aria-current", "true")
    only_current = look(f'.qa-question[data-id="{second}"]')
    assert only_current["outline"] == "none"
    assert only_current["bar"] == "rgb(184, 50, 106)"
    ring = moderator.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert ring == "solid"

    # Clicking a question makes it current; the English live region speaks English.
    moderator.locator(f'.qa-question[data-id="{first}"] .qa-text').click()
    expect(moderator.locator(f'.qa-question[data-id="{first}"]')).to_have_attribute(
        "aria-current", "true"
    )
    moderator.keyboard.press("h")
    expect(moderator.locator("[data-qa-announce]")).to_have_text(
        f"Question {first.removeprefix('q')} hidden"
    )
    expect(moderator.locator(f'.qa-question[data-id="{first}"]')).to_have_class(
        "qa-question state-hidden"
    )


def test_the_console_passes_axe_with_a_current_question(browser: Browser, site: Site):
    moderator = window(browser, [])
    console(moderator, site, "en")
    moderator.get_by_role("button", name="Open questions").click()
    for name in ("Hein", "Ida"):
        ask(site, name, f"Question from {name}")
    expect(moderator.locator("[data-qa-list] .qa-question")).to_have_count(2)
    moderator.locator("body").press("j")
    moderator.keyboard.press("s")
    expect(moderator.locator("[data-qa-announce]")).not_to_be_empty()

    violations = Axe().run(moderator).response["violations"]

    serious = [(v["id"], v["impact"]) for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == []


def test_focus_moves_to_the_neighbour_when_its_question_leaves_the_filter(
    browser: Browser, site: Site
):
    moderator = window(browser, [])
    other = window(browser, [])
    console(moderator, site, "en")
    console(other, site, "en")
    moderator.get_by_role("button", name="Open questions").click()
    ids = [ask(site, name, f"Waiting question from {name}") for name in ("Jan", "Kim", "Lex")]
    moderator.get_by_label("Show").select_option("pending")
    expect(moderator.locator("[data-qa-list] .qa-question")).to_have_count(3)
    middle = moderator.locator(f'.qa-question[data-id="{ids[1]}"]')
    middle.get_by_role("button", name="Star").focus()  # focus on one of its buttons

    other.locator(f'.qa-question[data-id="{ids[1]}"]').get_by_role("button", name="Approve").click()

    expect(middle).to_have_count(0)  # approved: no longer awaiting a decision
    expect(moderator.locator(f'.qa-question[data-id="{ids[2]}"]')).to_be_focused()
    expect(moderator.locator(f'.qa-question[data-id="{ids[2]}"]')).to_have_attribute(
        "aria-current", "true"
    )
