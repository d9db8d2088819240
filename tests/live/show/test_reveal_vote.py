"""Revealing a vote on stage: the host's `reveal_vote` on the `show` channel of a real
`festival serve` (the congress of 2023 as a demo, its vote open), over a real websocket; and
the overlay `/overlay/vote/ID` in a real chromium, which shows the winner once it is revealed,
with its animation, or without it for a viewer who asked for reduced motion."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Page, expect

from tests.browser import TIMEOUT_MS, chromium
from tests.conftest import need_chromium
from tests.live.conftest import Site, connect, sqlite_env
from tests.servers import serve
from tests.web.test_editions import CONGRESS

VOTE = "sociaal-werker-van-het-jaar-2023"
Message = dict[str, Any]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    env = sqlite_env(tmp_path)
    with serve("--programme", str(CONGRESS), "--demo", env=env) as base:
        yield Site(base, env)


def vote(site: Site, token: str | None = None) -> Message:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx2.get(
        f"{site.base}/api/votes/{VOTE}", headers=headers, trust_env=False, timeout=10
    )
    assert response.status_code == 200, response.text
    body: Message = response.json()
    return body


def ballot(site: Site, token: str, nominee: str) -> None:
    response = httpx2.post(
        f"{site.base}/api/votes/{VOTE}/ballots",
        json={"nominee": nominee},
        headers={"Authorization": f"Bearer {token}"},
        trust_env=False,
        timeout=10,
    )
    assert response.status_code == 201, response.text


async def test_the_host_reveals_the_vote_over_the_show_socket(site: Site):
    for nominee in ("mhamed-yahia", "mhamed-yahia", "juul-van-schaijk"):
        ballot(site, site.register(), nominee)
    host = await connect(site.url("show", site.role_token("host")))
    attendee = await connect(site.url("show", site.register()))
    try:
        refused = await attendee.send({"type": "host", "action": "reveal_vote", "vote_id": VOTE})
        unknown = await host.send({"type": "host", "action": "reveal_vote", "vote_id": "nope"})
        missing = await host.send({"type": "host", "action": "reveal_vote"})
        before = vote(site)
        done = await host.send({"type": "host", "action": "reveal_vote", "vote_id": VOTE})
        again = await host.send({"type": "host", "action": "reveal_vote", "vote_id": VOTE})
    finally:
        await host.close()
        await attendee.close()

    assert (refused["type"], refused["code"]) == ("error", "auth.forbidden")
    assert (unknown["type"], unknown["code"]) == ("error", "vote.not_found")
    assert (missing["type"], missing["code"]) == ("error", "message.missing_field")
    assert (before["status"], before["results"]) == ("open", None)
    assert done == {"type": "ack", "ref": done["ref"], "seq": None}
    assert again["type"] == "ack"  # a second reveal changes nothing
    after = vote(site)
    assert after["status"] == "revealed"
    assert after["results"] == {"yamina-ayadi": 0, "juul-van-schaijk": 1, "mhamed-yahia": 2}
    assert after["winners"] == ["mhamed-yahia"]


def overlay(site: Site, page: Page) -> None:
    page.goto(f"{site.base}/overlay/vote/{VOTE}?lang=nl")


@pytest.mark.browser
@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_the_overlay_shows_the_winner_once_revealed(site: Site, motion: str):
    need_chromium()
    ballot(site, site.register(), "yamina-ayadi")
    host = site.role_token("host")
    with chromium() as browser:
        context = browser.new_context(reduced_motion=motion)  # type: ignore[arg-type]
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        overlay(site, page)
        card = page.locator("[data-vote-winner]")
        expect(card).to_be_hidden()
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")

        # The same host action, by the show's JSON endpoint this time.
        done = httpx2.post(
            f"{site.base}/api/show/actions",
            json={"type": "host", "action": "reveal_vote", "vote_id": VOTE},
            headers={"Authorization": f"Bearer {host}"},
            trust_env=False,
            timeout=10,
        )

        expect(card).to_be_visible(timeout=TIMEOUT_MS)
        expect(card.locator("[data-vote-winner-name]")).to_have_text("Yamina Ayadi")
        expect(card).to_contain_text("Winnaar")
        animation = card.evaluate("card => getComputedStyle(card).animationName")
        font = card.evaluate("card => parseFloat(getComputedStyle(card).fontSize)")
        context.close()

    assert done.status_code == 200, done.text
    assert background == "rgba(0, 0, 0, 0)"  # transparent, for the stream
    assert animation == ("none" if motion == "reduce" else "vote-winner-in")
    assert font >= 22  # large enough to read on a stream
