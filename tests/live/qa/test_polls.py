"""Live polls over real sockets: a moderator opens one, attendees answer and change their
answer, everyone gets the counts coalesced, bad input is refused and changes nothing, and a
restart or a second instance keeps the poll (docs/live-protocol.md, "Polls")."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.live.conftest import Client, Site, cluster_env, connect, sqlite_env, start
from tests.live.qa.test_feed import attendee, moderator

POLL = {"question": "Waar praten we na de pauze over?", "options": ["Wonen", "Zorg", "Werk"]}


async def opened(mod: Client) -> str:
    ack = await mod.send({"type": "moderate", "action": "poll_open", "poll": POLL})
    assert ack["type"] == "ack", ack
    poll_id: str = ack["poll_id"]
    return poll_id


def poll_counts(client: Client) -> list[dict[str, Any]]:
    """Every `polls` entry of the `counts` messages the client got, in order."""
    return [e for m in client.messages if m.get("type") == "counts" for e in m.get("polls", [])]


async def test_a_poll_opens_for_everyone_and_answers_come_back_as_counts(shared_site: Site):
    mod = await moderator(shared_site)
    public = await connect(shared_site.url("plenary"))
    await public.wait_for(lambda m: m["type"] == "snapshot")
    anna = await attendee(shared_site, "Anna")
    poll_id = await opened(mod)

    seen = await public.wait_for(
        lambda m: m.get("type") == "event" and m["event"]["type"] == "poll.opened"
    )
    ack = await anna.send({"type": "answer", "poll_id": poll_id, "option": 1})
    changed = await anna.send({"type": "answer", "poll_id": poll_id, "option": 2})
    own = await anna.wait_for(
        lambda m: (
            any(e.get("answer") == 2 for e in m.get("polls", []))
            if m.get("type") == "counts"
            else False
        )
    )
    last = await public.wait_for(
        lambda m: m.get("type") == "counts" and m["polls"][-1]["counts"] == [0, 0, 1]
    )

    assert seen["event"]["poll"] == {
        "id": poll_id,
        "question": POLL["question"],
        "options": POLL["options"],
        "state": "open",
        "shown": True,
        "opened_at": seen["event"]["at"],
        "counts": [0, 0, 0],
        "total": 0,
    }
    assert (ack["type"], ack["poll_id"], changed["type"]) == ("ack", poll_id, "ack")
    assert own["polls"][-1]["answer"] == 2
    assert "answer" not in last["polls"][-1]
    closed = await mod.send({"type": "moderate", "action": "poll_close"})
    result = await public.wait_for(
        lambda m: m.get("type") == "event" and m["event"]["type"] == "poll.closed"
    )
    assert closed["type"] == "ack"
    assert (result["event"]["poll"]["state"], result["event"]["poll"]["counts"]) == (
        "closed",
        [0, 0, 1],
    )
    snapshot = await connect(shared_site.url("plenary"))
    first = await snapshot.wait_for(lambda m: m["type"] == "snapshot")
    assert first["qa"]["poll"]["counts"] == [0, 0, 1]
    for client in (mod, public, anna, snapshot):
        await client.close()


async def test_bad_poll_input_is_refused_with_its_code_and_changes_nothing(shared_site: Site):
    mod = await moderator(shared_site)
    await mod.send({"type": "moderate", "action": "poll_close"})  # a poll left by another test
    anna = await attendee(shared_site, "Bram")
    public = await connect(shared_site.url("plenary"))
    await public.wait_for(lambda m: m["type"] == "snapshot")
    modest = {"question": "Vraag", "options": ["Ja", "Nee"]}
    refused_polls = {
        "one option": ({"question": "Vraag", "options": ["Ja"]}, "qa.poll_options"),
        "nine options": (
            {"question": "Vraag", "options": [str(n) for n in range(9)]},
            "qa.poll_options",
        ),
        "empty question": ({"question": " ", "options": ["Ja", "Nee"]}, "qa.empty"),
        "empty option": ({"question": "Vraag", "options": ["Ja", ""]}, "qa.empty"),
        "long question": ({"question": "x" * 201, "options": ["Ja", "Nee"]}, "qa.too_long"),
        "long option": ({"question": "Vraag", "options": ["Ja", "y" * 101]}, "qa.too_long"),
        "options not a list": ({"question": "Vraag", "options": "Ja"}, "message.invalid_field"),
    }
    codes = {}
    for name, (poll, _code) in refused_polls.items():
        reply = await mod.send({"type": "moderate", "action": "poll_open", "poll": poll})
        codes[name] = reply["code"]
    not_moderator = await anna.send({"type": "moderate", "action": "poll_open", "poll": modest})
    poll_id = await opened(mod)
    second = await mod.send({"type": "moderate", "action": "poll_open", "poll": modest})
    answers = {
        "unknown poll": {"poll_id": "p999999", "option": 0},
        "out of range": {"poll_id": poll_id, "option": 3},
        "not an integer": {"poll_id": poll_id, "option": "1"},
        "a fraction": {"poll_id": poll_id, "option": 1.5},
        "true": {"poll_id": poll_id, "option": True},
    }
    answer_codes = {}
    for name, fields in answers.items():
        answer_codes[name] = (await anna.send({"type": "answer", **fields}))["code"]
    from_public = await public.send({"type": "answer", "poll_id": poll_id, "option": 0})
    from_moderator = await mod.send({"type": "answer", "poll_id": poll_id, "option": 0})
    await mod.send({"type": "moderate", "action": "poll_close"})
    after_close = await anna.send({"type": "answer", "poll_id": poll_id, "option": 0})
    fresh = await connect(shared_site.url("plenary"))
    snapshot = await fresh.wait_for(lambda m: m["type"] == "snapshot")

    assert codes == {name: code for name, (_poll, code) in refused_polls.items()}
    assert not_moderator["code"] == "auth.forbidden"
    assert second["code"] == "qa.poll_still_open"
    assert answer_codes == {
        "unknown poll": "qa.unknown_poll",
        "out of range": "qa.invalid_option",
        "not an integer": "message.invalid_field",
        "a fraction": "message.invalid_field",
        "true": "message.invalid_field",
    }
    assert (from_public["code"], from_moderator["code"]) == ("auth.forbidden", "auth.forbidden")
    assert after_close["code"] == "qa.poll_closed"
    # Nothing of it counted: the poll opened once and closed with no answers.
    assert snapshot["qa"]["poll"]["id"] == poll_id
    assert snapshot["qa"]["poll"]["counts"] == [0, 0, 0]
    for client in (mod, anna, public, fresh):
        await client.close()


async def test_many_answers_reach_watchers_as_few_coalesced_counts(shared_site: Site):
    mod = await moderator(shared_site)
    await mod.send({"type": "moderate", "action": "poll_close"})
    watcher = await connect(shared_site.url("plenary"))
    await watcher.wait_for(lambda m: m["type"] == "snapshot")
    people = [await attendee(shared_site, f"Kiezer {n}") for n in range(30)]
    poll_id = await opened(mod)
    rounds = 6  # every attendee changes their answer: 180 answers, well within the rate limit

    async def answer_all(person: Client, index: int) -> list[dict[str, Any]]:
        return [
            await person.send({"type": "answer", "poll_id": poll_id, "option": (index + r) % 3})
            for r in range(rounds)
        ]

    acks = await asyncio.gather(*(answer_all(p, n) for n, p in enumerate(people)))
    final = [0, 0, 0]
    for index in range(len(people)):
        final[(index + rounds - 1) % 3] += 1
    await mod.send({"type": "moderate", "action": "poll_close"})
    await watcher.wait_for(
        lambda m: m.get("type") == "event" and m["event"]["type"] == "poll.closed"
    )

    answers = sum(len(a) for a in acks)
    assert all(ack["type"] == "ack" for a in acks for ack in a)
    sent = poll_counts(watcher)
    assert answers == 180
    assert len(sent) < answers / 4, len(sent)
    assert sent[-1] == {"id": poll_id, "counts": final, "total": len(people)}
    for client in (mod, watcher, *people):
        await client.close()


async def test_a_restart_keeps_the_poll_and_its_answers(tmp_path: Path):
    env = sqlite_env(tmp_path)
    with start(env) as base:
        site = Site(base, env)
        token = site.role_token("moderator", "plenary")
        mod = await moderator(site)
        poll_id = await opened(mod)
        anna_token = site.register("Anna")
        anna = await connect(site.url("plenary", anna_token))
        await anna.wait_for(lambda m: m["type"] == "snapshot")
        assert (await anna.send({"type": "answer", "poll_id": poll_id, "option": 0}))[
            "type"
        ] == "ack"
        await mod.close()
        await anna.close()
    with start(env) as base:
        site = Site(base, env)
        anna = await connect(site.url("plenary", anna_token))
        snapshot = await anna.wait_for(lambda m: m["type"] == "snapshot")
        changed = await anna.send({"type": "answer", "poll_id": poll_id, "option": 2})
        mod = await connect(site.url("plenary", token))
        seen = await mod.wait_for(lambda m: m["type"] == "snapshot")

        assert snapshot["qa"]["poll"]["counts"] == [1, 0, 0]
        assert snapshot["qa"]["poll"]["answer"] == 0
        assert changed["type"] == "ack"
        assert seen["qa"]["poll"]["counts"] == [0, 0, 1]
        for client in (mod, anna):
            await client.close()


@pytest.mark.postgres
@pytest.mark.redis
async def test_two_instances_on_postgres_and_redis_share_a_poll(
    postgres_url: str, redis_url: str, tmp_path: Path
):
    env = cluster_env(postgres_url, redis_url, tmp_path)
    with start(env) as base_a, start(env) as base_b:
        a, b = Site(base_a, env), Site(base_b, env)
        mod_b = await moderator(b)
        watcher_b = await connect(b.url("plenary"))
        await watcher_b.wait_for(lambda m: m["type"] == "snapshot")
        people = [await attendee(a, f"Kiezer {n}") for n in range(10)]
        poll_id = await opened(mod_b)
        await people[0].wait_for(
            lambda m: m.get("type") == "event" and m["event"]["type"] == "poll.opened"
        )
        acks = await asyncio.gather(
            *(
                p.send({"type": "answer", "poll_id": poll_id, "option": n % 2})
                for n, p in enumerate(people)
            )
        )
        await mod_b.send({"type": "moderate", "action": "poll_close"})
        closed = await watcher_b.wait_for(
            lambda m: m.get("type") == "event" and m["event"]["type"] == "poll.closed"
        )

        assert all(ack["type"] == "ack" for ack in acks)
        assert closed["event"]["poll"]["counts"] == [5, 5, 0]
        assert poll_counts(watcher_b)[-1]["counts"] == [5, 5, 0]
        for client in (mod_b, watcher_b, *people):
            await client.close()


async def test_an_erased_attendees_answer_still_counts_under_a_stand_in(shared_site: Site):
    mod = await moderator(shared_site)
    await mod.send({"type": "moderate", "action": "poll_close"})
    token = shared_site.register("Zwaan")
    person = await connect(shared_site.url("plenary", token))
    await person.wait_for(lambda m: m["type"] == "snapshot")
    poll_id = await opened(mod)
    answered = await person.send({"type": "answer", "poll_id": poll_id, "option": 1})
    before = await connect(
        shared_site.url("plenary", shared_site.role_token("moderator"), since=answered["seq"] - 1)
    )
    seen = await before.numbered(answered["seq"])
    await person.close()

    erased = httpx2.delete(
        f"{shared_site.base}/api/me",
        headers={"Authorization": f"Bearer {token}"},
        trust_env=False,
        timeout=10,
    )
    after = await connect(
        shared_site.url("plenary", shared_site.role_token("moderator"), since=answered["seq"] - 1)
    )
    replayed = await after.numbered(answered["seq"])
    public = await connect(shared_site.url("plenary"))
    snapshot = await public.wait_for(lambda m: m["type"] == "snapshot")

    assert erased.status_code == 204, erased.text
    assert seen["event"]["actor"].startswith("r")
    assert replayed["event"]["actor"].startswith("erased-")
    assert replayed["event"]["counts"] == [0, 1, 0]
    assert snapshot["qa"]["poll"]["counts"] == [0, 1, 0]
    for client in (mod, before, after, public):
        await client.close()


async def test_answers_count_against_the_tokens_message_limit_and_work_over_http(
    shared_site: Site,
):
    mod = await moderator(shared_site)
    await mod.send({"type": "moderate", "action": "poll_close"})
    poll_id = await opened(mod)
    token = shared_site.register("Haast")
    person = await connect(shared_site.url("plenary", token))
    await person.wait_for(lambda m: m["type"] == "snapshot")
    over_http = httpx2.post(
        f"{shared_site.base}/api/channels/plenary/actions",
        json={"type": "answer", "poll_id": poll_id, "option": 0},
        headers={"Authorization": f"Bearer {token}"},
        trust_env=False,
        timeout=10,
    )
    refused_over_http = httpx2.post(
        f"{shared_site.base}/api/channels/plenary/actions",
        json={"type": "answer", "poll_id": poll_id, "option": 7},
        headers={"Authorization": f"Bearer {token}"},
        trust_env=False,
        timeout=10,
    )

    # Sent at once, without waiting for the answers: 18 more reach the limit of 20 messages
    # in any 4 seconds (the two over HTTP count too), the rest are refused.
    for n in range(25):
        option = n % 3
        await person.connection.send(
            json.dumps({"type": "answer", "poll_id": poll_id, "option": option, "ref": f"x{n}"})
        )
    replies = [await person.wait_for(lambda m, n=n: m.get("ref") == f"x{n}") for n in range(25)]

    assert over_http.status_code == 200, over_http.text
    assert over_http.json()["poll_id"] == poll_id
    assert (refused_over_http.status_code, refused_over_http.json()["error"]["code"]) == (
        422,
        "qa.invalid_option",
    )
    assert [r["type"] for r in replies] == ["ack"] * 18 + ["error"] * 7
    assert {r["code"] for r in replies[18:]} == {"message.rate_limited"}
    await mod.send({"type": "moderate", "action": "poll_close"})
    fresh = await connect(shared_site.url("plenary"))
    snapshot = await fresh.wait_for(lambda m: m["type"] == "snapshot")
    assert snapshot["qa"]["poll"]["counts"] == [0, 0, 1]  # the 18th accepted answer: 17 % 3
    for client in (mod, person, fresh):
        await client.close()
