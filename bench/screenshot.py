"""Take the README's screenshot: `python bench/screenshot.py OUT.png`.

Starts `festival serve` with the reference programme on a throwaway SQLite database, opens
the programme page in chromium (FESTIVAL_TEST_CHROMIUM, else `chromium` on PATH) at
1280x900 and saves the top 1280x1400 of the page.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PROGRAMME = ROOT / "schedules" / "agenda-sociaal-werk-2020.toml"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# No proxy: every request goes to the server on 127.0.0.1.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_healthy(server: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with DIRECT.open(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:  # refused while starting up (URLError is an OSError)
            pass
        time.sleep(0.1)
    sys.exit(f"festival serve did not start (exit code {server.poll()})")


def capture(base: str, out: Path) -> None:
    chromium = os.environ.get("FESTIVAL_TEST_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        sys.exit("chromium not found: set FESTIVAL_TEST_CHROMIUM")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        # The festival's own zone: a viewer elsewhere would see extra local times.
        page = browser.new_page(
            viewport={"width": 1280, "height": 900}, timezone_id="Europe/Amsterdam"
        )
        page.goto(f"{base}/", timeout=10_000)
        page.screenshot(
            path=out,
            clip={"x": 0, "y": 0, "width": 1280, "height": 1400},
            full_page=True,  # the clip reaches below the 900 px viewport
            timeout=10_000,
        )
        browser.close()


def main(out: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as var_dir:
        # Only this script's settings: a developer's FESTIVAL_* would change the page.
        env = {k: v for k, v in os.environ.items() if not k.startswith("FESTIVAL_")}
        env["FESTIVAL_VAR_DIR"] = var_dir
        command = [sys.executable, "-m", "festival", "serve", "--programme", str(PROGRAMME)]
        command += ["--host", "127.0.0.1", "--port", str(port)]
        # stderr stays on the terminal, so a server that fails to start says why.
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        try:
            wait_until_healthy(server, base)
            capture(base, out)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"wrote {out}")  # noqa: T201 - this is the script's report


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python bench/screenshot.py OUT.png")
    main(Path(sys.argv[1]))
