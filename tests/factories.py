"""Builders for registration, token and programme-file tests.

Every default is spelled out here, so a test only names what it is about.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from festival.access.tokens import Role
from festival.cli import main
from festival.clock import Clock, FixedClock
from festival.config import Settings
from festival.programme.loading import read_programme
from festival.storage.db import Database
from festival.storage.token_repo import create_token, revoke_token
from festival.web.app import create_app
from tests.web.conftest import NOW, load_into

REFERENCE_SLUG = "agenda-sociaal-werk-2020"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local(hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment on the reference festival's day (19 November 2020), Amsterdam time, in UTC."""
    return datetime(2020, 11, 19, hour, minute, second, tzinfo=AMSTERDAM).astimezone(UTC)


def started(settings: Settings, *paths: Path, clock: Clock | None = None) -> TestClient:
    """A client for an app on a new database holding `paths`; use it in a `with` block."""
    load_into(settings.database_url, *paths)
    return TestClient(create_app(settings, clock=clock or FixedClock(NOW)))


def registration(
    name: str = "Ann de Vries",
    email: str = "ann@example.org",
    *,
    choices: dict[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A JSON body for POST /api/registrations: consent given, no sessions unless asked."""
    body: dict[str, Any] = {"name": name, "email": email, "consent": True}
    if choices is not None:
        body["choices"] = choices
    body.update(fields)
    return body


def register(client: TestClient, body: dict[str, Any], query: str = "") -> dict[str, Any]:
    """Register through the API and return the 201 body (failing loudly otherwise)."""
    response = client.post(f"/api/registrations{query}", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def festival_file(
    directory: Path,
    source: Path,
    *,
    capacity: dict[str, int] | None = None,
    registration_opens: str | None = None,
    registration_closes: str | None = None,
) -> Path:
    """A copy of the programme `source` with a few values changed by text edits."""
    text = source.read_text(encoding="utf-8")
    for session_id, places in (capacity or {}).items():
        head, sep, tail = text.partition(f'id = "{session_id}"\n')
        assert sep, f"no session {session_id} in {source.name}"
        old = tail.split("capacity = ", 1)[1].split("\n", 1)[0]
        tail = tail.replace(f"capacity = {old}", f"capacity = {places}", 1)
        text = head + sep + tail
    window = ""
    if registration_opens:
        window += f"registration_opens = {registration_opens}\n"
    if registration_closes:
        window += f"registration_closes = {registration_closes}\n"
    if window:
        head, sep, tail = text.partition("\nmode = ")
        assert sep, f"no festival mode line in {source.name}"
        line, _, rest = tail.partition("\n")
        text = f"{head}{sep}{line}\n{window}{rest}"
    path = directory / source.name
    path.write_text(text, encoding="utf-8")
    return path


def admin_token(database_url: str, festival: str = REFERENCE_SLUG) -> tuple[int, str]:
    """A new admin token for `festival`, straight in the store: (id, secret)."""
    return role_token(database_url, "admin", festival)


def role_token(
    database_url: str,
    role: Role,
    festival: str = REFERENCE_SLUG,
    *,
    channel: str | None = None,
    also: tuple[str, ...] = (),
    every_festival: bool = False,
) -> tuple[int, str]:
    """A new role token for `festival` (and, for an admin, `also` those or every festival),
    straight in the store: (id, secret)."""

    async def go() -> tuple[int, str]:
        db = Database(database_url)
        try:
            async with db.session() as session, session.begin():
                return await create_token(
                    session, festival, role, channel=channel, label="test", now=local(8),
                    also=also, every_festival=every_festival,
                )  # fmt: skip
        finally:
            await db.dispose()

    return asyncio.run(go())


def revoke(database_url: str, token_id: int) -> None:
    async def go() -> None:
        db = Database(database_url)
        try:
            async with db.session() as session, session.begin():
                await revoke_token(session, token_id, now=local(8, 30))
        finally:
            await db.dispose()

    asyncio.run(go())


def registrations_seen_by(client: TestClient, token: str) -> list[dict[str, Any]]:
    """The registrations the admin API shows to `token`."""
    response = client.get("/api/admin/registrations", headers=bearer(token))
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["registrations"]
    return found


def cli_against(database_url: str, var_dir: Path) -> Callable[..., Result]:
    """Runs `festival ARGS…` against one database, with no other FESTIVAL_* setting: a
    developer's own settings must not change what the command does."""
    env: dict[str, str | None] = {
        "FESTIVAL_DATABASE_URL": database_url,
        "FESTIVAL_VAR_DIR": str(var_dir),
        "FESTIVAL_BASE_URL": None,
        "FESTIVAL_HOST": None,
        "FESTIVAL_PORT": None,
        "FESTIVAL_FESTIVAL": None,
    }

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env, prog_name="festival")

    return run


def renamed(directory: Path, source: Path, slug: str, title: str) -> Path:
    """A copy of the programme `source` as another festival on the same day: its slug and
    title changed, everything else (sessions, times) the same."""
    text = source.read_text(encoding="utf-8")
    festival = read_programme(source)
    for old, new in ((festival.slug, slug), (festival.title, title)):
        assert text.count(f'"{old}"') == 1, f"{old!r} is not once in {source.name}"
        text = text.replace(f'"{old}"', f'"{new}"')
    path = directory / f"{slug}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def without_session(directory: Path, source: Path, session_id: str) -> Path:
    """A copy of the programme `source` with one session taken out, as an organiser who drops
    it from the file before loading it again."""
    text = source.read_text(encoding="utf-8")
    start = text.index(f'  [[round.session]]\n  id = "{session_id}"')
    rest = text[start + 1 :]
    # Up to the next session of the round, or the next table (another round, the plenary).
    ends = [i for i in (rest.find("\n  [[round.session]]"), rest.find("\n[")) if i >= 0]
    path = directory / f"without-{session_id}.toml"
    path.write_text(text[:start] + rest[min(ends) + 1 :], encoding="utf-8")
    return path
