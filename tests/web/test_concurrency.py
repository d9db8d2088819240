"""No overbooking, ever: 500 people register at once for a session of 25 places.

Real concurrent HTTP requests against a real `festival serve` process, on SQLite and on
PostgreSQL. Exactly 25 get a place; the other 475 are waitlisted at positions 1..475, in the
order the server took them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx2

from tests.conftest import REFERENCE
from tests.servers import MANY_REGISTRATIONS, serve

PEOPLE = 500
PLACES = 25


def small_festival(tmp_path: Path) -> Path:
    text = REFERENCE.read_text()
    target = "capacity = 25"
    assert target in text
    path = tmp_path / "festival.toml"
    path.write_text(text.replace(target, f"capacity = {PLACES}"))
    return path


async def register_everyone(base: str) -> list[httpx2.Response]:
    limits = httpx2.Limits(max_connections=PEOPLE, max_keepalive_connections=0)
    async with httpx2.AsyncClient(base_url=base, timeout=120, limits=limits, trust_env=False) as c:
        requests = [
            c.post(
                "/api/registrations",
                json={
                    "name": f"Deelnemer {i}",
                    "email": f"deelnemer{i}@example.org",
                    "consent": True,
                    "choices": {"ronde-1": "huiskamer-1"},
                },
            )
            for i in range(PEOPLE)
        ]
        return list(await asyncio.gather(*requests))


def test_500_at_once_for_25_places_confirms_exactly_25_and_queues_the_rest_in_order(
    database_url: str, tmp_path: Path
):
    env = {
        "FESTIVAL_DATABASE_URL": database_url,
        "FESTIVAL_VAR_DIR": str(tmp_path),
        **MANY_REGISTRATIONS,  # 500 from one address, on purpose
    }

    with serve("--programme", str(small_festival(tmp_path)), "--demo", env=env) as base:
        responses = asyncio.run(register_everyone(base))
        programme = httpx2.get(f"{base}/api/programme", trust_env=False).json()

    assert sorted({r.status_code for r in responses}) == [201]
    places = [(r.json()["id"], r.json()["choices"]["ronde-1"]) for r in responses]
    confirmed = [i for i, p in places if p["status"] == "confirmed"]
    waitlisted = sorted((i, p["position"]) for i, p in places if p["status"] == "waitlisted")
    assert len(confirmed) == PLACES
    assert len(waitlisted) == PEOPLE - PLACES
    # In order: whoever the server took first stands first in line, with no gaps or doubles.
    assert [position for _, position in waitlisted] == list(range(1, PEOPLE - PLACES + 1))
    assert max(confirmed) < waitlisted[0][0]
    session = programme["rounds"][0]["sessions"][0]
    assert (session["id"], session["places_left"], session["waitlisted"]) == (
        "huiskamer-1",
        0,
        PEOPLE - PLACES,
    )
