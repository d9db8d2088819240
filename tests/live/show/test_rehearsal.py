"""A rehearsal (live more than an hour before the plenary) against a real `festival serve`:
the crew sees it, the public show channel, the programme API and page, the personal API and
the plenary Q&A stay as planned; starting over works while it runs and clears its
questions; on the day, going live still reaches everyone."""

from __future__ import annotations

import re
from typing import Any

import httpx2

from tests.live.conftest import Client, Site, connect
from tests.live.show.conftest import Message, programme
from tests.live.show.test_channel import host_act, show_url, snapshot


def get(site: Site, path: str, token: str | None = None) -> httpx2.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx2.get(f"{site.base}{path}", headers=headers, trust_env=False, timeout=10)
    assert response.status_code == 200, response.text
    return response


def as_planned(body: Message) -> bool:
    """The programme API says nothing runs: no delay, not live, every block at its plan."""
    plenary: dict[str, Any] = body["plenary"]
    return (
        (body["delay_minutes"], body["delay_text"]) == (0, "")
        and (plenary["live"], plenary["over"]) == (False, False)
        and plenary["projected_end"] == plenary["planned_end"]
        and all(
            (b["projected_start"], b["projected_end"]) == (b["planned_start"], b["planned_end"])
            for b in plenary["blocks"]
        )
    )


def moved_blocks(page: str) -> set[str]:
    """The blocks whose projected times the programme page shows (it hides them as planned)."""
    spans = re.findall(r'<span class="projected" data-projected="([^"]+)"[^>]*?( hidden)?>', page)
    assert spans
    return {block for block, hidden in spans if not hidden}


async def moderated_plenary(site: Site) -> Client:
    client = await connect(site.url("plenary", site.role_token("moderator", "plenary")))
    await snapshot(client)
    return client


async def test_a_rehearsal_reaches_only_the_crew_and_start_over_clears_it(rehearsal_site: Site):
    site = rehearsal_site
    anna = site.register("Anna")
    me_before = get(site, "/api/me", anna).json()
    host = await connect(show_url(site, site.role_token("host")))
    presenter = await connect(show_url(site, site.role_token("presenter")))
    public = await connect(show_url(site))
    attendee_show = await connect(show_url(site, anna))
    qa_audience = await connect(site.url("plenary"))
    asker = await connect(site.url("plenary", anna))
    moderator = await moderated_plenary(site)
    clients = (host, presenter, public, attendee_show, qa_audience, asker, moderator)
    try:
        for client in clients:
            await snapshot(client)
        live = await host_act(host, "live")
        started = await host_act(host, "start", block_id="start-plenair")
        await host_act(host, "extend", block_id="start-plenair", minutes=5)
        rooms = await host_act(host, "message_rooms", text="oefening")
        crew_view = await presenter.numbered(rooms["seq"])
        host_view = await host.numbered(started["seq"])
        closed_to_attendees = await asker.send({"type": "ask", "text": "Mag het al?"})

        during = programme(site)
        page = get(site, "/?lang=en").text
        public_api = get(site, "/api/show").json()
        host_api = get(site, "/api/show", site.role_token("host")).json()
        late_public = await connect(show_url(site))
        late_snapshot = await snapshot(late_public)
        await late_public.close()
        me_during = get(site, "/api/me", anna).json()

        # The moderators may rehearse the Q&A by hand: its questions go with the rehearsal.
        await moderator.send({"type": "moderate", "action": "open"})
        asked = await asker.send({"type": "ask", "text": "Een oefenvraag"})
        await moderator.send(
            {"type": "moderate", "action": "approve", "question_id": asked["question_id"]}
        )
        await qa_audience.event("question.approved", id=asked["question_id"])

        ended = await host_act(host, "end_show")
        after_end = programme(site)
        reset = await host_act(host, "reset")
        seen_reset = await public.numbered(reset["seq"])
        cleared = await moderator.event("question.cleared", id=asked["question_id"])
        removed = await qa_audience.wait_for(
            lambda m: m.get("type") == "event" and m["event"]["type"] == "question.removed"
        )
        qa_after = get(site, "/api/channels/plenary").json()
        log = site.cli("export", "runlog")
    finally:
        for client in clients:
            await client.close()

    assert (live["type"], started["type"], ended["type"]) == ("ack", "ack", "ack")
    # The crew sees the rehearsal, and is told it is one.
    assert host_view["show"]["live_at"] is not None
    assert host_view["show"]["rehearsal"] is True
    assert crew_view["show"]["rooms_message"] == "oefening"
    assert host_api["show"]["rehearsal"] is True
    # The public show channel heard nothing until the start over, which leaves the plan.
    assert [m["event"]["type"] for m in public.events()] == ["show.reset"]
    assert [m["event"]["type"] for m in attendee_show.events()] == ["show.reset"]
    assert seen_reset["show"]["live_at"] is None
    for view in (public_api["show"], late_snapshot["show"]):
        assert (view["live_at"], view["ended_at"], view["rehearsal"]) == (None, None, False)
        assert view["rooms_message"] == ""
        assert {b["status"] for b in view["blocks"]} == {"upcoming"}
        assert all(b["minutes"] == b["planned_minutes"] for b in view["blocks"])
    # The programme API and page, and the personal API, stay as planned.
    assert as_planned(during)
    assert as_planned(after_end)  # ending the rehearsal tells nobody the programme ended
    assert moved_blocks(page) == set()
    assert me_during == me_before
    # Going live in a rehearsal opened no Q&A for attendees.
    assert closed_to_attendees["code"] == "qa.closed"
    assert [m["event"]["type"] for m in qa_audience.events()][:1] == ["qa.opened"]  # by hand
    # Starting over took the rehearsal's question out, for moderators and the audience.
    assert cleared["event"]["question"]["text"] == "Een oefenvraag"
    assert removed["event"]["id"] == asked["question_id"]
    assert qa_after["qa"]["questions"] == []
    rows = [line.split(",") for line in log.strip().splitlines()]
    assert rows[0][-1] == "rehearsal"
    assert {row[-1] for row in rows[1:]} == {"yes"}


async def test_start_over_works_while_a_rehearsal_runs(rehearsal_site: Site):
    host = await connect(show_url(rehearsal_site, rehearsal_site.role_token("host")))
    try:
        await snapshot(host)
        await host_act(host, "live")
        await host_act(host, "start", block_id="start-plenair")
        reset = await host_act(host, "reset")
        after = await host.numbered(reset["seq"])
    finally:
        await host.close()

    assert reset["type"] == "ack"
    assert after["show"]["live_at"] is None
    assert after["show"]["rehearsal"] is False


async def test_on_the_day_going_live_reaches_everyone(site: Site):
    anna = site.register("Anna")
    host = await connect(show_url(site, site.role_token("host")))
    public = await connect(show_url(site))
    qa_audience = await connect(site.url("plenary"))
    asker = await connect(site.url("plenary", anna))
    try:
        for client in (host, public, qa_audience, asker):
            await snapshot(client)
        live = await host_act(host, "live")
        seen = await public.numbered(live["seq"])
        started = await host_act(host, "start", block_id="start-plenair")
        await public.numbered(started["seq"])
        await qa_audience.wait_for(
            lambda m: m.get("type") == "event" and m["event"]["type"] == "qa.opened"
        )
        asked = await asker.send({"type": "ask", "text": "Nu wel?"})
        body = programme(site)
        page = get(site, "/?lang=en").text
        refused = await host_act(host, "reset")
    finally:
        for client in (host, public, qa_audience, asker):
            await client.close()

    assert seen["event"]["type"] == "show.live"
    assert seen["show"]["live_at"] is not None
    assert seen["show"]["rehearsal"] is False
    assert body["plenary"]["live"] is True
    # The plenary was planned PLENARY_AHEAD (30 minutes) from now: it runs about that early.
    assert -31 <= body["delay_minutes"] <= -29
    assert re.fullmatch(r"running (29|30|31) minutes early", body["delay_text"])
    assert "welkomstwoord" in moved_blocks(page)
    assert asked["type"] == "ack"
    assert refused["code"] == "show.still_live"  # the real show is not wiped by a slip
