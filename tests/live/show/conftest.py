"""A real `festival serve` with the reference festival, for the show channel's tests.

Reuses the Q&A tests' `Site` (role tokens, registrations, CLI) and websockets `Client`.
`site` is the festival on its day, its plenary starting within the hour, so going live is
the real thing; `rehearsal_site` is the demo, whose plenary is always hours away when a test
runs, so going live there is a rehearsal.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import pytest

from tests.conftest import REFERENCE
from tests.live.conftest import Site, sqlite_env, start
from tests.mailing.conftest import smtp as smtp  # the real SMTP server, for these tests too
from tests.servers import serve

PLENARY_AHEAD = timedelta(minutes=30)  # on the day, the plenary starts this long after now

Message = dict[str, Any]


def post_action(site: Site, message: Message, token: str | None = None) -> httpx2.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx2.post(
        f"{site.base}/api/show/actions",
        json=message,
        headers=headers,
        trust_env=False,
        timeout=10,
    )


def programme(site: Site, lang: str = "en") -> Message:
    response = httpx2.get(f"{site.base}/api/programme?lang={lang}", trust_env=False, timeout=10)
    assert response.status_code == 200, response.text
    body: Message = response.json()
    return body


def zone_at_hour(now: datetime, hour: int) -> ZoneInfo:
    """A fixed-offset zone in which `now` falls between `hour`:00 and `hour`:59."""
    hours = (hour - now.hour) % 24
    if hours > 14:  # the zones run from UTC-12 to UTC+14
        hours -= 24
    return ZoneInfo(f"Etc/GMT{-hours:+d}")  # POSIX signs: Etc/GMT-2 is two hours ahead


def on_the_day(folder: Path, now: datetime) -> Path:
    """The reference festival today in a zone where it is 13:xx now, its plenary (105
    minutes) starting PLENARY_AHEAD from now: both rounds are over, and a host going live now
    goes live for real."""
    local = now.astimezone(zone_at_hour(now, 13)).replace(second=0, microsecond=0)
    starts = local + PLENARY_AHEAD
    text = REFERENCE.read_text()
    for old, new in (
        ("date = 2020-11-19", f"date = {local.date().isoformat()}"),
        ('timezone = "Europe/Amsterdam"', f'timezone = "{local.tzinfo}"'),
        (
            "start = 13:30:00\nend = 15:15:00",
            f"start = {starts:%H:%M:00}\nend = {starts + timedelta(minutes=105):%H:%M:00}",
        ),
    ):
        assert old in text
        text = text.replace(old, new, 1)
    path = folder / "on-the-day.toml"
    path.write_text(text)
    return path


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """The festival on its day: going live is not a rehearsal."""
    env = sqlite_env(tmp_path)
    with serve("--programme", str(on_the_day(tmp_path, datetime.now(UTC))), env=env) as base:
        yield Site(base, env)


@pytest.fixture
def rehearsal_site(tmp_path: Path) -> Iterator[Site]:
    """The demo: its plenary is more than an hour away, so going live is a rehearsal."""
    env = sqlite_env(tmp_path)
    with start(env) as base:
        yield Site(base, env)
