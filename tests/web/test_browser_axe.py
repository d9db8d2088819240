"""axe-core on every page a user can reach, in Dutch and English, on a laptop and a phone
screen: no serious or critical violation anywhere (issue 14, WCAG 2.2 AA).

One server holds three festivals (tests/web/three_festivals.py). One chromium, one browser
context per screen size, one page per context visiting every address; the violations are
collected and the failure names page, language, size, rule and element.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser import TIMEOUT_MS, ZONE
from tests.conftest import need_chromium
from tests.web.three_festivals import (
    CONGRESS_SLUG,
    ON_AIR_SLUG,
    SLUG,
    TABLES_SLUG,
    VOTE,
    Site,
    three_festivals,
)

pytestmark = pytest.mark.browser

SIZES = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
LANGUAGES = ("nl", "en")
BLOCKING = ("serious", "critical")

# A page reached by an address, or by an action in the browser (a form sent) from one:
# visit(page, base, lang).
Visit = Callable[[Page, str, str], None]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    need_chromium()  # before starting a server nobody would visit
    with three_festivals(tmp_path_factory.mktemp("axe")) as site:
        yield site


def with_language(address: str, lang: str) -> str:
    return address + ("&" if "?" in address else "?") + f"lang={lang}"


def goto(address: str, status: int = 200) -> Visit:
    """The page at `address`, which must answer `status` (an error page is one on purpose)."""

    def visit(page: Page, base: str, lang: str) -> None:
        response = page.goto(base + with_language(address, lang))
        assert response is not None
        assert response.status == status, f"{address}: {response.status}"

    return visit


def signed_out(address: str, status: int) -> Visit:
    """`address` in a browser that has forgotten every token it was given (cookies)."""
    shown = goto(address, status)

    def visit(page: Page, base: str, lang: str) -> None:
        page.context.clear_cookies()
        shown(page, base, lang)

    return visit


def failed_registration(page: Page, base: str, lang: str) -> None:
    page.goto(f"{base}/register?lang={lang}")
    page.locator("form.register button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()


def deleted(site: Site) -> Visit:
    def visit(page: Page, base: str, lang: str) -> None:
        page.goto(f"{base}/me/{site.register('Wis')}?lang={lang}")  # a new attendee every time
        page.locator("form.danger input[name=confirm]").check()
        page.locator("form.danger button[type=submit]").click()
        expect(page.locator("form.danger")).to_have_count(0)

    return visit


def voted_by_email(site: Site) -> Visit:
    """The public vote's form sent with a new address: the page asks to follow the mail."""

    def visit(page: Page, base: str, lang: str) -> None:
        page.goto(f"{base}/{CONGRESS_SLUG}/vote/{VOTE}?lang={lang}")
        page.locator("form.vote-form input[name=nominee]").first.check()
        page.locator("#vote-email").fill(f"stemmer{next(site.numbers)}@example.org")
        page.locator("form.vote-form button[type=submit]").click()
        expect(page.locator(".notice[role=status]")).to_be_visible()

    return visit


def voted_in_person(site: Site) -> Visit:
    """A registered attendee's vote from their personal vote page: counted at once."""

    def visit(page: Page, base: str, lang: str) -> None:
        attendee = site.register("Stem", CONGRESS_SLUG, mode="onsite")
        page.goto(f"{base}/me/{attendee}/vote/{VOTE}?lang={lang}")
        page.locator(".nominee form button[type=submit]").first.click()
        expect(page.locator(".vote-mine")).to_be_visible()

    return visit


def vote_confirmation(site: Site, *, confirm: bool) -> Visit:
    """A public ballot by e-mail, then the page its mailed link opens (and, with `confirm`,
    the page after its button counted the vote)."""

    def visit(page: Page, base: str, lang: str) -> None:
        email = f"bevestig{next(site.numbers)}@example.org"
        site.ballot(email, lang)
        text = site.mailed(email).get_body(("plain",))
        assert text is not None
        link = re.search(r"/vote/confirm/[0-9a-f]{64}", text.get_content())
        assert link is not None
        goto(link.group())(page, base, lang)
        if confirm:
            page.locator(".vote-confirm form button[type=submit]").click()
            expect(page.locator(".vote-confirm .notice[role=status]")).to_be_visible()

    return visit


def the_pages(site: Site) -> dict[str, Visit]:
    """Every page, by a name for the failure message, with its state set up."""
    me = site.register("Ann", choices={"ronde-1": "huiskamer-1"})
    nobody = site.register("Bob")
    moderator = site.token("moderator")
    host = site.token("host")
    presenter = site.token("presenter")
    admin = site.token("admin")
    door = site.token("checkin", CONGRESS_SLUG)
    site.moderate(moderator, "open")
    site.moderate(moderator, "approve", site.ask(me, "Wat betekent dit voor de wijk?"))
    site.ask(site.register("Cas"), "Nog een vraag")
    mail = site.mail("Welkom, Ann")
    congress = site.register("Dirk", CONGRESS_SLUG, mode="onsite")
    # One festival's plenary is live with its first block running (the reference day's is
    # not yet): the pages that follow the show are seen in both states.
    on_air = site.register("Fem", ON_AIR_SLUG)
    live_host = site.token("host", ON_AIR_SLUG)
    for action in ({"action": "live"}, {"action": "start", "block_id": "start-plenair"}):
        started = site.post("/api/show/actions", live_host, {"type": "host", **action})
        assert started.json()["type"] == "ack", started.text
    tables = site.register("Eva", TABLES_SLUG, mode="onsite")
    return {
        "programme": goto("/"),
        "programme (congress)": goto(f"/{CONGRESS_SLUG}/"),
        "programme, live": goto(f"/{ON_AIR_SLUG}/"),
        "personal page, live": goto(f"/me/{on_air}"),
        "questions, live": goto(f"/me/{on_air}/questions/plenary"),
        "register": goto("/register"),
        "register, failed": failed_registration,
        "personal page": goto(f"/me/{me}"),
        "personal page without places": goto(f"/me/{nobody}"),
        "reconfirm": goto(f"/me/{me}/reconfirm"),
        "release": goto(f"/me/{me}/release/huiskamer-1"),
        "deleted": deleted(site),
        "join, session not open yet": goto(f"/join/{me}/huiskamer-1"),
        "join, no place": goto(f"/join/{nobody}/huiskamer-1", 403),
        "join, plenary": goto(f"/join/{me}/plenary"),
        "questions": goto(f"/me/{me}/questions/plenary"),
        "questions, asked": goto(f"/me/{me}/questions/plenary?asked=1"),
        "panel": goto("/panel/plenary"),
        "overlay": goto("/overlay/plenary"),
        "moderator index": goto(f"/moderate?token={moderator}"),
        "moderator console": goto(f"/moderate/plenary?token={moderator}"),
        "host console": goto(f"/host?token={host}"),
        "presenter": goto(f"/presenter?token={presenter}"),
        "admin": goto(f"/admin?token={admin}"),
        "admin mail": goto(f"/admin/mail/{mail}?festival={SLUG}&token={admin}"),
        "admin report": goto(f"/admin/report?token={admin}"),
        "archive": goto("/archive"),
        "certificate check, not valid": goto("/certificates/ABCD-EFGH-JKLM", 404),
        "vote": goto(f"/{CONGRESS_SLUG}/vote/{VOTE}"),
        "vote, personal": goto(f"/me/{congress}/vote/{VOTE}"),
        "vote, counted": voted_in_person(site),
        "vote, sent by e-mail": voted_by_email(site),
        "vote confirmation": vote_confirmation(site, confirm=False),
        "vote confirmed": vote_confirmation(site, confirm=True),
        "vote confirmation, bad link": goto("/vote/confirm/" + "0" * 64, 404),
        "vote overlay": goto(f"/overlay/vote/{VOTE}?festival={CONGRESS_SLUG}"),
        "door": goto(f"/checkin?token={door}"),
        "proposals": goto(f"/me/{tables}/proposals"),
        "not found": goto("/nowhere", 404),
        "unauthorised": signed_out("/admin", 401),
        "forbidden": signed_out(f"/admin?token={moderator}", 403),
    }


def violations_on(page: Page) -> list[str]:
    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}) at {', '.join(str(n['target']) for n in v['nodes'])}"
        for v in found
        if v["impact"] in BLOCKING
    ]


@pytest.fixture(scope="module")
def pages(site: Site) -> dict[str, Visit]:
    return the_pages(site)


@pytest.fixture(scope="module", params=list(SIZES))
def screen(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """One page on a screen of a size, for both languages' tests (its context stays open)."""
    context = browser.new_context(viewport=SIZES[request.param], timezone_id=ZONE)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


# A test per screen size and language: each stays well within the suite's per-test timeout.
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_passes_axe(screen: Page, lang: str, site: Site, pages: dict[str, Visit]):
    size = next(name for name, v in SIZES.items() if v == screen.viewport_size)
    problems: list[str] = []
    for name, visit in pages.items():
        visit(screen, site.base, lang)
        expect(screen.locator("html")).to_have_attribute("lang", lang)
        problems += [f"{name} [{lang}, {size}]: {v}" for v in violations_on(screen)]
    assert problems == [], "\n".join(problems)
