"""Registering and managing one's registration in a real chromium, on a real server.

The server runs the 2020 reference programme with `--demo`, which moves the festival to
today (tomorrow once today's programme has begun): registering for a round is refused once
the round has started, so the 2020 date itself would refuse every choice.

Set FESTIVAL_SCREENSHOTS=1 to also save docs/screenshot-personal-page.png.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser import ZONE
from tests.conftest import REFERENCE, ROOT, need_chromium
from tests.servers import serve

pytestmark = pytest.mark.browser

SCREENSHOT = ROOT / "docs" / "screenshot-personal-page.png"
TAKE_SCREENSHOTS = os.environ.get("FESTIVAL_SCREENSHOTS", "") == "1"

ROUND_1 = "Huiskamersessies ronde 1"
ROUND_2 = "Huiskamersessies ronde 2"
SESSION_1 = "Huiskamer 3: Burgerplatform als partner van sociaal werker"
OTHER_SESSION_1 = "Huiskamer 4: Solidariteit op de Kennis & Onderzoeksagenda?"
SESSION_2 = "Huiskamer 8: Solidariteit tussen generaties: Samenkracht in wijken"
PERSONAL_URL = re.compile(r"/me/[^/?]+(\?lang=nl(&registered=1)?)?$")

# Ronde 1 starts at 10:30; its join link appears 15 minutes earlier. From 10:30 on the demo
# festival is tomorrow's, so only between 10:15 and 10:30 is the link already there.
LINK_FROM = time(10, 15)
ROUND_1_START = time(10, 30)


@pytest.fixture(scope="module")
def server(var_dir: Path) -> Iterator[str]:
    """One server for the module; every test registers its own e-mail address."""
    need_chromium()  # before starting a server nobody would visit
    with serve(
        "--programme", str(REFERENCE), "--demo", env={"FESTIVAL_VAR_DIR": str(var_dir)}
    ) as base:
        yield base


def unique_email() -> str:
    return f"test-{uuid.uuid4().hex[:12]}@example.org"


def fill_details(page: Page, name: str, email: str, organisation: str = "") -> None:
    page.get_by_label("Naam", exact=True).fill(name)
    page.get_by_label("E-mailadres", exact=True).fill(email)
    page.get_by_label("Organisatie (optioneel)").fill(organisation)


def choose(page: Page, round_title: str, session_title: str) -> None:
    """Tick a session's radio button by its label, inside its round's fieldset."""
    page.get_by_role("group", name=round_title).get_by_label(session_title).check()


def register(page: Page, server: str, name: str, email: str) -> None:
    """Register on /register with a session in each round; the browser ends on /me/…."""
    page.goto(f"{server}/register")
    fill_details(page, name, email)
    choose(page, ROUND_1, SESSION_1)
    choose(page, ROUND_2, SESSION_2)
    page.get_by_label("Ik geef toestemming").check()
    page.get_by_role("button", name="Aanmelden").click()
    expect(page).to_have_url(PERSONAL_URL)


def link_already_shown() -> bool:
    """Whether the demo festival is today and ronde 1's join link is already there."""
    now = datetime.now(ZoneInfo(ZONE)).time()
    return LINK_FROM <= now < ROUND_1_START


def test_registration_from_programme_lands_on_personal_page(page: Page, server: str) -> None:
    page.goto(f"{server}/")
    page.get_by_role("link", name="Aanmelden").click()
    expect(page).to_have_url(re.compile(r"/register\?"))
    email = unique_email()
    fill_details(page, "Anna de Vries", email, "Buurtteam Noord")
    choose(page, ROUND_1, SESSION_1)
    choose(page, ROUND_2, SESSION_2)
    page.get_by_label("Ik geef toestemming").check()

    page.get_by_role("button", name="Aanmelden").click()

    expect(page).to_have_url(PERSONAL_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hallo Anna de Vries")
    # The confirmation comes first, with focus: what was done, and where the link is.
    confirmation = page.get_by_role("status").filter(has_text="Je bent aangemeld")
    expect(confirmation.get_by_role("heading", name="Je bent aangemeld")).to_be_focused()
    expect(confirmation.get_by_role("listitem")).to_have_text(
        [f"{SESSION_1}: plaats bevestigd", f"{SESSION_2}: plaats bevestigd"]
    )
    expect(confirmation).to_contain_text(f"Kijk in je mail ({email}) voor je persoonlijke link")
    round_1 = page.locator("#round-ronde-1")
    round_2 = page.locator("#round-ronde-2")
    expect(round_1.locator(".my-session")).to_contain_text(SESSION_1)
    expect(round_1.locator(".my-session")).to_contain_text("plaats bevestigd")
    expect(round_2.locator(".my-session")).to_contain_text(SESSION_2)
    expect(round_2.locator(".my-session")).to_contain_text("plaats bevestigd")
    if link_already_shown():
        expect(round_1.get_by_role("link", name="Nu meedoen")).to_be_visible()
    else:
        expect(round_1.locator(".countdown")).to_contain_text("De link opent om 10:15")
    expect(round_2.locator(".countdown")).to_contain_text("De link opent om 11:45")
    if TAKE_SCREENSHOTS:
        page.screenshot(path=SCREENSHOT, full_page=True)


def test_registration_invalid_email_without_consent_shows_dutch_errors(
    page: Page, server: str
) -> None:
    page.goto(f"{server}/register")
    fill_details(page, "Bram Jansen", "bram-at-example.org")

    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Aanmelden").click()

    assert posted.value.status == 422
    expect(page).to_have_url(re.compile(r"/register\?"))
    # The summary comes first and has focus; each line links to its field.
    summary = page.get_by_role("region", name="Er ging iets mis bij 2 velden")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Verbeter de gemarkeerde velden.")
    expect(summary.get_by_role("link")).to_have_text(
        [
            "E-mailadres: Dit is geen geldig e-mailadres.",
            "Toestemming: Geef toestemming voor het gebruik van je gegevens.",
        ]
    )
    summary.get_by_role("link", name="E-mailadres: Dit is geen geldig e-mailadres.").click()
    expect(page.get_by_label("E-mailadres", exact=True)).to_be_focused()
    email = page.get_by_label("E-mailadres", exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description("Dit is geen geldig e-mailadres.")
    expect(page.locator("#email-error")).to_be_visible()
    consent = page.get_by_label("Ik geef toestemming")
    expect(consent).not_to_be_checked()
    expect(consent).to_have_accessible_description(
        "Geef toestemming voor het gebruik van je gegevens."
    )
    expect(page.locator("#consent-error")).to_be_visible()
    expect(page.get_by_label("Naam", exact=True)).to_have_value("Bram Jansen")
    expect(page.get_by_label("E-mailadres", exact=True)).to_have_value("bram-at-example.org")


def test_registration_in_english_labels_and_errors_english(page: Page, server: str) -> None:
    page.goto(f"{server}/register?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Name", exact=True).fill("Chris Smith")
    page.get_by_label("E-mail address", exact=True).fill("chris@")

    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Register").click()

    assert posted.value.status == 422
    expect(page.get_by_role("heading", level=1)).to_have_text("Register")
    summary = page.get_by_role("region", name="There are problems with 2 fields")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Please correct the marked fields.")
    expect(page.get_by_label("Organisation (optional)")).to_be_visible()
    expect(page.get_by_label("E-mail address", exact=True)).to_have_accessible_description(
        "This is not a valid e-mail address."
    )
    expect(page.get_by_label("I agree")).to_have_accessible_description(
        "Please agree to the use of your data."
    )
    expect(page.get_by_role("group", name=ROUND_1).get_by_label("No session")).to_be_checked()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Chris Smith")


def test_personal_page_change_then_delete_closes_link(page: Page, server: str) -> None:
    register(page, server, "Dirk Bakker", unique_email())
    personal_url = page.url
    round_1 = page.locator("#round-ronde-1")

    round_1.get_by_label("Andere keuze").select_option(label=OTHER_SESSION_1)
    round_1.get_by_role("button", name="Opslaan").click()

    expect(round_1.locator(".my-session")).to_contain_text(OTHER_SESSION_1)
    expect(round_1.locator(".my-session")).to_contain_text("plaats bevestigd")
    expect(round_1.get_by_label("Andere keuze")).to_have_value("huiskamer-4")

    page.get_by_label("Ja, meld mij af en wis mijn gegevens").check()
    page.get_by_role("button", name="Afmelden en wissen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Je bent afgemeld")
    response = page.goto(personal_url)
    assert response is not None
    assert response.status == 401
    expect(page.get_by_role("heading", level=1)).to_have_text("Geen toegang")


def test_personal_page_script_in_name_shown_as_text(page: Page, server: str) -> None:
    dialogs: list[str] = []

    def remember(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", remember)
    name = "<img src=x onerror=alert(1)>"

    register(page, server, name, unique_email())

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hallo {name}")
    expect(page.locator("main")).to_contain_text(f"{name} · ")
    expect(page.locator("main img")).to_have_count(0)
    page.wait_for_load_state("load")  # an injected image would have failed to load by now
    assert dialogs == []


def test_registered_in_english_confirmed_and_one_change_control_per_round(
    page: Page, server: str
) -> None:
    email = unique_email()
    page.goto(f"{server}/register?lang=en")
    page.get_by_label("Name", exact=True).fill("Eva Bos")
    page.get_by_label("E-mail address", exact=True).fill(email)
    page.get_by_role("group", name=ROUND_1).get_by_label(SESSION_1).check()
    page.get_by_label("I agree").check()

    page.get_by_role("button", name="Register").click()

    confirmation = page.get_by_role("status").filter(has_text="You are registered")
    expect(confirmation.get_by_role("heading", name="You are registered")).to_be_focused()
    expect(confirmation.get_by_role("listitem")).to_have_text([f"{SESSION_1}: place confirmed"])
    expect(confirmation).to_contain_text(f"Check your mail ({email}) for your personal link")
    # A round with a place and one without offer the very same control to change it.
    forms = page.locator("form.change")
    expect(forms).to_have_count(2)
    # Every control of each form: its tag, class, type and words (a select's are its sessions).
    shapes = forms.evaluate_all(
        """forms => forms.map(form => [...form.querySelectorAll("label, select, button")].map(
            e => [e.tagName, e.className, e.type ?? "",
                  e.tagName === "SELECT" ? "" : e.textContent]))"""
    )
    assert (
        shapes[0]
        == shapes[1]
        == [
            ["LABEL", "", "", "Change choice"],
            ["SELECT", "", "select-one", ""],
            ["BUTTON", "button", "submit", "Save"],
        ]
    )
