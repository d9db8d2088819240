"""The Q&A feed as its users meet it, over real websockets against a real `festival serve`:
an attendee asks, moderators see it at once and curate it, the audience sees only what was
approved, votes count once, the picked question is on air."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2

from tests.live.conftest import Client, Site, connect


async def moderator(site: Site, channel: str = "plenary") -> Client:
    """A moderator on `channel`, with its Q&A opened (the reference day's is closed now)."""
    client = await connect(site.url(channel, site.role_token("moderator", channel)))
    await client.wait_for(lambda m: m["type"] == "snapshot")
    ack = await client.send({"type": "moderate", "action": "open"})
    assert ack["type"] == "ack", ack
    return client


async def attendee(site: Site, name: str, channel: str = "plenary", **choices: str) -> Client:
    client = await connect(site.url(channel, site.register(name, choices)))
    await client.wait_for(lambda m: m["type"] == "snapshot")
    return client


async def test_a_question_reaches_moderators_at_once_and_the_audience_only_once_approved(
    shared_site: Site,
):
    mod = await moderator(shared_site)
    second_mod = await connect(
        shared_site.url("plenary", shared_site.role_token("moderator", "plenary"))
    )
    anna = await attendee(shared_site, "Anna de Vries")
    bert = await attendee(shared_site, "Bert Jansen")

    ack = await anna.send(
        {"type": "ask", "text": "Wat kan de wijk zelf?", "speaker": "monique kremer"}
    )
    assert ack["type"] == "ack"
    qid = ack["question_id"]

    asked = await mod.event("question.asked", id=qid)
    assert asked["event"]["question"]["asker"] == "Anna de Vries"
    assert asked["event"]["question"]["speaker"] == "Monique Kremer"  # as the programme spells it
    assert asked["event"]["question"]["state"] == "pending"
    await second_mod.event("question.asked", id=qid)
    own = await anna.event("question.asked", id=qid)
    assert own["event"]["question"]["awaiting_moderation"] is True
    assert own["event"]["question"]["mine"] is True

    await mod.send({"type": "moderate", "action": "approve", "question_id": qid})
    seen = await bert.event("question.approved", id=qid)
    assert seen["event"]["question"]["text"] == "Wat kan de wijk zelf?"
    # Bert never heard of the question while it was pending.
    assert not [m for m in bert.events() if m["event"]["type"] == "question.asked"]
    await second_mod.event("question.approved", id=qid)

    for client in (mod, second_mod, anna, bert):
        await client.close()


async def test_votes_count_once_can_be_withdrawn_and_merges_add_up(shared_site: Site):
    mod = await moderator(shared_site)
    asker = await attendee(shared_site, "Carla")
    voters = [await attendee(shared_site, f"Stemmer {n}") for n in range(3)]
    first = (await asker.send({"type": "ask", "text": "Hoe houden we het vol?"}))["question_id"]
    second = (await asker.send({"type": "ask", "text": "Hoe houd je dit vol?"}))["question_id"]
    for qid in (first, second):
        await mod.send({"type": "moderate", "action": "approve", "question_id": qid})

    for voter in voters:
        assert (await voter.send({"type": "vote", "question_id": first}))["type"] == "ack"
    again = await voters[0].send({"type": "vote", "question_id": first})
    assert again["code"] == "qa.already_voted"
    withdrawn = await voters[1].send({"type": "vote", "question_id": first, "withdraw": True})
    assert withdrawn["type"] == "ack"
    await voters[2].send({"type": "vote", "question_id": second})
    await voters[1].send({"type": "vote", "question_id": second})

    await mod.send({"type": "moderate", "action": "merge", "question_id": second, "into": first})
    absorbed = await asker.event("question.absorbed", id=first)
    # Voter 0 and 2 on the first, 1 and 2 on the duplicate: three people, three votes.
    assert absorbed["event"]["question"]["votes"] == 3
    merged = await mod.event("question.merged", id=second)
    assert merged["event"]["question"]["merged_into"] == first

    for client in (mod, asker, *voters):
        await client.close()


async def test_many_votes_reach_every_screen_as_a_few_counts_in_order_with_the_pick(
    shared_site: Site,
):
    mod = await moderator(shared_site)
    asker = await attendee(shared_site, "Eva")
    public = await connect(shared_site.url("plenary"))
    await public.wait_for(lambda m: m["type"] == "snapshot")
    ids = [
        (await asker.send({"type": "ask", "text": f"Stelling {n}"}))["question_id"]
        for n in (1, 2, 3)
    ]
    for qid in ids:
        await mod.send({"type": "moderate", "action": "approve", "question_id": qid})
    tokens = [shared_site.register(f"Kiezer {n}") for n in range(8)]
    voters = [await connect(shared_site.url("plenary", token)) for token in tokens]
    # The same attendee on a second page: its vote on the first question races the first page's.
    twin = await connect(shared_site.url("plenary", tokens[0]))
    for client in (*voters, twin):
        await client.wait_for(lambda m: m["type"] == "snapshot")

    votes = [(v, {"type": "vote", "question_id": q}) for v in voters for q in ids]
    votes.append((twin, {"type": "vote", "question_id": ids[0]}))
    replies = await asyncio.gather(*(client.send(message) for client, message in votes))
    await mod.send({"type": "moderate", "action": "pick", "question_id": ids[1]})
    await public.event("question.picked", id=ids[1])
    await mod.event("question.picked", id=ids[1])

    # Every vote counted once: the twin's or the first page's was refused, nothing else.
    refused = [r for r in replies if r["type"] != "ack"]
    assert [r["code"] for r in refused] == ["qa.already_voted"]
    snapshot = httpx2.get(f"{shared_site.base}/api/channels/plenary", trust_env=False).json()
    stored = {q["id"]: q["votes"] for q in snapshot["qa"]["questions"] if q["id"] in ids}
    assert stored == dict.fromkeys(ids, 8)
    # What each screen ends with, taking its messages as a page does, is what was stored.
    assert followed(public, ids) == stored
    assert followed(mod, ids) == stored
    final = {e["id"]: e for m in mod.messages if m["type"] == "counts" for e in m["questions"]}
    assert len(final[ids[2]]["voters"]) == 8
    # No vote came one by one, and far fewer counts than votes; the voter's own say `voted`.
    assert not [m for m in public.events() if m["event"]["type"].endswith("voted")]
    counts = [m for m in public.messages if m["type"] == "counts"]
    assert 1 <= len(counts) <= len(votes) // 3
    own = [e for m in voters[3].messages if m["type"] == "counts" for e in m["questions"]]
    assert {e["id"] for e in own if e.get("voted") is True} == set(ids)
    assert not [
        e for m in public.messages if m["type"] == "counts" for e in m["questions"] if "voted" in e
    ]

    for client in (mod, asker, public, twin, *voters):
        await client.close()


def followed(client: Client, ids: list[str]) -> dict[str, int]:
    """The vote counts a page ends with: its snapshot, then every event and counts message in
    the order they came; their seqs must only grow."""
    votes: dict[str, int] = {}
    seq = 0
    for message in client.messages:
        if message["type"] == "snapshot":
            votes = {q["id"]: q["votes"] for q in message["qa"]["questions"]}
            seq = message["seq"]
        elif message["type"] in ("event", "counts"):
            assert message["seq"] > seq, (message, seq)
            seq = message["seq"]
            question: Any = message.get("event", {}).get("question")
            for entry in message.get("questions", [question] if question else []):
                votes[entry["id"]] = entry["votes"]
    return {qid: votes[qid] for qid in ids}


async def test_pick_puts_one_question_on_air_and_answered_takes_it_off(shared_site: Site):
    mod = await moderator(shared_site)
    asker = await attendee(shared_site, "Dirk")
    viewer = await connect(shared_site.url("plenary"))  # the public, without a token
    ids = [(await asker.send({"type": "ask", "text": f"Vraag {n}"}))["question_id"] for n in (1, 2)]
    for qid in ids:
        await mod.send({"type": "moderate", "action": "approve", "question_id": qid})
    await mod.send({"type": "moderate", "action": "pick", "question_id": ids[0]})
    await viewer.event("question.picked", id=ids[0], state="on_air")
    await mod.send({"type": "moderate", "action": "pick", "question_id": ids[1]})
    await viewer.event("question.unpicked", id=ids[0], state="approved")
    await viewer.event("question.picked", id=ids[1], state="on_air")
    await mod.send({"type": "moderate", "action": "answered", "question_id": ids[1]})
    await viewer.event("question.answered", id=ids[1], state="answered")

    state = httpx2.get(f"{shared_site.base}/api/channels/plenary", trust_env=False).json()
    assert state["qa"]["on_air"] is None
    answered = [q for q in state["qa"]["questions"] if q["id"] == ids[1]]
    assert answered[0]["state"] == "answered"
    for client in (mod, asker, viewer):
        await client.close()


async def test_an_anonymous_question_hides_its_asker_from_the_audience_only(shared_site: Site):
    mod = await moderator(shared_site)
    asker = await attendee(shared_site, "Eva Geheim")
    viewer = await attendee(shared_site, "Frank")
    qid = (await asker.send({"type": "ask", "text": "Mag ik anoniem?", "anonymous": True}))[
        "question_id"
    ]
    asked = await mod.event("question.asked", id=qid)
    assert asked["event"]["question"]["asker"] == "Eva Geheim"
    await mod.send({"type": "moderate", "action": "approve", "question_id": qid})
    seen = await viewer.event("question.approved", id=qid)
    assert seen["event"]["question"]["asker"] is None
    assert "Eva" not in str(seen)
    assert "asker_id" not in seen["event"]["question"]
    for client in (mod, asker, viewer):
        await client.close()


async def test_edits_keep_the_original_for_moderators_and_notes_and_stars_stay_private(
    shared_site: Site,
):
    mod = await moderator(shared_site)
    asker = await attendee(shared_site, "Gijs")
    viewer = await attendee(shared_site, "Hanna")
    qid = (await asker.send({"type": "ask", "text": "Wat vindt de minster?"}))["question_id"]
    await mod.send({"type": "moderate", "action": "approve", "question_id": qid})
    await mod.send(
        {"type": "moderate", "action": "edit", "question_id": qid, "text": "Wat vindt de minister?"}
    )
    await mod.send({"type": "moderate", "action": "star", "question_id": qid})
    await mod.send({"type": "moderate", "action": "note", "question_id": qid, "note": "eerst"})

    edited = await mod.event("question.edited", id=qid)
    assert edited["event"]["question"]["original_text"] == "Wat vindt de minster?"
    public = await viewer.event("question.edited", id=qid)
    assert public["event"]["question"]["text"] == "Wat vindt de minister?"
    assert public["event"]["question"]["edited"] is True
    assert "original_text" not in public["event"]["question"]
    await mod.event("question.noted", id=qid)
    # The audience is not told about stars or notes at all.
    ping = await viewer.send({"type": "ping"})
    assert ping["type"] == "pong"
    kinds = {m["event"]["type"] for m in viewer.events()}
    assert not kinds & {"question.starred", "question.noted"}
    for client in (mod, asker, viewer):
        await client.close()


async def test_the_queue_per_speaker_picks_the_starred_then_most_voted(shared_site: Site):
    mod = await moderator(shared_site)
    asker = await attendee(shared_site, "Ivo")
    for_koen = []
    for text in ("Koen, eerste?", "Koen, tweede?"):
        ack = await asker.send({"type": "ask", "text": text, "speaker": "Koen Hermans"})
        for_koen.append(ack["question_id"])
    for qid in for_koen:
        await mod.send({"type": "moderate", "action": "approve", "question_id": qid})
    await mod.send({"type": "moderate", "action": "star", "question_id": for_koen[1]})
    picked = await mod.send({"type": "moderate", "action": "next", "speaker": "Koen Hermans"})
    assert picked["type"] == "ack"
    assert picked["question_id"] == for_koen[1]
    for client in (mod, asker):
        await client.close()


async def test_a_breakout_session_has_its_own_feed_for_its_own_attendees(shared_site: Site):
    mod = await moderator(shared_site, "huiskamer-1")
    inside = await attendee(shared_site, "Joke", "huiskamer-1", **{"ronde-1": "huiskamer-1"})
    outside = await attendee(shared_site, "Kees", "huiskamer-1")
    ack = await inside.send({"type": "ask", "text": "Hoe begon de bus?"})
    assert ack["type"] == "ack"
    await mod.event("question.asked", id=ack["question_id"])
    refused = await outside.send({"type": "ask", "text": "Mag ik ook?"})
    assert refused["code"] == "auth.forbidden"
    plenary_mod = await moderator(shared_site)
    await plenary_mod.send({"type": "ping"})
    assert {m["channel"] for m in plenary_mod.events()} <= {"plenary"}
    for client in (mod, inside, outside, plenary_mod):
        await client.close()


def test_the_same_actions_work_over_the_json_api(shared_site: Site):
    token = shared_site.register("Lotte")
    mod_token = shared_site.role_token("moderator", "plenary")

    def post(message: dict[str, object], bearer: str) -> httpx2.Response:
        return httpx2.post(
            f"{shared_site.base}/api/channels/plenary/actions",
            json=message,
            headers={"Authorization": f"Bearer {bearer}"},
            trust_env=False,
        )

    assert post({"type": "moderate", "action": "open"}, mod_token).status_code == 200
    asked = post({"type": "ask", "text": "Via de API?", "ref": 7}, token)
    assert asked.status_code == 201
    assert asked.json()["ref"] == 7
    qid = asked.json()["question_id"]
    assert post({"type": "moderate", "action": "approve", "question_id": qid}, mod_token).is_success
    assert post({"type": "vote", "question_id": qid}, token).status_code == 200
    twice = post({"type": "vote", "question_id": qid}, token)
    assert twice.status_code == 422
    assert twice.json()["error"]["code"] == "qa.already_voted"
    mine = httpx2.get(
        f"{shared_site.base}/api/channels/plenary",
        headers={"Authorization": f"Bearer {token}"},
        trust_env=False,
    ).json()
    question = next(q for q in mine["qa"]["questions"] if q["id"] == qid)
    assert question["votes"] == 1
    assert question["voted"] is True
    refused = post({"type": "moderate", "action": "hide", "question_id": qid}, token)
    assert refused.status_code == 403
    since = httpx2.get(
        f"{shared_site.base}/api/channels/plenary?since={mine['seq'] - 1}", trust_env=False
    ).json()
    assert since["type"] == "events"
    assert [e["seq"] for e in since["events"]] == [mine["seq"]]
