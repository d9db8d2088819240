"""Take the README's screenshots of the live view: `python bench/screenshot_live.py DIR`.

Starts `festival serve` with the reference programme moved to today, its plenary about to
begin (in a zone where it is 13:xx now, as the browser tests do), goes live as a host would,
opens the Q&A with two approved questions, and photographs an attendee's personal page on a
laptop (1366x768, Dutch) and on a phone (390x844, English), each down to the questions, into
DIR as `screenshot-live-laptop.png` and `screenshot-live-phone.png`. The streaming service's
page is made up in the browser: nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import FloatRect, Route, ViewportSize, sync_playwright
from screenshot import (  # (bench/, beside this file)
    CHROMIUM_ARGS,
    DIRECT,
    ROOT,
    free_port,
    wait_until_healthy,
)

sys.path.insert(0, str(ROOT))  # tests.live.show.conftest: the browser tests' festival day

from tests.live.show.conftest import PLENARY_AHEAD, on_the_day, zone_at_hour

# The stream's frame opens the personal join link, which leads on to the reference festival's
# placeholder stream_url; Playwright does not route a redirect's next request, so the made-up
# stream answers the join link itself.
STREAM = "**/join/*/plenary"


def call(base: str, path: str, body: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"{base}{path}", data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with DIRECT.open(request, timeout=10) as response:
        return json.load(response)


def host_token(env: dict[str, str]) -> str:
    """A host token, made as an organiser makes one: the console link is the last line."""
    done = subprocess.run(
        [sys.executable, "-m", "festival", "token", "create", "--role", "host"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip().splitlines()[-1].split("token=", 1)[1]


def the_day_so_far(base: str, host: str) -> str:
    """Live, the first block running, the Q&A open with two approved questions; returns
    the personal token of the attendee whose page is photographed."""
    anna = call(base, "/api/registrations", {
        "name": "Anna de Vries", "email": "anna@example.org", "consent": True, "choices": {},
    })["token"]  # fmt: skip
    bram = call(base, "/api/registrations", {
        "name": "Bram Jansen", "email": "bram@example.org", "consent": True, "choices": {},
    })["token"]  # fmt: skip
    for action in ({"action": "live"}, {"action": "start", "block_id": "start-plenair"}):
        call(base, "/api/show/actions", {"type": "host", **action}, host)
    actions = "/api/channels/plenary/actions"
    call(base, actions, {"type": "moderate", "action": "open"}, host)
    for asker, text in (
        (bram, "Hoe houden we het werk in de wijk vol met zo weinig handen?"),
        (anna, "Wat kunnen sociaal werkers leren van deze coronatijd?"),
    ):
        asked = call(base, actions, {"type": "ask", "text": text}, asker)
        approve = {"type": "moderate", "action": "approve", "question_id": asked["question_id"]}
        call(base, actions, approve, host)
    return str(anna)


def stream_page(route: Route) -> None:
    route.fulfill(
        content_type="text/html",
        body="<!doctype html><html lang=nl><title>Livestream</title><body style='margin:0;"
        "display:grid;place-items:center;height:100vh;background:#1d2733;color:#fff;"
        "font:600 1.5rem system-ui'>&#9654; Livestream</body></html>",
    )


def capture(base: str, anna: str, zone: str, out: Path) -> None:
    chromium = os.environ.get("FESTIVAL_TEST_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        sys.exit("chromium not found: set FESTIVAL_TEST_CHROMIUM")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        # The top of each page down to the questions: a little below the fold.
        for name, screen, lang, mobile, height in (
            ("laptop", ViewportSize(width=1366, height=768), "nl", False, 1000),
            ("phone", ViewportSize(width=390, height=844), "en", True, 1450),
        ):
            context = browser.new_context(
                viewport=screen, is_mobile=mobile, timezone_id=zone, locale=f"{lang}-NL"
            )
            page = context.new_page()
            page.route(STREAM, stream_page)
            page.goto(f"{base}/me/{anna}?lang={lang}", timeout=10_000)
            page.locator("#live-view").wait_for(state="visible", timeout=10_000)
            page.locator(".qa-question").first.wait_for(timeout=10_000)
            target = out / f"screenshot-live-{name}.png"
            clip = FloatRect(x=0, y=0, width=screen["width"], height=height)
            page.screenshot(path=target, clip=clip, full_page=True, timeout=10_000)
            print(f"wrote {target}")  # noqa: T201 - this is the script's report
            context.close()
        browser.close()


def main(out: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The plenary was to start two minutes ago: the host goes live a little late, and the
    # banner says which block runs late.
    now = datetime.now(UTC) - PLENARY_AHEAD - timedelta(minutes=2)
    zone = str(zone_at_hour(now, 13))
    with tempfile.TemporaryDirectory() as var_dir:
        # Only this script's settings: a developer's FESTIVAL_* would change the page.
        env = {k: v for k, v in os.environ.items() if not k.startswith("FESTIVAL_")}
        env["FESTIVAL_VAR_DIR"] = var_dir
        programme = on_the_day(Path(var_dir), now)
        command = [sys.executable, "-m", "festival", "serve", "--programme", str(programme)]
        command += ["--host", "127.0.0.1", "--port", str(port)]
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        try:
            wait_until_healthy(server, base)
            anna = the_day_so_far(base, host_token(env))
            capture(base, anna, zone, out)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python bench/screenshot_live.py DIR")
    main(Path(sys.argv[1]))
