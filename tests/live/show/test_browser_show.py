"""The run-of-show in real chromium windows against a real server: the host goes live, starts
and extends a block with the console's buttons and shortcuts, and the presenter view, an
attendee's personal page and the public programme follow without reloading; the rooms of a
running round get the hosts' message and their warning before they close."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import visitor, window
from tests.conftest import REFERENCE
from tests.live.conftest import Site, sqlite_env
from tests.servers import serve

pytestmark = pytest.mark.browser

MARKUP = '<img src=x onerror="alert(1)"> afronden'


def minutes_of(text: str | None) -> int:
    """The delay a page shows: "loopt 7 minuten voor", or in hours the day before."""
    found = re.search(r"loopt (?:(\d+) uur ?)?(?:(\d+) minu(?:ut|ten))? (?:uit|voor)", text or "")
    assert found is not None, text
    return int(found.group(1) or 0) * 60 + int(found.group(2) or 0)


def test_host_starts_and_extends_and_every_screen_follows(browser: Browser, site: Site):
    dialogs: list[str] = []
    host = window(browser, dialogs)
    presenter = window(browser, dialogs)
    attendee = window(browser, dialogs)
    public = window(browser, dialogs)
    host.goto(f"{site.base}/host?token={site.role_token('host')}")
    presenter.goto(f"{site.base}/presenter?token={site.role_token('presenter')}")
    anna = site.register("Anna")
    attendee.goto(f"{site.base}/me/{anna}")
    public.goto(f"{site.base}/")
    expect(host.locator("#live-state")).to_have_text("nog niet live")
    expect(presenter.locator("#current-title")).to_have_text("Wacht op de start")
    expect(attendee.locator("#show-stream")).to_be_hidden()

    expect(host.locator("#rehearsal")).to_be_hidden()
    host.get_by_role("button", name="Ga live").click()
    expect(host.locator("#live-state")).to_have_text("nu live")
    # On the day the plenary is within the hour: the real show, which cannot be started over.
    expect(host.locator("#rehearsal")).to_be_hidden()
    expect(host.locator("#reset")).to_be_hidden()
    # The stream through Anna's personal join link, which records that she watched.
    expect(attendee.locator("#show-stream iframe")).to_have_attribute(
        "src", f"/join/{anna}/plenary"
    )
    expect(attendee.locator("#live-view")).to_be_visible()
    host.get_by_role("button", name="Start volgend blok").click()

    expect(presenter.locator("#current-title")).to_have_text("Start plenair programma")
    expect(presenter.locator("#timer")).to_have_text(re.compile(r"^4:[0-5]\d$"))
    expect(presenter.locator("#next-title")).to_have_text("Welkomstwoord")
    expect(host.locator('tr[data-block="start-plenair"] .status')).to_have_text("loopt")
    delay = attendee.locator("[data-show-delay]")
    expect(delay).to_be_visible()
    delay_before = delay.text_content() or ""
    before = minutes_of(delay_before)
    projected = public.locator('[data-projected="welkomstwoord"]')
    expect(projected).to_be_visible()
    projected_before = projected.text_content()

    host.locator("body").press("+")  # the shortcut for one more minute

    expect(presenter.locator("#timer")).to_have_text(re.compile(r"^5:[0-5]\d$"))
    expect(host.locator("#timer")).to_have_text(re.compile(r"^5:[0-5]\d$"))
    expect(delay).not_to_have_text(delay_before)
    assert minutes_of(delay.text_content()) == before - 1  # one minute less early
    expect(projected).not_to_have_text(projected_before or "")

    intermezzo = host.locator('tr[data-block="intermezzo-spoken-word"]')
    intermezzo.locator('[data-act="skip"]').click()
    expect(intermezzo.locator(".status")).to_have_text("overgeslagen")
    expect(intermezzo.locator('[data-act="restore"]')).to_be_visible()
    expect(public.locator('[data-projected="lezing-hermans"]')).to_contain_text("Verwacht")
    intermezzo.locator('[data-act="restore"]').click()
    expect(intermezzo.locator(".status")).to_have_text("komt nog")

    host.get_by_label("Bericht aan de presentator").fill(MARKUP)
    host.get_by_label("Bericht aan de presentator").press("Enter")
    expect(presenter.locator("#message")).to_have_text(MARKUP)
    expect(presenter.locator("#message img")).to_have_count(0)

    host.get_by_role("button", name="Programma beëindigen").click()  # asks first …
    expect(presenter.locator("#current-title")).not_to_have_text("Afgelopen")
    host.get_by_role("button", name="Zeker weten? Druk nog eens").click()  # … then ends
    expect(attendee.locator("[data-show-over]")).to_be_visible()
    expect(attendee.locator("#show-stream")).to_be_hidden()
    expect(attendee.locator("#live-view")).to_be_hidden()  # the page as before the show
    expect(presenter.locator("#current-title")).to_have_text("Afgelopen")
    expect(presenter.locator("#message")).to_be_hidden()  # "afronden" no longer applies

    host.get_by_role("button", name="Opnieuw beginnen (oefening wissen)").click()
    host.get_by_role("button", name="Zeker weten? Druk nog eens").click()
    expect(host.locator("#live-state")).to_have_text("nog niet live")
    expect(attendee.locator("[data-show-over]")).to_be_hidden()
    expect(presenter.locator("#current-title")).to_have_text("Wacht op de start")
    assert dialogs == []


def test_a_rehearsal_stays_on_the_host_console_and_starts_over_while_live(
    browser: Browser, rehearsal_site: Site
):
    site = rehearsal_site
    dialogs: list[str] = []
    host = window(browser, dialogs)
    host.goto(f"{site.base}/host?token={site.role_token('host')}")
    expect(host.locator("#next-title")).not_to_have_text(
        "—"
    )  # the console has its snapshot: an action now goes out
    host.get_by_role("button", name="Ga live").click()
    host.get_by_role("button", name="Start volgend blok").click()
    expect(host.locator('tr[data-block="start-plenair"] .status')).to_have_text("loopt")
    # The demo's plenary is always more than an hour away when a test runs: a rehearsal.
    expect(host.locator("#rehearsal")).to_contain_text("Oefening")

    attendee = window(browser, dialogs)
    with attendee.expect_websocket(lambda ws: "/ws/channels/show" in ws.url) as opened:
        attendee.goto(f"{site.base}/me/{site.register('Anna')}")
    # show-live.js pings right after it has drawn the snapshot: from then on the page shows
    # what it was told.
    opened.value.wait_for_event("framesent", lambda payload: '"ping"' in str(payload))
    expect(attendee.locator("#show-stream")).to_be_hidden()
    expect(attendee.locator("#live-view")).to_be_hidden()  # a rehearsal is not live for attendees
    expect(attendee.locator("[data-show-delay]")).to_be_hidden()

    reset = host.get_by_role("button", name="Opnieuw beginnen (oefening wissen)")
    expect(reset).to_be_visible()  # while the rehearsal is live
    reset.click()
    host.get_by_role("button", name="Zeker weten? Druk nog eens").click()
    expect(host.locator("#live-state")).to_have_text("nog niet live")
    expect(host.locator("#rehearsal")).to_be_hidden()
    expect(host.locator('tr[data-block="start-plenair"] .status')).to_have_text("komt nog")
    assert dialogs == []


def test_the_personal_join_link_leads_to_the_session_once_it_opens(
    browser: Browser, tmp_path: Path
):
    # The join window opens FESTIVAL_JOIN_LINK_MINUTES (here one) before the round; the round
    # opens to the second, 80 seconds from now, so the link opens 20 seconds from now: time
    # for the server to start and the page to load while it still leads to the "opens at" page.
    now = datetime.now(UTC)
    opens = now.astimezone(morning_zone(now)).replace(microsecond=0) + timedelta(seconds=80)
    programme = programme_running_now(tmp_path, opens=opens, closes=opens + timedelta(minutes=45))
    env = {**sqlite_env(tmp_path), "FESTIVAL_JOIN_LINK_MINUTES": "1"}
    dialogs: list[str] = []
    with serve("--programme", str(programme), env=env) as base:
        site = Site(base, env)
        token = site.register("Bo", {"ronde-1": "huiskamer-1"})
        attendee = window(browser, dialogs)
        # The video service itself is outside the test: its answer is made up here.
        attendee.route(
            "https://zoom.example.org/**", lambda route: route.fulfill(body="the session")
        )
        attendee.goto(f"{base}/me/{token}")
        join = attendee.locator("#round-ronde-1").get_by_role("link", name="Nu meedoen")
        expect(join).to_have_attribute("href", f"/join/{token}/huiskamer-1")
        room = attendee.get_by_role("region", name="Je huiskamer is open")
        expect(room).to_be_hidden()  # the top of the page leads with the room once it opens
        countdown = attendee.locator("#round-ronde-1 [data-countdown]")
        expect(countdown).to_contain_text("De link opent om")

        join.click()
        expect(attendee.locator("main")).to_contain_text("De link opent op")
        attendee.go_back()
        attendee.wait_for_function(
            "element => Date.now() >= new Date(element.dataset.countdown).getTime()",
            arg=countdown.element_handle(),
            timeout=60_000,
        )
        room_join = room.get_by_role("link", name="Nu meedoen")
        expect(room_join).to_have_attribute("href", f"/join/{token}/huiskamer-1")
        room_join.click()

        expect(attendee).to_have_url("https://zoom.example.org/huiskamer-1")
        expect(attendee.locator("body")).to_have_text("the session")
    assert dialogs == []


def programme_running_now(folder: Path, *, opens: datetime, closes: datetime) -> Path:
    """The reference festival today in a zone where it is morning now, its first round
    opening and closing at the given moments (to the second, in that zone's morning)."""
    text = REFERENCE.read_text()
    zone = opens.tzinfo
    assert zone is not None
    for old, new in (
        ("date = 2020-11-19", f"date = {opens.date().isoformat()}"),
        ('timezone = "Europe/Amsterdam"', f'timezone = "{zone}"'),
        ("start = 10:30:00\nend = 11:30:00", f"start = {opens:%H:%M:%S}\nend = {closes:%H:%M:%S}"),
    ):
        assert old in text
        text = text.replace(old, new, 1)
    path = folder / f"programme-{opens:%H%M%S}.toml"
    path.write_text(text)
    return path


def morning_zone(now: datetime) -> ZoneInfo:
    """A fixed-offset zone in which `now` falls between 09:00 and 10:00: the first round
    can then run now without touching midnight or the second round (12:00)."""
    hours = (9 - now.hour) % 24
    if hours > 14:  # the zones run from UTC-12 to UTC+14
        hours -= 24
    return ZoneInfo(f"Etc/GMT{-hours:+d}")  # POSIX signs: Etc/GMT-2 is two hours ahead


def test_rooms_get_the_hosts_message_and_their_closing_warning(browser: Browser, tmp_path: Path):
    now = datetime.now(UTC)
    local = now.astimezone(morning_zone(now))
    minute = local.replace(second=0, microsecond=0)
    # Places are taken before a round opens: first a programme with the round still to come…
    ahead = programme_running_now(
        tmp_path, opens=minute + timedelta(minutes=5), closes=minute + timedelta(minutes=50)
    )
    # … then, reloaded, the round has opened and closes within its 5-minute warning.
    closes = minute + timedelta(minutes=3)
    running = programme_running_now(tmp_path, opens=minute.replace(minute=0), closes=closes)
    env = sqlite_env(tmp_path)
    dialogs: list[str] = []
    with serve("--programme", str(ahead), env=env) as base:
        site = Site(base, env)
        token = site.register("Chris", {"ronde-1": "huiskamer-1"})
        site.cli("load", str(running))
        attendee = window(browser, dialogs)
        attendee.goto(f"{base}/me/{token}")
        host = window(browser, dialogs)
        host.goto(f"{base}/host?token={site.role_token('host')}")

        warning = attendee.locator("#round-ronde-1 .room-warning")
        expect(warning).to_be_visible()
        expect(warning).to_contain_text(f"om {closes:%H:%M} is het afgelopen")
        rooms = attendee.locator("[data-show-rooms]")
        expect(rooms).to_be_hidden()

        host.get_by_label("Bericht aan alle huiskamers").fill(MARKUP)
        host.get_by_label("Bericht aan alle huiskamers").press("Enter")

        expect(rooms).to_be_visible()
        expect(rooms.locator(".text")).to_have_text(MARKUP)
        expect(rooms.locator("img")).to_have_count(0)
        assert attendee.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert dialogs == []


def test_host_console_on_a_phone_has_every_action_on_screen(browser: Browser, site: Site):
    phone = {"width": 390, "height": 844}
    with visitor(browser, viewport=phone, is_mobile=True, locale="nl-NL") as host:
        host.goto(f"{site.base}/host?token={site.role_token('host')}")
        expect(host.locator("#live-state")).to_have_text("nog niet live")
        expect(host.locator("#next-title")).not_to_have_text(
            "—"
        )  # the console has its snapshot: an action now goes out

        # Each block is a card with its actions wrapping below it: nothing scrolls sideways,
        # neither the page nor the run-of-show, and every action is within the screen's width.
        assert host.evaluate("document.documentElement.scrollWidth") <= 390
        region = host.locator(".scroll-region:has(table.run-of-show)")
        assert region.evaluate("r => r.scrollWidth <= r.clientWidth")
        actions = host.locator(".host-controls button:visible, .row-actions button:visible")
        inside = actions.evaluate_all(
            "all => all.map(b => b.getBoundingClientRect())"
            ".map(r => r.width > 0 && r.left >= 0 && r.right <= innerWidth)"
        )
        # The console's 11 (starting over too, before going live) and 4 for each of 8 blocks.
        assert len(inside) == 11 + 8 * 4
        assert all(inside)
        end = host.get_by_role("button", name="Programma beëindigen")
        assert end.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(163, 32, 42)"

        host.get_by_role("button", name="Ga live").click()
        expect(host.locator("#live-state")).to_have_text("nu live")
        host.locator('tr[data-block="start-plenair"] [data-act="start"]').click()
        expect(host.locator('tr[data-block="start-plenair"] .status')).to_have_text("loopt")
