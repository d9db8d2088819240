"""A real `festival serve` with the reference festival, for the show channel's tests.

Reuses the Q&A tests' `Site` (role tokens, registrations, CLI) and websockets `Client`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.live_qa.conftest import Site, sqlite_env, start
from tests.mailing.conftest import smtp as smtp  # the real SMTP server, for these tests too

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


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    env = sqlite_env(tmp_path)
    with start(env) as base:
        yield Site(base, env)
