"""`festival export registrations|runlog|report|ballots` and `festival assign`: data out,
places in."""

from __future__ import annotations

from typing import Any

import click

from festival.cli.common import (
    festival_option,
    main,
    opened,
    pick_programme,
    run,
    run_with_db,
    store_options,
)
from festival.clock import SystemClock
from festival.config import Settings
from festival.errors import FestivalError
from festival.live.show_service import plenary_of
from festival.live.show_views import event_of
from festival.programme.model import SHOW
from festival.registration.export import registrations_csv
from festival.registration.service import RoundResult, assign_rounds
from festival.report.export import report_csv
from festival.report.figures import live_figures, report
from festival.show import actual_rows, new_show, replay, round_rows, run_log_rows, write_csv
from festival.storage.live_repo import events_after
from festival.storage.programme_repo import festival_id_of
from festival.storage.registration_repo import RegistrationSql, registrations_of
from festival.storage.report_repo import live_log, report_source
from festival.storage.votes_repo import VotesSql
from festival.votes import audit
from festival.votes.export import ballots_csv


@main.group()
def export() -> None:
    """Export data as CSV."""


output_option = click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")


@export.command("registrations")
@output_option
@click.option(
    "--excel",
    is_flag=True,
    help="For Excel as Dutch organisers have it: `;` between cells, a UTF-8 byte order mark, "
    "column names in the festival's language, session titles instead of ids.",
)
@festival_option
@store_options
def export_registrations(
    settings: Settings, output: Any, excel: bool, festival_slug: str | None
) -> None:
    """Registrations with their places and waitlist positions, as CSV."""

    async def work(session: Any) -> str:
        festival = await pick_programme(session, festival_slug)
        registrations = await registrations_of(session, festival.slug)
        return registrations_csv(festival, registrations, excel=excel)

    output.write(run_with_db(settings, work))


@export.command("runlog")
@output_option
@click.option(
    "--blocks",
    is_flag=True,
    help="One row per plenary block and breakout round with planned and actual times, "
    "instead of the log.",
)
@festival_option
@store_options
def export_runlog(settings: Settings, output: Any, blocks: bool, festival_slug: str | None) -> None:
    """The run-of-show as CSV: every host action with who did it and when (times in the
    festival's zone; a rehearsal's actions marked `yes` in the last column), or with --blocks
    every block's and round's actual start and end."""

    async def work(session: Any) -> tuple[tuple[str, ...], ...]:
        festival = await pick_programme(session, festival_slug)
        stored = await events_after(session, await festival_id_of(session, festival.slug), SHOW, 0)
        plenary = plenary_of(festival)
        events = (event_of(e.body) for e in stored)
        if blocks:
            show = replay(plenary, events)
            rounds = round_rows(festival.rounds, SystemClock().now(), zone=festival.zone)
            return actual_rows(show, zone=festival.zone) + rounds
        return run_log_rows(new_show(plenary), events, zone=festival.zone)

    write_csv(run_with_db(settings, work), output)


@export.command("report")
@output_option
@click.option(
    "--format",
    "form",
    type=click.Choice(["csv", "excel"]),
    default="csv",
    show_default=True,
    help="csv: `,` between cells; excel: for Excel as Dutch organisers have it (`;` between "
    "cells, a UTF-8 byte order mark).",
)
@festival_option
@store_options
def export_report(settings: Settings, output: Any, form: str, festival_slug: str | None) -> None:
    """The organiser's report as CSV: per session the places registered, waitlisted and given
    back, and who came (checked in, joined online, attended; no-shows once it ended); per Q&A
    channel the questions asked, approved and answered; per plenary block the planned and
    actual start and end (times in the festival's zone); the plenary's attendance and the
    no-show rate over the ended sessions. Column names in the festival's language."""

    async def work(session: Any) -> str:
        festival = await pick_programme(session, festival_slug)
        source = await report_source(session, festival.slug)
        live = live_figures(festival, await live_log(session, festival.slug))
        made = report(festival, source, live, now=SystemClock().now())
        return report_csv(made, excel=form == "excel")

    output.write(run_with_db(settings, work))


@export.command("ballots")
@click.argument("vote_id")
@output_option
@festival_option
@store_options
def export_ballots(
    settings: Settings, vote_id: str, output: Any, festival_slug: str | None
) -> None:
    """A vote's audit trail as CSV: every ballot (pending, counted, withdrawn) in the order
    cast, its voter as a keyed hash of their address (never the address), when it was cast,
    counted and withdrawn (in the festival's zone), and its nominee."""

    async def work(session: Any) -> str:
        festival = await pick_programme(session, festival_slug)
        return ballots_csv(festival, await audit(VotesSql(session), festival, vote_id))

    output.write(run_with_db(settings, work))


@main.command()
@festival_option
@store_options
def assign(settings: Settings, festival_slug: str | None) -> None:
    """Turn ranked preferences into places, optimally (see docs/assignment.md).

    Runs by itself at the festival's assignment_closes while `festival serve` runs; this
    command does the same by hand. Each round is assigned once; running again changes nothing.
    """
    now = SystemClock().now()

    async def work() -> list[RoundResult]:
        async with opened(settings) as db:
            async with db.session() as session:
                festival = await pick_programme(session, festival_slug)
            slug = festival.slug
            if festival.assignment != "preferences":
                raise FestivalError(f"{slug} takes registrations first come, first served")
            closes = festival.assignment_closes
            if closes is not None and festival.collects_preferences(now):
                when = festival.local(closes)
                raise FestivalError(
                    f"preferences for {slug} are collected until {when:%Y-%m-%d %H:%M}; "
                    "move assignment_closes in the programme to assign earlier"
                )
            return await assign_rounds(RegistrationSql(db), slug, now=now)

    for r in run(work()):
        note = " (assigned before; unchanged)" if r.already_done else ""
        click.echo(f"{r.round}: {r.placed} placed, {r.waitlisted} waitlisted{note}")
