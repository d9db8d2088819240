"""Bad input and abuse over a real websocket: each refused with a specific error, nothing
stored, and the connection stays up (tokens that are no good are refused at connect)."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from tests.live.conftest import Client, Site, connect
from tests.live.qa.test_feed import attendee, moderator


def stored_seq(site: Site, channel: str = "plenary") -> int:
    """The channel's last stored seq: unchanged means the refused message stored nothing."""
    snapshot = httpx2.get(f"{site.base}/api/channels/{channel}", trust_env=False).json()
    seq: int = snapshot["seq"]
    return seq


async def refused(site: Site, client: Client, message: dict[str, Any] | str) -> dict[str, Any]:
    """Send a bad message; return the error; check nothing was stored and the line is up."""
    before = stored_seq(site)
    if isinstance(message, str):
        await client.connection.send(message)
        error = await client.wait_for(lambda m: m["type"] == "error" and "ref" not in m)
        client.messages.remove(error)
    else:
        error = await client.send(message)
    assert error["type"] == "error", error
    assert error["message"]
    assert stored_seq(site) == before
    assert (await client.send({"type": "ping"}))["type"] == "pong"  # still connected
    return error


@pytest.fixture
async def pair(shared_site: Site) -> Any:
    mod = await moderator(shared_site)
    person = await attendee(shared_site, "Mallory")
    yield mod, person
    await mod.close()
    await person.close()


async def test_empty_and_oversized_questions(shared_site: Site, pair: Any):
    _mod, person = pair
    assert (await refused(shared_site, person, {"type": "ask", "text": "   "}))[
        "code"
    ] == "qa.empty"
    too_long = await refused(shared_site, person, {"type": "ask", "text": "x" * 501})
    assert too_long["code"] == "qa.too_long"
    assert "500" in too_long["message"]
    assert too_long["field"] == "text"
    exactly = await person.send({"type": "ask", "text": "y" * 500})
    assert exactly["type"] == "ack"


async def test_malformed_json_unknown_types_and_missing_fields(shared_site: Site, pair: Any):
    mod, person = pair
    assert (await refused(shared_site, person, "{not json"))["code"] == "message.invalid_json"
    assert (await refused(shared_site, person, "[1, 2]"))["code"] == "message.invalid_json"
    unknown = await refused(shared_site, person, {"type": "shout"})
    assert unknown["code"] == "message.unknown_type"
    missing = await refused(shared_site, person, {"type": "ask"})
    assert (missing["code"], missing["field"]) == ("message.missing_field", "text")
    wrong = await refused(shared_site, person, {"type": "ask", "text": 42})
    assert (wrong["code"], wrong["field"]) == ("message.invalid_field", "text")
    no_question = await refused(shared_site, mod, {"type": "moderate", "action": "approve"})
    assert no_question["field"] == "question_id"
    bad_action = await refused(shared_site, mod, {"type": "moderate", "action": "delete"})
    assert bad_action["code"] == "message.unknown_action"
    huge = await refused(shared_site, person, json.dumps({"type": "ask", "text": "z" * 5000}))
    assert huge["code"] == "message.too_large"
    await person.connection.send(b'{"type": "ask", "text": "binair"}')
    binary = await person.wait_for(lambda m: m.get("code") == "message.binary")
    person.messages.remove(binary)
    assert (await person.send({"type": "ping"}))["type"] == "pong"


async def test_votes_on_unknown_hidden_or_own_double_votes(shared_site: Site, pair: Any):
    mod, person = pair
    unknown = await refused(shared_site, person, {"type": "vote", "question_id": "q999999"})
    assert unknown["code"] == "qa.unknown_question"
    qid = (await person.send({"type": "ask", "text": "Verborgen vraag"}))["question_id"]
    pending = await refused(shared_site, person, {"type": "vote", "question_id": qid})
    assert pending["code"] == "qa.not_votable"
    await mod.send({"type": "moderate", "action": "hide", "question_id": qid})
    hidden = await refused(shared_site, person, {"type": "vote", "question_id": qid})
    assert hidden["code"] == "qa.not_votable"
    not_voted = await refused(
        shared_site, person, {"type": "vote", "question_id": qid, "withdraw": True}
    )
    assert not_voted["code"] in {"qa.not_votable", "qa.not_voted"}


async def test_moderator_actions_need_a_moderator_token_for_this_channel(
    shared_site: Site, pair: Any
):
    mod, person = pair
    qid = (await person.send({"type": "ask", "text": "Keur mij zelf goed"}))["question_id"]
    own = await refused(
        shared_site, person, {"type": "moderate", "action": "approve", "question_id": qid}
    )
    assert own["code"] == "auth.forbidden"
    elsewhere = await connect(
        shared_site.url("plenary", shared_site.role_token("moderator", "huiskamer-2"))
    )
    # A token for another channel is refused at connect, with a reason.
    first = await elsewhere.wait_for(lambda m: True)
    assert (first["type"], first["code"]) == ("error", "auth.forbidden")
    assert await elsewhere.close_code() == 4403
    await elsewhere.close()
    # An attendee cannot ask as someone else, nor vote on behalf of others: the identity
    # comes from the token, never from the message.
    spoofed = await person.send(
        {"type": "ask", "text": "Namens een ander", "asker_id": "r1", "name": "Iemand"}
    )
    asked = await mod.event("question.asked", id=spoofed["question_id"])
    assert asked["event"]["question"]["asker"] == "Mallory"


async def test_revoked_and_unknown_tokens_are_refused_at_connect(shared_site: Site):
    token = shared_site.role_token("moderator", "plenary")
    listing = shared_site.cli("token", "list")
    token_id = listing.strip().splitlines()[-1].split("\t")[0]
    shared_site.cli("token", "revoke", token_id)
    for bad in (token, "not-a-token"):
        client = await connect(shared_site.url("plenary", bad))
        error = await client.wait_for(lambda m: m["type"] == "error")
        assert error["code"] == "auth.invalid"
        assert await client.close_code() == 4401
        await client.close()


async def test_flooding_is_limited_per_attendee_with_a_clear_error(shared_site: Site, pair: Any):
    _mod, _ = pair
    token = shared_site.register("Oscar")
    person = await connect(shared_site.url("plenary", token))
    for n in range(3):
        assert (await person.send({"type": "ask", "text": f"Vraag {n}"}))["type"] == "ack"
    limited = await refused(shared_site, person, {"type": "ask", "text": "Nog een"})
    assert limited["code"] == "qa.rate_limited"
    assert limited["retry_after"] >= 1
    # Another connection of the same attendee does not reset the limit.
    again = await connect(shared_site.url("plenary", token))
    assert (await refused(shared_site, again, {"type": "ask", "text": "Via een tweede tab"}))[
        "code"
    ] == "qa.rate_limited"
    for client in (person, again):
        await client.close()


async def test_too_many_messages_per_connection_are_refused(shared_site: Site):
    viewer = await connect(shared_site.url("plenary"))
    await viewer.wait_for(lambda m: m["type"] == "snapshot")
    replies = [await viewer.send({"type": "ping"}) for _ in range(40)]
    codes = [r.get("code") for r in replies if r["type"] == "error"]
    assert codes
    assert set(codes) == {"message.rate_limited"}
    await viewer.close()


async def test_markup_in_questions_is_kept_as_text(shared_site: Site, pair: Any):
    mod, person = pair
    text = '<script>alert("x")</script><b>vet</b>'
    qid = (await person.send({"type": "ask", "text": text}))["question_id"]
    asked = await mod.event("question.asked", id=qid)
    assert asked["event"]["question"]["text"] == text  # escaping is the page's job


async def test_unknown_channels_are_refused_at_connect(shared_site: Site):
    client = await connect(shared_site.url("no-such-room"))
    error = await client.wait_for(lambda m: m["type"] == "error")
    assert error["code"] == "channel.not_found"
    assert await client.close_code() == 4404
    await client.close()


async def test_deep_nesting_and_numbers_json_lacks_get_an_error_and_the_socket_stays(
    shared_site: Site, pair: Any
):
    _mod, person = pair
    deep = "[" * 1000 + "]" * 1000  # Python's own parser would recurse past its limit
    frames = [
        deep,
        '{"type": "ask", "text": "diep", "ref": ' + deep + "}",
        '{"type": "ping", "ref": 1e999}',  # read as infinity, echoed as `Infinity`
        '{"type": "ping", "ref": NaN}',
        '{"type": "vote", "question_id": "q1", "ref": -Infinity}',
    ]
    for frame in frames:
        error = await refused(shared_site, person, frame)
        assert error["code"] == "message.invalid_json", frame[:40]
    assert "32" in (await refused(shared_site, person, deep))["message"]


@pytest.mark.parametrize(
    "since", ["%D9%A3", "%C2%B2", "9" * 5000, "-1", "1.5", "0x10"], ids=lambda s: s[:10]
)
async def test_a_since_that_is_not_ascii_digits_is_refused_at_connect(shared_site: Site, since):
    client = await connect(f"{shared_site.url('plenary')}?since={since}")
    error = await client.wait_for(lambda m: True)
    assert (error["type"], error["code"], error["field"]) == (
        "error",
        "message.invalid_field",
        "since",
    )
    assert await client.close_code() == 4400
    await client.close()


@pytest.mark.parametrize("path", ["/api/channels/plenary", "/api/show"])
@pytest.mark.parametrize("since", ["٣", "²", "9" * 5000])
def test_a_since_that_is_not_ascii_digits_is_a_400_over_http(shared_site: Site, path, since):
    response = httpx2.get(f"{shared_site.base}{path}", params={"since": since}, trust_env=False)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "message.invalid_field"


def test_an_action_with_a_number_json_lacks_is_refused_and_stores_nothing(shared_site: Site):
    token = shared_site.register("Nina")
    before = stored_seq(shared_site)
    response = httpx2.post(
        f"{shared_site.base}/api/channels/plenary/actions",
        content=b'{"type": "ask", "text": "Oneindig?", "ref": 1e999}',
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        trust_env=False,
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "json.malformed"
    assert stored_seq(shared_site) == before
