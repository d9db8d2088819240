"""A live poll in real chromium windows: the moderator opens it from the console, an attendee
answers by keyboard and changes the answer, the counts reach the console and the overlay,
the moderator takes it off the screen and closes it, and the attendee sees the result."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import window
from tests.live.conftest import Site

pytestmark = pytest.mark.browser

QUESTION = "<b>Waar</b> praten we na de pauze over?"


def test_open_answer_change_show_and_close_a_poll(browser: Browser, site: Site):
    dialogs: list[str] = []
    moderator = window(browser, dialogs)
    attendee = window(browser, dialogs)
    overlay = window(browser, dialogs)
    panel = window(browser, dialogs)
    token = site.register("Anna de Vries")
    attendee.goto(f"{site.base}/me/{token}/questions/plenary")
    overlay.goto(f"{site.base}/overlay/plenary")
    panel.goto(f"{site.base}/panel/plenary")
    expect(overlay.locator("[data-qa-poll]")).to_be_hidden()
    expect(panel.locator("[data-qa-poll]")).to_be_hidden()

    moderator.goto(f"{site.base}/moderate/plenary?token={site.role_token('moderator', 'plenary')}")
    moderator.get_by_label("Vraag (max. 200 tekens)").fill(QUESTION)
    moderator.get_by_label("Antwoorden, één per regel").fill("Wonen\nZorg\n\nWerk")
    moderator.get_by_role("button", name="Start peiling").click()

    poll = attendee.locator("[data-qa-poll]")
    expect(poll.locator("legend")).to_have_text(QUESTION)  # markup stays text
    expect(poll.locator(".poll-results")).to_have_count(0)  # counts only after answering
    # By keyboard: into the radio group, arrows choose, Enter sends the form.
    poll.get_by_role("radio", name="Wonen").focus()
    attendee.keyboard.press("ArrowDown")
    expect(poll.get_by_role("radio", name="Zorg")).to_be_checked()
    attendee.keyboard.press("Enter")
    expect(poll.locator(".poll-result").nth(1)).to_contain_text("Zorg (jouw antwoord)")
    expect(poll.locator(".poll-total")).to_have_text("1 antwoord")
    console = moderator.locator("[data-qa-poll]")
    expect(console.locator(".poll-result").nth(1)).to_contain_text("1 · 100%")
    expect(overlay.locator("[data-qa-poll] .poll-question")).to_have_text(QUESTION)
    expect(panel.locator("[data-qa-poll] .poll-result").nth(1)).to_contain_text("1 · 100%")

    poll.get_by_role("radio", name="Werk").check()
    poll.get_by_role("button", name="Wijzig antwoord").click()
    expect(poll.locator(".poll-result").nth(2)).to_contain_text("Werk (jouw antwoord)")
    expect(console.locator(".poll-result").nth(2)).to_contain_text("1 · 100%")
    expect(overlay.locator("[data-qa-poll] .poll-result").nth(1)).to_contain_text("0 · 0%")

    console.get_by_role("button", name="Haal van scherm").click()
    expect(overlay.locator("[data-qa-poll]")).to_be_hidden()
    expect(panel.locator("[data-qa-poll]")).to_be_hidden()
    console.get_by_role("button", name="Sluit peiling").click()
    expect(poll.locator(".poll-heading")).to_have_text("Uitslag")
    expect(poll.get_by_role("radio")).to_have_count(0)
    expect(poll.locator(".poll-result").nth(2)).to_contain_text("1 · 100%")
    console.get_by_role("button", name="Toon op scherm").click()
    expect(overlay.locator("[data-qa-poll] .poll-heading")).to_have_text("Uitslag")
    assert dialogs == []
