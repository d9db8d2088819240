"""People's identity and data through a real `festival serve`, on SQLite and on PostgreSQL:
look-alike addresses, odd names, and erasure that leaves no trace and no heir."""

from __future__ import annotations

import asyncio
import json
import mailbox
import time
from email.message import Message
from pathlib import Path
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from starlette.testclient import TestClient

from festival.clock import FixedClock
from festival.config import Settings
from festival.storage.db import Database
from festival.storage.tables import Base
from festival.web.app import create_app
from tests.conftest import REFERENCE
from tests.live.conftest import Site, connect
from tests.registration.test_validation import json_values, known
from tests.servers import serve
from tests.web.conftest import NOW, load_into

WAIT = 10.0  # seconds to wait for the server's mail sender


def env_for(database_url: str, folder: Path) -> dict[str, str]:
    return {"FESTIVAL_DATABASE_URL": database_url, "FESTIVAL_VAR_DIR": str(folder)}


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Any:
    env = env_for(database_url, tmp_path)
    with serve("--programme", str(REFERENCE), "--demo", env=env) as base:
        yield Site(base, env)


def post(site: Site, path: str, body: Any, token: str | None = None) -> httpx2.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx2.post(
        f"{site.base}{path}", json=body, headers=headers, trust_env=False, timeout=10
    )


def act(site: Site, message: dict[str, Any], token: str) -> httpx2.Response:
    """One Q&A action over the JSON API, as the holder of `token`."""
    return post(site, "/api/channels/plenary/actions", message, token)


def registering(site: Site, name: str, email: str, **fields: Any) -> httpx2.Response:
    body = {"name": name, "email": email, "consent": True, **fields}
    return post(site, "/api/registrations", body)


def plenary(site: Site, token: str) -> dict[str, Any]:
    response = httpx2.get(
        f"{site.base}/api/channels/plenary",
        headers={"Authorization": f"Bearer {token}"},
        trust_env=False,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    snapshot: dict[str, Any] = response.json()
    return snapshot


def mail_to(folder: Path, address: str) -> list[Message]:
    """Messages delivered to `address` in the server's maildir, waiting for the sender."""
    deadline = time.monotonic() + WAIT
    while True:
        box = mailbox.Maildir(folder / "mail", create=True)
        found = [m for m in box if address in str(m["To"])]
        kinds = {m.get_content_type() for m in found for m in m.walk()}
        if ("text/calendar" in kinds and found) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)  # the sender runs in the server process; look again shortly


def everything_stored(database_url: str) -> str:
    async def dump() -> str:
        database = Database(database_url)
        found: list[str] = []
        try:
            async with database.session() as session:
                for table in Base.metadata.sorted_tables:
                    for row in await session.execute(select(table)):
                        found += [json.dumps(v, ensure_ascii=False, default=str) for v in row]
        finally:
            await database.dispose()
        return "\n".join(found)

    return asyncio.run(dump())


# -- addresses and names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "look_alike",
    [
        "ＡＮＮ@ｅｘａｍｐｌｅ.org",  # full-width
        "an\u200bn@example.org",  # zero-width space
        "an\u00adn@example.org",  # soft hyphen
        "ANN@Example.ORG",
    ],
)
def test_a_look_alike_address_finds_the_existing_registration(site: Site, look_alike: str):
    assert registering(site, "Ann", "ann@example.org").status_code == 201

    again = registering(site, "Ann Twee", look_alike)

    assert (again.status_code, again.json()["status"]) == (200, "exists")


def test_decomposed_and_composed_accents_are_one_address(site: Site):
    # The maildir takes non-ASCII local parts (SMTPUTF8 is no question there).
    first = registering(site, "Zoë", "zoe\u0308@example.org")
    again = registering(site, "Zoë", "zoë@example.org")

    assert first.status_code == 201
    assert first.json()["email"] == "zoë@example.org"
    assert (again.status_code, again.json()["status"]) == (200, "exists")


def test_an_smtp_server_without_smtputf8_gets_a_field_error_not_a_registration(
    database_url: str, tmp_path: Path
):
    env = {**env_for(database_url, tmp_path), "FESTIVAL_SMTP_URL": "smtp://127.0.0.1:9"}
    with serve("--programme", str(REFERENCE), "--demo", env=env) as base:
        site = Site(base, env)
        refused = registering(site, "Zoë", "zoë@example.org", language="en")
        taken = registering(site, "José", "jose@bücher.example.org")

    assert refused.status_code == 422
    assert refused.json()["errors"]["email"].startswith("Our mail server cannot send to")
    assert taken.status_code == 201
    assert taken.json()["email"] == "jose@xn--bcher-kva.example.org"


@pytest.mark.parametrize("field", ["name", "organisation"])
def test_a_nul_byte_in_a_name_is_not_a_server_error(site: Site, field: str):
    # PostgreSQL refuses NUL in text; it never gets that far.
    body = {"name": "Ann", "organisation": "", field: "Ann\x00Smit"}
    response = registering(site, body.pop("name"), "ann@example.org", **body)

    assert response.status_code == 201, response.text
    assert response.json()[field] == "Ann Smit"


def test_nul_and_lone_surrogates_elsewhere_are_field_errors(site: Site):
    raw = '{"name": "Ann", "email": "ann\\u0000@example.org", "consent": true, "x\\ud800": 1}'
    response = httpx2.post(
        f"{site.base}/api/registrations",
        content=raw.encode(),
        headers={"Content-Type": "application/json"},
        trust_env=False,
    )

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"email", "x\ufffd"}


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/registrations?festival=%00"), ("GET", "/register?festival=x%00y")],
)
def test_a_nul_in_the_festival_asked_for_is_not_found_not_a_server_error(
    site: Site, method: str, path: str
):
    body = {"name": "Ann", "email": "ann@example.org", "consent": True}
    response = httpx2.request(
        method, f"{site.base}{path}", json=body if method == "POST" else None, trust_env=False
    )

    assert response.status_code == 404


# -- erasure ----------------------------------------------------------------------------------


def test_erasing_the_newest_leaves_no_trace_and_no_heir(
    site: Site, database_url: str, tmp_path: Path
):
    moderator = site.role_token("moderator", "plenary")
    bob = registering(site, "Bob Blijft", "bob@example.org").json()
    ann = registering(
        site, "Ann Weg", "ann.weg@example.org", choices={"ronde-1": "huiskamer-1"}
    ).json()
    assert mail_to(tmp_path, "ann.weg@example.org")  # her welcome went out
    assert act(site, {"type": "moderate", "action": "open"}, moderator).is_success
    own = act(site, {"type": "ask", "text": "Van Ann"}, ann["token"])
    bobs_id = act(site, {"type": "ask", "text": "Van Bob"}, bob["token"]).json()["question_id"]
    approve = {"type": "moderate", "action": "approve", "question_id": bobs_id}
    assert act(site, approve, moderator).is_success
    assert act(site, {"type": "vote", "question_id": bobs_id}, ann["token"]).is_success
    # Something still queued for her, so that dropping it is tested too.
    assert registering(site, "Ann Weg", "ann.weg@example.org").status_code == 200

    erased = httpx2.delete(
        f"{site.base}/api/me", headers={"Authorization": f"Bearer {ann['token']}"}, trust_env=False
    )
    cas = registering(site, "Cas Nieuw", "cas@example.org", choices={"ronde-1": "huiskamer-1"})

    assert erased.status_code == 204
    assert cas.status_code == 201
    assert cas.json()["id"] > ann["id"]  # a fresh id, not hers
    mails = mail_to(tmp_path, "cas@example.org")
    subjects = [str(m["Subject"]) for m in mails]
    assert any("aangemeld" in s for s in subjects), subjects  # his own welcome mail
    assert any(p.get_content_type() == "text/calendar" for m in mails for p in m.walk())
    # None of her Q&A identity: not her question, not her vote, not her ask limit (3 a minute).
    seen = plenary(site, cas.json()["token"])["qa"]["questions"]
    assert [q for q in seen if q["mine"]] == []
    assert next(q for q in seen if q["id"] == bobs_id)["voted"] is False
    for n in range(3):
        asked = act(site, {"type": "ask", "text": f"Cas {n}"}, cas.json()["token"])
        assert asked.status_code == 201, asked.text
    # Her question stays for the moderators, anonymous, and her vote still counts.
    questions = {q["id"]: q for q in plenary(site, moderator)["qa"]["questions"]}
    hers = questions[own.json()["question_id"]]
    assert (hers["text"], hers["asker"], hers["anonymous"]) == ("Van Ann", "", True)
    assert questions[bobs_id]["votes"] == 1
    assert len(questions) == 5
    # Her name and address are nowhere in the database.
    stored = everything_stored(database_url)
    assert "Ann Weg" not in stored
    assert "ann.weg@example.org" not in stored
    assert "Bob Blijft" in stored  # the dump does see names


def test_a_socket_opened_before_erasure_cannot_ask_or_vote_after_it(site: Site, database_url: str):
    moderator = site.role_token("moderator", "plenary")
    ann = registering(site, "Ann Weg", "ann.weg@example.org").json()
    assert act(site, {"type": "moderate", "action": "open"}, moderator).is_success

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        client = await connect(site.url("plenary", ann["token"]))
        try:
            await client.wait_for(lambda m: m.get("type") == "snapshot")
            response = httpx2.delete(
                f"{site.base}/api/me",
                headers={"Authorization": f"Bearer {ann['token']}"},
                trust_env=False,
            )
            assert response.status_code == 204
            asked = await client.send({"type": "ask", "text": "Nog een vraag"})
            voted = await client.send({"type": "vote", "question_id": "q1"})
        finally:
            await client.close()
        return asked, voted

    asked, voted = asyncio.run(scenario())

    assert (asked["type"], asked["code"]) == ("error", "auth.invalid")
    assert (voted["type"], voted["code"]) == ("error", "auth.invalid")
    assert "Ann Weg" not in everything_stored(database_url)


# -- any body ---------------------------------------------------------------------------------

ANSWERS = {200, 201, 400, 413, 422}  # docs/api.md, POST /api/registrations


@pytest.fixture
def in_process(database_url: str, tmp_path: Path) -> Any:
    """The app in this process (no network per example: hypothesis tries hundreds)."""
    load_into(database_url, REFERENCE)
    settings = Settings(
        database_url=database_url,
        var_dir=str(tmp_path),
        # Hundreds of bodies from one client, some with the same address: past the rate
        # limits (docs/api.md, "Rate limits"), which this test is not about.
        rate_registrations_per_address="1000000/minute",
        rate_registrations_per_email="1000000/minute",
    )
    with TestClient(create_app(settings, clock=FixedClock(NOW))) as client:
        yield client


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=known | st.dictionaries(st.text(), json_values))
def test_any_registration_body_gets_a_documented_answer(in_process: TestClient, body: Any):
    # Encoded here, ASCII-escaped: lone surrogates and NUL travel as \\u escapes, as they would
    # from any client; NaN and Infinity go out as such (not JSON; refused with a 400).
    raw = json.dumps(body).encode()

    response = in_process.post(
        "/api/registrations", content=raw, headers={"Content-Type": "application/json"}
    )

    assert response.status_code in ANSWERS, response.text
    answer = response.json()
    if response.status_code >= 400:
        assert answer["error"]["code"]
    if response.status_code == 422:
        assert answer["errors"]
