"""Several editions in a real chromium, on a real server: from `/` to another edition at its
own address, registering there with the real form, then a past edition's archive with its
recording and a question answered.

The server holds all four schedules. The reference festival (`--programme --demo`, pinned at
`/`) and the 2023 congress (`festival load --demo`) are moved to today or tomorrow, so both
take registrations; 2016 and 2017 stay in the past, with their archives."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import ZONE, visitor
from tests.conftest import REFERENCE, ROOT, SCHEDULES, need_chromium
from tests.servers import serve, server_environment
from tests.web.test_archive import PLENARY_QUESTIONS, put_questions

pytestmark = pytest.mark.browser

CONGRESS = "jaarcongres-sociaal-werk-2023"
CONGRESS_TITLE = "Jaarcongres Sociaal Werk 2023: NEXT LEVEL!"
CONGRESS_SESSION = "Arbeidsmarkt: werknemers binden en boeien"
HOEZO = "hoezo-sociaal-werk-2017"
HOEZO_TITLE = "Hoe(Zo) Sociaal Werk?!"
ANSWERED = PLENARY_QUESTIONS[0]
# The personal page, with the confirmation a new registration opens it with.
PERSONAL_URL = re.compile(r"/me/[^/?]+(\?lang=nl)?(&registered=1)?$")


def load(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "festival", "load", *args],
        cwd=ROOT,
        env=server_environment(env),
        capture_output=True,
        timeout=60,
        check=True,
    )


@pytest.fixture(scope="module")
def server(var_dir: Path) -> Iterator[str]:
    need_chromium()  # before starting a server nobody would visit
    env = {"FESTIVAL_VAR_DIR": str(var_dir), "FESTIVAL_FESTIVAL": REFERENCE.stem}
    load(env, str(SCHEDULES / "kus-themabijeenkomst-2016.toml"))
    load(env, str(SCHEDULES / f"{HOEZO}.toml"))
    load(env, "--demo", str(SCHEDULES / f"{CONGRESS}.toml"))
    database = f"sqlite+aiosqlite:///{var_dir / 'festival.db'}"
    asyncio.run(put_questions(database, HOEZO, "plenary", PLENARY_QUESTIONS))
    with serve("--programme", str(REFERENCE), "--demo", env=env) as base:
        yield base


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A Dutch visitor in Amsterdam."""
    with visitor(browser, locale="nl-NL", timezone_id=ZONE) as page:
        yield page


# `server` before `page`: the server's questions are put in with asyncio, which cannot run
# once Playwright's loop runs in this thread.
def test_from_the_front_page_to_an_edition_registering_there_then_an_archive(
    server: str, page: Page
) -> None:
    page.goto(f"{server}/")
    editions = page.get_by_role("region", name="Andere edities")
    expect(editions.get_by_role("link", name=HOEZO_TITLE)).to_be_visible()
    expect(editions.get_by_role("link", name=CONGRESS_TITLE)).to_be_visible()

    editions.get_by_role("link", name=CONGRESS_TITLE).click()
    expect(page).to_have_url(re.compile(rf"/{CONGRESS}/\?lang=nl$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(CONGRESS_TITLE)
    page.get_by_role("link", name="Aanmelden").click()
    page.get_by_label("Naam", exact=True).fill("Ida Koster")
    page.get_by_label("E-mailadres", exact=True).fill("ida@example.org")
    page.get_by_role("group", name="Deelsessies").get_by_label(CONGRESS_SESSION).check()
    page.get_by_label("Ik geef toestemming").check()
    page.get_by_role("button", name="Aanmelden").click()
    expect(page).to_have_url(PERSONAL_URL)
    expect(page.get_by_role("main")).to_contain_text(CONGRESS_SESSION)

    page.goto(f"{server}/")
    page.get_by_role("region", name="Andere edities").get_by_role("link", name=HOEZO_TITLE).click()
    expect(page).to_have_url(re.compile(rf"/{HOEZO}/\?lang=nl$"))
    archive = page.get_by_role("region", name="Archief")
    expect(archive.get_by_role("link", name="Opname")).to_have_attribute(
        "href", "https://video.example.org/hoezo-sociaal-werk-2017"
    )
    plenary = page.get_by_role("region", name="Plenaire lezingen")
    answered = plenary.get_by_role("listitem").filter(has_text=ANSWERED.text)
    expect(answered).to_contain_text("aan Eelke Blokker · gesteld door Ann de Vries")
    expect(plenary).not_to_contain_text(PLENARY_QUESTIONS[3].text)  # hidden


def test_a_past_edition_s_archive_in_english(server: str, page: Page) -> None:
    page.goto(f"{server}/{HOEZO}/archive?lang=en")

    expect(page.get_by_role("region", name="Archive")).to_contain_text("Report")
    expect(page.get_by_role("region", name="Plenaire lezingen")).to_contain_text(
        "Questions answered"
    )
    expect(page.get_by_text("asked anonymously")).to_be_visible()
