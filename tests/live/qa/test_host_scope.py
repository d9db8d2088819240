"""Which Q&A channels a host token moderates, over a real websocket and the JSON API: an
unscoped host token the plenary (where it sees who asked anonymously), not a breakout
session; a host token that names a session (`--channel`) that session."""

from __future__ import annotations

import httpx2

from festival.access import HOST_CHANNELS
from festival.programme.model import PLENARY, SHOW
from tests.live.conftest import Site, connect
from tests.live.qa.test_feed import attendee, moderator

ROOM = "huiskamer-1"
IN_ROOM = {"ronde-1": ROOM}


def post(site: Site, channel: str, message: dict[str, object], token: str) -> httpx2.Response:
    return httpx2.post(
        f"{site.base}/api/channels/{channel}/actions",
        json=message,
        headers={"Authorization": f"Bearer {token}"},
        trust_env=False,
    )


def test_host_channels_are_the_plenary_and_the_show():
    assert set(HOST_CHANNELS) == {PLENARY, SHOW}


async def test_an_unscoped_host_moderates_the_plenary_but_not_a_breakout(shared_site: Site):
    host = shared_site.role_token("host")
    room_mod = await moderator(shared_site, ROOM)
    asker = await attendee(shared_site, "Ilse", ROOM, **IN_ROOM)
    asked = await asker.send({"type": "ask", "text": "Wie ben ik?", "anonymous": True})
    qid = asked["question_id"]
    await room_mod.event("question.asked", id=qid)
    plenary_asker = await attendee(shared_site, "Henk")
    plenary_mod = await moderator(shared_site)
    plenary_asked = await plenary_asker.send(
        {"type": "ask", "text": "En de plenaire vraag?", "anonymous": True}
    )
    await plenary_mod.event("question.asked", id=plenary_asked["question_id"])

    breakout = await connect(shared_site.url(ROOM, host))
    refused = await breakout.wait_for(lambda m: True)
    code = await breakout.close_code()
    await breakout.close()
    approve = post(
        shared_site, ROOM, {"type": "moderate", "action": "approve", "question_id": qid}, host
    )
    # As a browser: the token moves into a cookie, then on to the token's one channel.
    with httpx2.Client(trust_env=False, follow_redirects=True) as browser:
        listing = browser.get(f"{shared_site.base}/moderate?token={host}")
    plenary = await connect(shared_site.url(PLENARY, host))
    snapshot = await plenary.wait_for(lambda m: m["type"] == "snapshot")
    for client in (room_mod, asker, plenary_asker, plenary_mod, plenary):
        await client.close()

    assert (refused["type"], refused["code"], code) == ("error", "auth.forbidden", 4403)
    assert approve.status_code == 403
    assert approve.json()["error"]["code"] == "auth.forbidden"
    assert listing.status_code == 200
    assert listing.url.path == "/moderate/plenary"  # its only channel: straight there
    assert snapshot["role"] == "moderator"
    mine = next(q for q in snapshot["qa"]["questions"] if q["id"] == plenary_asked["question_id"])
    assert mine["asker_id"].startswith("r")  # a moderator sees who asked anonymously


async def test_a_host_token_for_a_breakout_moderates_that_breakout(shared_site: Site):
    host = shared_site.role_token("host", ROOM)
    room = await connect(shared_site.url(ROOM, host))
    snapshot = await room.wait_for(lambda m: m["type"] == "snapshot")
    opened = await room.send({"type": "moderate", "action": "open"})
    asker = await attendee(shared_site, "Gert", ROOM, **IN_ROOM)
    asked = await asker.send({"type": "ask", "text": "Mag de gastheer dit zien?"})
    seen = await room.event("question.asked", id=asked["question_id"])
    approved = await room.send(
        {"type": "moderate", "action": "approve", "question_id": asked["question_id"]}
    )
    plenary = await connect(shared_site.url(PLENARY, host))
    refused = await plenary.wait_for(lambda m: True)
    code = await plenary.close_code()
    for client in (room, asker, plenary):
        await client.close()

    assert snapshot["role"] == "moderator"
    assert opened["type"] == "ack"
    assert seen["event"]["question"]["asker_id"].startswith("r")
    assert approved["type"] == "ack"
    # Named channels replace the default: this host does not moderate the plenary.
    assert (refused["code"], code) == ("auth.forbidden", 4403)
