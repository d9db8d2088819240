"""`festival outbox`, `festival invites send` and `festival ics`: the mail and calendars."""

from __future__ import annotations

import sys
from typing import Any

import click

from festival.cli.common import (
    festival_option,
    main,
    opened,
    pick_festival,
    pick_programme,
    run,
    run_with_db,
    store_options,
)
from festival.clock import SystemClock
from festival.config import Settings
from festival.invites.calendar import programme_calendar
from festival.invites.service import reconcile
from festival.storage.invite_repo import InviteSql
from festival.storage.mailing_repo import MAX_ATTEMPTS, OutboxSummary, retry_failed
from festival.storage.mailing_repo import summary as outbox_summary
from festival.storage.programme_repo import festival_id_of


@main.command()
@click.option("--retry", is_flag=True, help="Put the festival's failed messages back in line.")
@festival_option
@store_options
def outbox(settings: Settings, retry: bool, festival_slug: str | None) -> None:
    """Show the festival's outbox: counts by kind and status, and every failure (with
    --retry: resend the festival's failures)."""

    async def work(session: Any) -> tuple[OutboxSummary, int]:
        slug = await pick_festival(session, festival_slug)
        festival_id = await festival_id_of(session, slug)
        # Only the failures this command shows: another festival's are its organiser's.
        now = SystemClock().now()
        retried = await retry_failed(session, now=now, festival_id=festival_id) if retry else 0
        return await outbox_summary(session, festival_id), retried

    found, retried = run_with_db(settings, work)
    if retry:
        click.echo(f"{retried} failed message(s) queued again")
    kinds = sorted({kind for kind, _ in found.counts})
    statuses = ["pending", "sending", "sent", "failed", "skipped"]
    click.echo(f"{'kind':<10}" + "".join(f"{s:>9}" for s in statuses))
    for kind in kinds:
        row = "".join(f"{found.counts.get((kind, s), 0):>9}" for s in statuses)
        click.echo(f"{kind:<10}{row}")
    for message_id, kind, recipient, error, attempts in found.failures:
        click.echo(f"failed {message_id} {kind} to {recipient} after {attempts} tries: {error}")
    for message_id, kind, recipient, error, attempts, next_try in found.retrying:
        click.echo(
            f"retrying {message_id} {kind} to {recipient} after {attempts} "
            f"of {MAX_ATTEMPTS} tries, next at {next_try:%Y-%m-%d %H:%M:%S} UTC: {error}"
        )


INVITES_PER_TRANSACTION = 100


@main.group()
def invites() -> None:
    """Calendar invitations."""


@invites.command("send")
@festival_option
@store_options
def invites_send(settings: Settings, festival_slug: str | None) -> None:
    """Queue an invite for everyone who lacks a current one (a running service sends them)."""

    async def work() -> int:
        async with opened(settings) as db:
            async with db.session() as session:
                slug = await pick_festival(session, festival_slug)
                ids = await InviteSql(session).registrations(slug)
            queued = 0
            with click.progressbar(
                length=len(ids), label="reconciling invites", file=sys.stderr
            ) as bar:
                # A short transaction per group: the service's writers wait only that long.
                for start in range(0, len(ids), INVITES_PER_TRANSACTION):
                    group = ids[start : start + INVITES_PER_TRANSACTION]
                    async with db.writer() as session, session.begin():
                        now = SystemClock().now()
                        queued += await reconcile(InviteSql(session), group, now)
                    bar.update(len(group))
            return queued

    click.echo(f"{run(work())} invite(s) queued")


@main.command()
@click.option("--output", "-o", type=click.File("wb"), default="-")
@festival_option
@store_options
def ics(settings: Settings, output: Any, festival_slug: str | None) -> None:
    """Write the public programme calendar (the same as GET /programme.ics)."""

    async def work(session: Any) -> bytes:
        festival = await pick_programme(session, festival_slug)
        return programme_calendar(
            festival, base_url=settings.resolved_base_url, now=SystemClock().now()
        )

    output.write(run_with_db(settings, work))
