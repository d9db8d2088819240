"""`festival export registrations|runlog` and `festival assign`: data out, places in."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from festival.cli.common import (
    database_option,
    festival_option,
    main,
    pick_festival,
    run_with_db,
    settings_from,
    var_option,
)
from festival.clock import SystemClock
from festival.errors import FestivalError
from festival.live.channels import SHOW
from festival.live.show_service import plenary_of
from festival.live.show_views import event_of
from festival.registration.export import registrations_csv
from festival.registration.service import RoundResult, assign_rounds
from festival.show import actual_rows, new_show, replay, round_rows, run_log_rows, write_csv
from festival.storage.db import Database
from festival.storage.live_repo import events_after
from festival.storage.programme_repo import (
    festival_id_of,
    read_festival,
)
from festival.storage.registration_repo import RegistrationSql, registrations_of


@main.group()
def export() -> None:
    """Export data as CSV."""


@export.command("registrations")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
@click.option(
    "--excel",
    is_flag=True,
    help="For Excel as Dutch organisers have it: `;` between cells, a UTF-8 byte order mark, "
    "column names in the festival's language, session titles instead of ids.",
)
@festival_option
@database_option
@var_option
def export_registrations(
    output: Any,
    excel: bool,
    festival_slug: str | None,
    database_url: str | None,
    var_dir: str | None,
) -> None:
    """Registrations with their places and waitlist positions, as CSV."""
    settings = settings_from(database_url=database_url, var_dir=var_dir)

    async def work(session: Any) -> str:
        slug = await pick_festival(session, festival_slug)
        festival = await read_festival(session, slug)
        assert festival is not None
        return registrations_csv(festival, await registrations_of(session, slug), excel=excel)

    output.write(run_with_db(settings, work))


@export.command("runlog")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
@click.option(
    "--blocks",
    is_flag=True,
    help="One row per plenary block and breakout round with planned and actual times, "
    "instead of the log.",
)
@festival_option
@database_option
@var_option
def export_runlog(
    output: Any,
    blocks: bool,
    festival_slug: str | None,
    database_url: str | None,
    var_dir: str | None,
) -> None:
    """The run-of-show as CSV: every host action with who did it and when (times in the
    festival's zone; a rehearsal's actions marked `yes` in the last column), or with --blocks
    every block's and round's actual start and end."""
    settings = settings_from(database_url=database_url, var_dir=var_dir)

    async def work(session: Any) -> tuple[tuple[str, ...], ...]:
        slug = await pick_festival(session, festival_slug)
        festival = await read_festival(session, slug)
        assert festival is not None
        stored = await events_after(session, await festival_id_of(session, slug), SHOW, 0)
        plenary = plenary_of(festival)
        events = (event_of(e.body) for e in stored)
        if blocks:
            show = replay(plenary, events)
            rounds = round_rows(festival.rounds, SystemClock().now(), zone=festival.zone)
            return actual_rows(show, zone=festival.zone) + rounds
        return run_log_rows(new_show(plenary), events, zone=festival.zone)

    write_csv(run_with_db(settings, work), output)


@main.command()
@festival_option
@database_option
@var_option
def assign(festival_slug: str | None, database_url: str | None, var_dir: str | None) -> None:
    """Turn ranked preferences into places, optimally (see docs/assignment.md).

    Runs by itself at the festival's assignment_closes while `festival serve` runs; this
    command does the same by hand. Each round is assigned once; running again changes nothing.
    """
    settings = settings_from(database_url=database_url, var_dir=var_dir)
    now = SystemClock().now()

    async def work() -> list[RoundResult]:
        db = Database(settings.resolved_database_url)
        try:
            await db.migrate()
            async with db.session() as session:
                slug = await pick_festival(session, festival_slug)
                festival = await read_festival(session, slug)
            assert festival is not None
            if festival.assignment != "preferences":
                raise FestivalError(f"{slug} takes registrations first come, first served")
            if festival.assignment_closes and now < festival.assignment_closes:
                when = festival.local(festival.assignment_closes)
                raise FestivalError(
                    f"preferences for {slug} are collected until {when:%Y-%m-%d %H:%M}; "
                    "move assignment_closes in the programme to assign earlier"
                )
            return await assign_rounds(RegistrationSql(db), slug, now=now)
        finally:
            await db.dispose()

    try:
        results = asyncio.run(work())
    except FestivalError as exc:
        raise click.ClickException(exc.message) from exc
    for r in results:
        note = " (assigned before; unchanged)" if r.already_done else ""
        click.echo(f"{r.round}: {r.placed} placed, {r.waitlisted} waitlisted{note}")
