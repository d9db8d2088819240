"""The `festival` command: thin wrappers that build Settings and call the domain or the app.

Every flag can also be given as a `FESTIVAL_*` environment variable (see the README).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click
import uvicorn

from festival import __version__
from festival.clock import SystemClock
from festival.config import Settings
from festival.errors import ProgrammeError
from festival.programme.changes import LoadReport
from festival.programme.loading import check_programme_files, read_programme
from festival.storage.db import Database
from festival.storage.programme_repo import save_programme
from festival.web.app import create_app

_database_option = click.option(
    "--database-url",
    help="SQLAlchemy async URL (env FESTIVAL_DATABASE_URL). Default: SQLite under var/.",
)
_var_option = click.option(
    "--var-dir", help="Directory for the SQLite file and local state (env FESTIVAL_VAR_DIR)."
)


def _settings(**flags: Any) -> Settings:
    try:
        return Settings.from_env(os.environ).replace(**flags)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="festival")
def main() -> None:
    """Run a hybrid (online + on-site) festival day from a programme file."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def check(files: tuple[Path, ...]) -> None:
    """Validate programme FILES; print every problem as FILE:LINE: message.

    Exits 0 when all files are valid, 1 otherwise.
    """
    problems = check_programme_files(files)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        bad = len({p.file for p in problems})
        click.echo(f"{len(problems)} problem(s) in {bad} of {len(files)} file(s)", err=True)
        sys.exit(1)
    click.echo(f"{len(files)} file(s) valid", err=True)


async def _load(settings: Settings, festival_file: Path, on_date: date | None) -> LoadReport:
    festival = read_programme(festival_file, on_date=on_date)
    db = Database(settings.resolved_database_url)
    try:
        await db.migrate()
        async with db.session() as session, session.begin():
            return await save_programme(
                session, festival, source=str(festival_file), now=SystemClock().now()
            )
    finally:
        await db.dispose()


def _demo_day(path: Path) -> date:
    """Today in the festival's own zone, so a past festival is live in the demo."""
    festival = read_programme(path)
    return SystemClock().now().astimezone(festival.zone).date()


def _apply(settings: Settings, path: Path, *, demo: bool) -> None:
    try:
        report = asyncio.run(_load(settings, path, _demo_day(path) if demo else None))
    except ProgrammeError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    for line in report.lines():
        click.echo(line)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--demo",
    is_flag=True,
    envvar="FESTIVAL_DEMO",
    help="Move the festival to today, keeping its local times (env FESTIVAL_DEMO).",
)
@_database_option
@_var_option
def load(file: Path, demo: bool, database_url: str | None, var_dir: str | None) -> None:
    """Apply programme FILE to the store and report what changed.

    Entries are matched by id: changed ones are updated (and the change recorded), removed
    ones are marked cancelled, never deleted.
    """
    _apply(_settings(database_url=database_url, var_dir=var_dir), file, demo=demo)


@main.command()
@click.option(
    "--programme",
    type=click.Path(path_type=Path),
    envvar="FESTIVAL_PROGRAMME",
    help="Load this programme file before serving (env FESTIVAL_PROGRAMME).",
)
@click.option("--host", help="Interface to listen on (env FESTIVAL_HOST). Default 127.0.0.1.")
@click.option("--port", type=int, help="Port to listen on (env FESTIVAL_PORT). Default 8000.")
@click.option(
    "--demo",
    is_flag=True,
    envvar="FESTIVAL_DEMO",
    help="With --programme: move the festival to today, so a past festival can be tried out "
    "(env FESTIVAL_DEMO).",
)
@_database_option
@_var_option
def serve(
    programme: Path | None,
    host: str | None,
    port: int | None,
    demo: bool,
    database_url: str | None,
    var_dir: str | None,
) -> None:
    """Run the service (loads --programme first)."""
    settings = _settings(host=host, port=port, database_url=database_url, var_dir=var_dir)
    if programme is not None:
        _apply(settings, programme, demo=demo)
    base = settings.resolved_base_url
    click.echo(f"\nfestival {__version__} on {base}")
    click.echo(f"  programme (attendees): {base}/")
    click.echo(f"  programme API:         {base}/api/programme")
    click.echo(f"  calendar:              {base}/programme.ics\n")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
