"""Nothing acknowledged is lost and nothing arrives twice: resuming with `since`, after many
events and across a restart of the service."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live.conftest import Site, cluster_env, connect, sqlite_env, start
from tests.live.qa.test_feed import attendee, moderator


async def test_resuming_with_since_delivers_exactly_the_missed_events(shared_site: Site):
    mod = await moderator(shared_site)
    token = shared_site.role_token("moderator", "plenary")
    asker = await attendee(shared_site, "Pim")
    first = (await asker.send({"type": "ask", "text": "Start"}))["question_id"]
    start_seq = (await mod.event("question.asked", id=first))["seq"]

    voters = [await attendee(shared_site, f"Kiezer {n}") for n in range(30)]
    await mod.send({"type": "moderate", "action": "approve", "question_id": first})
    acks = [await v.send({"type": "vote", "question_id": first}) for v in voters]
    last = max(a["seq"] for a in acks)

    resumed = await connect(shared_site.url("plenary", token, since=start_seq))
    await resumed.numbered(last)
    seqs = [m["seq"] for m in resumed.events()]
    # A moderator sees every event: exactly start+1 … last, in order, once each.
    assert seqs == list(range(start_seq + 1, last + 1))
    assert not [m for m in resumed.messages if m["type"] == "snapshot"]

    too_far = await connect(shared_site.url("plenary", token, since=last + 1000))
    snapshot = await too_far.wait_for(lambda m: m["type"] == "snapshot")
    assert snapshot["seq"] >= last
    for client in (mod, asker, resumed, too_far, *voters):
        await client.close()


async def test_the_audience_resumes_without_seeing_what_it_may_not(shared_site: Site):
    mod = await moderator(shared_site)
    asker = await attendee(shared_site, "Quinten")
    viewer = await connect(shared_site.url("plenary"))
    snapshot = await viewer.wait_for(lambda m: m["type"] == "snapshot")
    await viewer.close()
    hidden = (await asker.send({"type": "ask", "text": "Wordt verborgen"}))["question_id"]
    shown = (await asker.send({"type": "ask", "text": "Wordt getoond"}))["question_id"]
    await mod.send({"type": "moderate", "action": "hide", "question_id": hidden})
    await mod.send({"type": "moderate", "action": "approve", "question_id": shown})
    done = await mod.event("question.approved", id=shown)

    back = await connect(shared_site.url("plenary", since=snapshot["seq"]))
    await back.numbered(done["seq"])
    texts = [m["event"]["question"]["text"] for m in back.events()]
    assert "Wordt getoond" in texts
    assert "Wordt verborgen" not in texts
    for client in (mod, asker, back):
        await client.close()


async def test_a_restart_between_events_loses_nothing_acknowledged(tmp_path: Path):
    env = sqlite_env(tmp_path)
    with start(env) as base:
        site = Site(base, env)
        token = site.role_token("moderator", "plenary")
        mod = await moderator(site)
        asker = await attendee(site, "Roos")
        acks = [await asker.send({"type": "ask", "text": f"Voor de herstart {n}"}) for n in (1, 2)]
        await mod.close()
        await asker.close()
    with start(env) as base:
        site = Site(base, env)
        mod = await connect(site.url("plenary", token))
        snapshot = await mod.wait_for(lambda m: m["type"] == "snapshot")
        ids = {q["id"] for q in snapshot["qa"]["questions"]}
        assert {a["question_id"] for a in acks} <= ids
        assert snapshot["qa"]["open"] is True
        asker = await attendee(site, "Sem")
        after = await asker.send({"type": "ask", "text": "Na de herstart"})
        # Numbering goes on where it stopped: no seq is given out twice.
        assert after["seq"] == snapshot["seq"] + 1
        resumed = await connect(site.url("plenary", token, since=acks[0]["seq"]))
        await resumed.numbered(after["seq"])
        assert [m["seq"] for m in resumed.events()] == list(
            range(acks[0]["seq"] + 1, after["seq"] + 1)
        )
        for client in (mod, asker, resumed):
            await client.close()


@pytest.mark.postgres
@pytest.mark.redis
async def test_two_instances_on_postgres_and_redis_share_the_feed_in_order(
    postgres_url: str, redis_url: str, tmp_path: Path
):
    env = cluster_env(postgres_url, redis_url, tmp_path)
    with start(env) as base_a, start(env) as base_b:
        a, b = Site(base_a, env), Site(base_b, env)
        mod_b = await moderator(b)
        askers = [await attendee(a, f"Vrager {n}") for n in range(5)]
        acks = []
        for n in range(3):
            for index, asker in enumerate(askers):
                acks.append(await asker.send({"type": "ask", "text": f"Vraag {n} van {index}"}))
        last = max(ack["seq"] for ack in acks)
        await mod_b.numbered(last)
        seqs = [m["seq"] for m in mod_b.events()]
        assert seqs == sorted(seqs) == list(range(seqs[0], last + 1))
        asked = {m["event"]["question"]["id"] for m in mod_b.events() if m["event"]["question"]}
        assert {ack["question_id"] for ack in acks} <= asked
        # And back: approved on B, seen by an attendee on A.
        await mod_b.send(
            {"type": "moderate", "action": "approve", "question_id": acks[0]["question_id"]}
        )
        await askers[1].event("question.approved", id=acks[0]["question_id"])
        for client in (mod_b, *askers):
            await client.close()
