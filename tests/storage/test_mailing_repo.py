"""The outbox's hook: run once a transaction that queued mail has committed, and not for one
rolled back or one that queued nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from festival.invites import service as invites
from festival.registration.service import register
from festival.storage.db import Database
from festival.storage.invite_repo import InviteSql
from festival.storage.mailing_repo import when_queued
from festival.storage.registration_repo import RegistrationSql
from tests.conftest import REFERENCE
from tests.mailing.test_delivery import NOW, SLUG, load, person


async def test_hooks_run_after_each_commit_that_queued_mail(database: Database):
    calls: list[str] = []
    when_queued(database, lambda: calls.append("first"))
    when_queued(database, lambda: calls.append("second"))
    await load(database, REFERENCE.read_text())
    assert calls == []  # a new festival: nobody to mail

    done = await register(RegistrationSql(database), SLUG, person(1), now=NOW)
    assert calls == ["first", "second"]  # the registration's own transaction (`at_once`)

    async def fails() -> None:
        async with database.writer() as db, db.begin():
            await invites.link_again(InviteSql(db), done.registration.id, NOW)
            raise RuntimeError("the change fails: its mail goes with it")

    with pytest.raises(RuntimeError):
        await fails()
    async with database.writer() as db, db.begin():
        await InviteSql(db).registrations(SLUG)
    assert calls == ["first", "second"]

    async with database.writer() as db, db.begin():
        await invites.link_again(InviteSql(db), done.registration.id, NOW)
    assert calls == ["first", "second"] * 2
