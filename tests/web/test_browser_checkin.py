"""The door page `/checkin` in a real chromium on a phone-sized screen, on a real server with
the on-site congress: a typed code and a name search check people in with a big answer, and a
check-in whose answer is lost, or made offline, is sent again and counted once.

Headless chromium on Linux has no BarcodeDetector, so the camera button stays hidden there:
the typed code and the search are what every browser gets. The camera path runs with stand-ins
for the camera and the browser's QR reader (the last test)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser import ZONE, visitor
from tests.conftest import ROOT, SCHEDULES, need_chromium
from tests.factories import bearer
from tests.servers import serve, server_environment

pytestmark = pytest.mark.browser

CONGRESS = SCHEDULES / "jaarcongres-sociaal-werk-2023.toml"
SLUG = "jaarcongres-sociaal-werk-2023"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(var_dir: Path) -> Iterator[str]:
    need_chromium()  # before starting a server nobody would visit
    # --demo moves the congress to today, so it still takes registrations.
    with serve(
        "--programme", str(CONGRESS), "--demo", env={"FESTIVAL_VAR_DIR": str(var_dir)}
    ) as base:
        yield base


@pytest.fixture(scope="module")
def door_link(server: str, var_dir: Path) -> str:
    """The link `festival token create --role checkin` prints, as door staff get it."""
    made = subprocess.run(
        [sys.executable, "-m", "festival", "token", "create", "--role", "checkin",
         "--festival", SLUG, "--label", "deur"],
        env=server_environment({"FESTIVAL_VAR_DIR": str(var_dir), "FESTIVAL_BASE_URL": server}),
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    link = made.stdout.splitlines()[-1]
    assert link.startswith(f"{server}/checkin?token=")
    return link


@pytest.fixture(scope="module")
def door_token(door_link: str) -> str:
    return door_link.split("token=", 1)[1]


def attendee(server: str, name: str, email: str) -> dict[str, Any]:
    """Register on site and return `/api/me` (with the check-in code)."""
    body = {"name": name, "email": email, "consent": True, "mode": "onsite"}
    created = httpx2.post(f"{server}/api/registrations", json=body, trust_env=False)
    assert created.status_code == 201, created.text
    me = httpx2.get(f"{server}/api/me", headers=bearer(created.json()["token"]), trust_env=False)
    found: dict[str, Any] = me.json()
    return found


def check_in(server: str, door_token: str, code: str) -> dict[str, Any]:
    response = httpx2.post(
        f"{server}/api/checkin", json={"code": code}, headers=bearer(door_token), trust_env=False
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.fixture
def door(browser: Browser, door_link: str) -> Iterator[Page]:
    """The door page on a phone, opened from the link `festival token create` prints."""
    phone = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
    with visitor(browser, timezone_id=ZONE, **phone) as page:
        page.goto(door_link)
        yield page


def type_code(page: Page, code: str) -> None:
    page.get_by_label("Code onder de QR-code").fill(code)
    page.get_by_role("button", name="Inchecken", exact=True).click()


def test_a_typed_code_checks_in_with_a_big_answer_and_again_says_when(
    door: Page, server: str, door_token: str
):
    ann = attendee(server, "Ann de Vries", "ann.door@example.org")

    assert door.url == f"{server}/checkin"  # the token left the address
    expect(door.locator("#scan")).to_be_hidden()
    type_code(door, ann["checkin_code"].lower())

    answer = door.locator("#answer")
    expect(door.locator("#verdict")).to_have_text("Welkom!")
    expect(door.locator("#name")).to_have_text("Ann de Vries")
    expect(answer).to_have_attribute("data-kind", "welcome")
    # Big: the name fills the phone's width at a size readable at arm's length.
    assert float(door.locator("#name").evaluate("e => getComputedStyle(e).fontSize")[:-2]) >= 24

    type_code(door, ann["checkin_code"])

    first = check_in(server, door_token, ann["checkin_code"])["checked_in_at"]
    expect(door.locator("#verdict")).to_have_text(f"Al ingecheckt om {first[11:16]}")
    expect(answer).to_have_attribute("data-kind", "again")


def test_an_unknown_code_is_refused_plainly(door: Page):
    type_code(door, "0000-0000-0000")

    expect(door.locator("#verdict")).to_have_text(
        "Onbekende code: niet aangemeld voor dit evenement"
    )
    expect(door.locator("#answer")).to_have_attribute("data-kind", "refused")


def test_a_name_search_finds_the_person_and_checks_them_in(door: Page, server: str):
    attendee(server, "Piet Visser", "piet.door@example.org")

    door.get_by_label("Zoek op naam").fill("visser")
    door.get_by_role("button", name="Zoeken").click()
    door.get_by_role("button", name="Inchecken: Piet Visser").click()

    expect(door.locator("#verdict")).to_have_text("Welkom!")
    expect(door.locator("#name")).to_have_text("Piet Visser")


def test_a_check_in_made_offline_is_sent_when_back_online(door: Page, server: str, door_token: str):
    cas = attendee(server, "Cas Bakker", "cas.door@example.org")

    door.context.set_offline(True)
    type_code(door, cas["checkin_code"])
    expect(door.locator("#pending")).to_have_text(
        "Geen verbinding: 1 check-in wacht en wordt opnieuw verstuurd"
    )
    door.context.set_offline(False)

    expect(door.locator("#verdict")).to_have_text("Welkom!")
    expect(door.locator("#pending")).to_be_hidden()
    assert check_in(server, door_token, cas["checkin_code"])["first"] is False


def test_a_check_in_whose_answer_was_lost_is_sent_again_and_counted_once(
    door: Page, server: str, door_token: str
):
    dee = attendee(server, "Dee Mulder", "dee.door@example.org")
    reached: list[dict[str, Any]] = []

    def lose_the_answer(route: Route) -> None:
        # The request reaches the server and is counted; the connection drops on the way back.
        reached.append(route.fetch().json())
        route.abort("connectionreset")

    door.route("**/api/checkin", lose_the_answer, times=1)
    type_code(door, dee["checkin_code"])
    expect(door.locator("#pending")).to_be_visible()
    door.context.set_offline(True)
    door.context.set_offline(False)  # "online" again: the queue is sent

    expect(door.locator("#pending")).to_be_hidden()
    first_time = reached[0]["checked_in_at"][11:16]
    expect(door.locator("#verdict")).to_have_text(f"Ingecheckt om {first_time}")
    expect(door.locator("#answer")).to_have_attribute("data-kind", "welcome")
    assert reached[0]["first"] is True
    again = check_in(server, door_token, dee["checkin_code"])
    assert (again["first"], again["checked_in_at"]) == (False, reached[0]["checked_in_at"])


# Headless chromium has neither a camera nor BarcodeDetector: stand-ins for the two browser
# parts the scan button uses, a canvas's stream for the camera and a reader that "sees" the
# code held up, so the page's own path from the camera to the answer runs as on a phone.
FAKE_CAMERA = """
window.__heldUp = "";
window.BarcodeDetector = class {
  constructor(options) { window.__formats = options.formats; }
  async detect() { return window.__heldUp ? [{ rawValue: window.__heldUp }] : []; }
};
navigator.mediaDevices.getUserMedia = async () => {
  const canvas = Object.assign(document.createElement("canvas"), { width: 64, height: 64 });
  canvas.getContext("2d").fillRect(0, 0, 64, 64);
  return canvas.captureStream();
};
"""


def test_where_the_browser_reads_qr_codes_the_camera_checks_in(door: Page, server: str):
    eva = attendee(server, "Eva Smit", "eva.door@example.org")
    door.add_init_script(FAKE_CAMERA)
    door.reload()

    door.get_by_role("button", name="QR-code scannen").click()
    expect(door.locator("#camera")).to_be_visible()
    door.evaluate("code => { window.__heldUp = code; }", eva["checkin_code"])

    expect(door.locator("#verdict")).to_have_text("Welkom!")
    expect(door.locator("#name")).to_have_text("Eva Smit")
    assert door.evaluate("window.__formats") == ["qr_code"]
    door.get_by_role("button", name="Stop met scannen").click()
    expect(door.locator("#camera")).to_be_hidden()
