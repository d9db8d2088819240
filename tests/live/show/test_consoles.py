"""The host console and presenter view behind their tokens, the demo's console links, and the
run log exported by `festival export runlog` after a real show."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx2

from festival.show import ACTUALS_HEADER, RUN_LOG_HEADER
from tests.conftest import REFERENCE
from tests.live.conftest import Site, sqlite_env
from tests.live.show.conftest import post_action
from tests.servers import serve


def opened(url: str) -> httpx2.Response:
    """A console link as a browser opens it: a good token moves into a cookie, and the page
    comes from the address without it; a bad one is refused where it stands."""
    with httpx2.Client(follow_redirects=True, trust_env=False, timeout=5.0) as browser:
        response = browser.get(url)
    if response.status_code == 200:
        assert "token=" not in str(response.url)
    return response


def status(site: Site, path: str, token: str | None = None) -> int:
    query = f"?token={token}" if token else ""
    return opened(f"{site.base}{path}{query}").status_code


def test_consoles_open_only_with_their_tokens(site: Site):
    host = site.role_token("host")
    presenter = site.role_token("presenter")
    attendee = site.register()

    seen = {
        "host": [status(site, "/host", t) for t in (None, attendee, presenter, host)],
        "presenter": [status(site, "/presenter", t) for t in (None, attendee, presenter, host)],
    }

    assert seen == {"host": [401, 403, 403, 200], "presenter": [401, 403, 200, 200]}
    page = opened(f"{site.base}/host?token={host}&lang=en").text
    assert "Host console" in page
    assert "Start next block" in page


def test_demo_prints_host_and_presenter_console_links(tmp_path: Path):
    printed = tmp_path / "out.txt"
    with serve("--programme", str(REFERENCE), "--demo", env=sqlite_env(tmp_path), stdout=printed):
        lines = printed.read_text().splitlines()
        links = {
            role: next(line.split()[-1] for line in lines if line.startswith(f"  {role} console:"))
            for role in ("host", "presenter")
        }
        pages = {role: opened(url) for role, url in links.items()}

    assert {role: r.status_code for role, r in pages.items()} == {"host": 200, "presenter": 200}
    assert "/host?token=" in links["host"]
    assert "/presenter?token=" in links["presenter"]


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_export_runlog_lists_every_action_and_the_blocks(rehearsal_site: Site):
    site = rehearsal_site  # the demo day, hours ahead: its actions are a rehearsal's
    token = site.role_token("host")
    for message in (
        {"action": "live"},
        {"action": "start", "block_id": "start-plenair"},
        {"action": "extend", "block_id": "start-plenair", "minutes": 5},
        {"action": "message_presenter", "text": "=1+1 afronden"},
        {"action": "next", "block_id": "start-plenair"},
    ):
        response = post_action(site, {"type": "host", **message}, token)
        assert response.json()["type"] == "ack", response.text

    log = rows(site.cli("export", "runlog"))
    blocks = rows(site.cli("export", "runlog", "--blocks"))

    assert tuple(log[0]) == RUN_LOG_HEADER
    assert [r[2] for r in log[1:]] == [
        "show.live",
        "block.started",
        "block.extended",
        "presenter.message",
        "block.ended",
        "block.started",
    ]
    assert {r[1] for r in log[1:]} == {f"host#{_token_id(site)}"}
    assert log[4][6] == "'=1+1 afronden"  # a formula stays text in a spreadsheet
    assert {r[7] for r in log[1:]} == {"yes"}  # marked as a rehearsal's, to leave out
    assert all(r[0].endswith(("+01:00", "+02:00")) for r in log[1:])  # Amsterdam time
    assert tuple(blocks[0]) == ACTUALS_HEADER
    first, second = blocks[1], blocks[2]
    assert (first[0], first[2], first[7], first[8]) == ("start-plenair", "ended", "5", "10")
    assert first[5] <= first[6]  # actual start and end, in order
    assert first[5] != ""
    assert (second[0], second[2], second[6]) == ("welkomstwoord", "running", "")
    # The demo day is still to come for the rounds: they follow the blocks, as planned.
    assert [(r[0], r[2]) for r in blocks[-2:]] == [("ronde-1", "upcoming"), ("ronde-2", "upcoming")]


def _token_id(site: Site) -> str:
    """The id of the host token the test made (the demo made one before it)."""
    listed = site.cli("token", "list").splitlines()
    return str(max(int(line.split("\t")[0]) for line in listed if "\thost" in line))


def test_show_api_snapshot_for_anyone_and_actions_for_hosts(site: Site):
    snapshot = httpx2.get(f"{site.base}/api/show", trust_env=False, timeout=10).json()
    refused = post_action(site, {"type": "host", "action": "live"}).json()

    assert (snapshot["type"], snapshot["seq"], snapshot["role"]) == ("snapshot", 0, "public")
    assert refused["error"]["code"] == "auth.required"
