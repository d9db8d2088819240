"""The whole Q&A in real chromium windows: an attendee asks, a moderator sees it at once and
approves it, the attendee sees it published and votes, the moderator puts it on air and the
overlay shows it — all without reloading, and the question's markup stays text."""

from __future__ import annotations

import os
import re

import httpx2
import pytest
from playwright.sync_api import Browser, expect

from tests.browser import TIMEOUT_MS, window
from tests.conftest import ROOT
from tests.live.conftest import Site

pytestmark = pytest.mark.browser

# FESTIVAL_SCREENSHOTS=1 also saves the moderator console for the docs.
TAKE_SCREENSHOTS = os.environ.get("FESTIVAL_SCREENSHOTS", "") == "1"
SCREENSHOT = ROOT / "docs" / "screenshot-moderator.png"

QUESTION = '<img src=x onerror="alert(1)"> Wat kan de wijk zelf doen?'


def test_ask_approve_vote_pick_and_the_overlay_follows(browser: Browser, site: Site):
    dialogs: list[str] = []
    moderator = window(browser, dialogs)
    attendee = window(browser, dialogs)
    overlay = window(browser, dialogs)
    token = site.register("Anna de Vries")

    attendee.goto(f"{site.base}/me/{token}/questions/plenary")
    send = attendee.get_by_role("button", name="Verstuur")
    # Questions are still closed: the whole form is out of use and says when they open (the
    # demo's plenary starts at 13:30, in the viewer's zone here as in the festival's).
    expect(send).to_be_disabled()
    expect(attendee.get_by_label("Je vraag")).to_be_disabled()
    expect(attendee.get_by_label("Je vraag")).to_have_accessible_description(
        re.compile(
            r"^Vragen stellen is nog gesloten; het kan vanaf \w+dag \d+ \w+ \d{4}.* 13:30\.$"
        )
    )
    expect(attendee.locator("[data-qa-list]")).to_have_text("Nog geen vragen.")

    moderator.goto(f"{site.base}/moderate/plenary?token={site.role_token('moderator', 'plenary')}")
    moderator.get_by_role("button", name="Vragen openen").click()
    expect(moderator.locator("[data-qa-status]")).to_have_text("Vragen stellen kan nu.")
    missing: list[str] = []  # e.g. a favicon asked for and not found
    overlay.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    overlay.goto(f"{site.base}/overlay/plenary")
    expect(overlay.locator("[data-qa-on-air]")).to_be_hidden()

    expect(attendee.locator("[data-qa-status]")).to_have_text("Vragen stellen kan nu.")
    expect(send).to_be_enabled()
    expect(attendee.get_by_label("Je vraag")).to_be_enabled()
    attendee.get_by_label("Je vraag").fill("   ")  # only spaces: refused, in the page's language
    send.click()
    expect(attendee.locator("[data-qa-error]")).to_have_text("Typ eerst je vraag.")
    attendee.get_by_label("Je vraag").fill(QUESTION)
    attendee.get_by_label("Aan").select_option("Monique Kremer")
    send.click()
    expect(attendee.locator("[data-qa-sent]")).to_be_visible()
    expect(attendee.locator("[data-qa-error]")).to_be_hidden()
    mine = attendee.locator(".qa-question", has_text="Wat kan de wijk zelf doen?")
    expect(mine).to_contain_text("wacht op moderatie")
    expect(mine.locator(".qa-text")).to_have_text(QUESTION)

    incoming = moderator.locator(".qa-question", has_text="Wat kan de wijk zelf doen?")
    # The name is isolated (FSI … PDI): a right-to-left name cannot reorder the line.
    expect(incoming).to_contain_text("\u2068Anna de Vries\u2069")
    expect(incoming).to_contain_text("aan Monique Kremer")
    incoming.get_by_role("button", name="Goedkeuren").click()

    expect(mine).not_to_contain_text("wacht op moderatie")
    mine.get_by_role("button", name="Stem").click()
    expect(mine).to_contain_text("1 stem")
    expect(mine).not_to_contain_text("1 stemmen")
    expect(incoming).to_contain_text("1 stem")

    if TAKE_SCREENSHOTS:
        moderator.set_viewport_size({"width": 1100, "height": 700})
        moderator.screenshot(path=str(SCREENSHOT))
    incoming.get_by_role("button", name="Naar het panel").click()
    card = overlay.locator("[data-qa-on-air]")
    expect(card).to_be_visible()
    expect(overlay.locator("[data-qa-on-air-text]")).to_have_text(QUESTION)
    expect(overlay.locator("bdi[data-qa-on-air-asker]")).to_have_text("Anna de Vries")
    expect(overlay.locator("[data-qa-on-air-speaker]")).to_contain_text("Monique Kremer")
    expect(mine).to_contain_text("Nu aan het panel")

    # Keyboard: "d" marks the selected (on-air) question answered; the overlay clears.
    moderator.locator("body").press("d")
    expect(card).to_be_hidden()
    assert overlay.locator("img").count() == 0
    assert dialogs == []
    assert missing == []


def test_the_page_works_without_javascript(browser: Browser, site: Site):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    token = site.register("Bram")
    mod_token = site.role_token("moderator", "plenary")
    page.request.post(
        f"{site.base}/api/channels/plenary/actions",
        data={"type": "moderate", "action": "open"},
        headers={"Authorization": f"Bearer {mod_token}"},
    )
    page.goto(f"{site.base}/me/{token}/questions/plenary?lang=en")
    page.get_by_label("Your question").fill("Zonder JavaScript?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status").first).to_be_visible()
    expect(page.locator(".qa-question", has_text="Zonder JavaScript?")).to_contain_text(
        "awaiting moderation"
    )
    context.close()


def test_a_moderator_on_a_phone_sees_questions_arrive_and_approves_them(
    browser: Browser, site: Site
):
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="en-GB"
    )
    phone.set_default_timeout(TIMEOUT_MS)
    moderator = phone.new_page()
    moderator.goto(
        f"{site.base}/moderate/plenary?lang=en&token={site.role_token('moderator', 'plenary')}"
    )
    moderator.get_by_role("button", name="Open questions").tap()
    expect(moderator.locator("[data-qa-status]")).to_have_text("Questions are open.")

    token = site.register("Cor")
    site_reply = httpx2.post(
        f"{site.base}/api/channels/plenary/actions",
        json={"type": "ask", "text": "Vanuit de zaal: hoe nu verder?"},
        headers={"Authorization": f"Bearer {token}"},
        trust_env=False,
    )
    assert site_reply.status_code == 201
    question = moderator.locator(".qa-question", has_text="hoe nu verder?")
    approve = question.get_by_role("button", name="Approve")
    expect(approve).to_be_in_viewport()
    box = approve.bounding_box()
    assert box is not None
    assert box["height"] >= 36  # a finger, not a mouse pointer
    approve.tap()
    expect(question).not_to_contain_text("new")
    # The page fits the phone: nothing wider than the screen.
    assert moderator.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()


def test_keyboard_triage_moves_on_to_the_next_waiting_question(browser: Browser, site: Site):
    dialogs: list[str] = []
    moderator = window(browser, dialogs)
    moderator.goto(f"{site.base}/moderate/plenary?token={site.role_token('moderator', 'plenary')}")
    moderator.get_by_role("button", name="Vragen openen").click()
    expect(moderator.locator("[data-qa-status]")).to_have_text("Vragen stellen kan nu.")
    for n, name in enumerate(("Dina", "Eef", "Fenna")):
        reply = httpx2.post(
            f"{site.base}/api/channels/plenary/actions",
            json={"type": "ask", "text": f"Vraag nummer {n + 1}"},
            headers={"Authorization": f"Bearer {site.register(name)}"},
            trust_env=False,
        )
        assert reply.status_code == 201
    expect(moderator.locator(".qa-question.state-pending")).to_have_count(3)

    for key in ("a", "h", "a"):  # approve, hide, approve: each moves on to the next
        before = moderator.locator(".qa-question.state-pending").count()
        moderator.locator("body").press(key)
        expect(moderator.locator(".qa-question.state-pending")).to_have_count(before - 1)

    expect(moderator.locator(".qa-question.state-approved")).to_have_count(2)
    expect(moderator.locator(".qa-question.state-hidden")).to_have_count(1)
    assert dialogs == []


def test_a_moderator_note_is_for_moderators_only(browser: Browser, site: Site):
    moderator = browser.new_context(locale="nl-NL").new_page()
    moderator.set_default_timeout(TIMEOUT_MS)
    note = '<b onmouseover="alert(1)">na de pauze</b>'
    moderator.on("dialog", lambda dialog: dialog.accept(note))  # the note's prompt
    dialogs: list[str] = []
    other = window(browser, dialogs)
    attendee = window(browser, dialogs)
    link = f"{site.base}/moderate/plenary?token={site.role_token('moderator', 'plenary')}"
    moderator.goto(link)
    other.goto(link)
    moderator.get_by_role("button", name="Vragen openen").click()
    token = site.register("Gijs")
    attendee.goto(f"{site.base}/me/{token}/questions/plenary")
    attendee.get_by_label("Je vraag").fill("Wanneer is de pauze?")
    attendee.get_by_role("button", name="Verstuur").click()

    question = moderator.locator(".qa-question", has_text="Wanneer is de pauze?")
    question.get_by_role("button", name="Goedkeuren").click()
    question.get_by_role("button", name="Notitie").click()

    for page in (moderator, other):  # every moderator sees it at once, as text
        seen = page.locator(".qa-question", has_text="Wanneer is de pauze?").locator(".qa-note")
        expect(seen).to_have_text(f"Notitie: {note}")
        expect(seen.locator("b")).to_have_count(0)
    mine = attendee.locator(".qa-question", has_text="Wanneer is de pauze?")
    expect(mine).not_to_contain_text("wacht op moderatie")
    expect(mine).not_to_contain_text("na de pauze")
    assert dialogs == []
