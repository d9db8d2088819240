"""No token in the log: a real `festival serve` whose output is kept is sent every kind of link
that carries a secret (personal pages, feeds, consoles, websockets, refused tokens), and no
line it wrote holds one of them."""

from __future__ import annotations

from pathlib import Path

import httpx2

from festival.web.redact import redact
from tests.conftest import REFERENCE
from tests.live.conftest import Site, connect, sqlite_env
from tests.servers import serve


def test_redact_hides_path_secrets_and_token_parameters():
    assert redact('GET /me/abc123/questions/plenary?lang=en HTTP/1.1" 200') == (
        'GET /me/[redacted]/questions/plenary?lang=en HTTP/1.1" 200'
    )
    assert redact("/calendar/abc.ics /join/xyz/huiskamer-1") == (
        "/calendar/[redacted] /join/[redacted]/huiskamer-1"
    )
    assert redact("/ws/channels/plenary?since=4&token=abc") == (
        "/ws/channels/plenary?since=4&token=[redacted]"
    )
    assert redact("/api/me/choices/ronde-1") == "/api/me/choices/ronde-1"  # nothing secret


def test_redact_sees_through_percent_encoding():
    # Starlette decodes the path and the query's names, so these reach the same page and
    # parameter as their plain spelling; the access log shows them as sent.
    assert redact("GET /%6De/abc123 HTTP/1.1") == "GET /%6De/[redacted] HTTP/1.1"
    assert redact("GET /me%2fabc123 HTTP/1.1") == "GET /me%2f[redacted] HTTP/1.1"
    assert redact("/%63alendar/abc.ics") == "/%63alendar/[redacted]"
    assert redact("/host?%74oken=abc&lang=en") == "/host?%74oken=[redacted]&lang=en"
    assert redact("/host?lang=en&TOKEN%3Dabc") == "/host?lang=en&TOKEN%3D[redacted]"


async def test_no_token_reaches_any_log_line(tmp_path: Path):
    printed, errors = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    env = sqlite_env(tmp_path)
    with serve(
        "--programme",
        str(REFERENCE),
        "--demo",
        "--log-level",
        "info",  # every request and handshake logged: the lines that could hold a token
        env=env,
        stdout=printed,
        stderr=errors,
    ) as base:
        site = Site(base, env)
        personal = site.register("Anna")
        roles = {
            "moderator": site.role_token("moderator", "plenary"),
            "host": site.role_token("host"),
            "presenter": site.role_token("presenter"),
            "admin": site.role_token("admin"),
        }
        links = [
            f"/me/{personal}",
            f"/me/{personal}/questions/plenary?lang=en",
            f"/me/{personal}/data.json",
            f"/api/me?token={personal}",
            f"/calendar/{personal}.ics",
            f"/join/{personal}/huiskamer-1",
            f"/moderate?token={roles['moderator']}",
            f"/moderate/plenary?lang=en&token={roles['moderator']}",
            f"/host?token={roles['host']}",
            f"/presenter?token={roles['presenter']}",
            f"/admin?token={roles['admin']}",
            "/moderate?token=not-a-real-token-but-secret-looking",
            f"/%6De/{personal}",  # percent-encoded, the same page and parameter
            f"/host?%74oken={roles['host']}",
        ]
        statuses = [
            httpx2.get(f"{base}{link}", trust_env=False, timeout=10).status_code for link in links
        ]
        for token in (personal, roles["moderator"]):
            client = await connect(site.url("plenary", token))
            await client.wait_for(lambda m: m["type"] == "snapshot")
            await client.close()
        show = await connect(f"{site.ws}/ws/channels/show?token={roles['host']}")
        await show.wait_for(lambda m: m["type"] == "snapshot")
        await show.close()

    log = printed.read_text() + errors.read_text()
    secrets = [personal, *roles.values(), "not-a-real-token-but-secret-looking"]
    leaked = [line for line in log.splitlines() for s in secrets if s in line]
    assert leaked == []
    assert statuses[:4] == [200, 200, 200, 200]
    assert statuses[6:11] == [303] * 5  # the consoles move their token into a cookie
    assert statuses[12:] == [200, 303]
    # The requests were logged, with their secrets replaced.
    assert '"GET /me/[redacted]/questions/plenary?lang=en HTTP/1.1" 200' in log
    assert '"GET /moderate/plenary?lang=en&token=[redacted] HTTP/1.1" 303' in log
    assert '"WebSocket /ws/channels/plenary?token=[redacted]" [accepted]' in log
    assert '"WebSocket /ws/channels/show?token=[redacted]" [accepted]' in log
