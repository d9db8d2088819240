"""`festival check`, `load` and `serve`: programme files into the store, and the service."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click
import uvicorn
from sqlalchemy.engine import make_url

from festival import __version__
from festival.cli.common import (
    CONSOLES,
    database_option,
    main,
    opened,
    run_with_db,
    settings_from,
    store_options,
    tell_instances,
    var_option,
)
from festival.clock import SystemClock
from festival.config import LOG_LEVELS, Settings
from festival.errors import ProgrammeError
from festival.invites import service as invites
from festival.mailing.mime import BadAddress, envelope
from festival.mailing.transport import MailSetupError, make_transport
from festival.programme.changes import LoadReport
from festival.programme.loading import check_programme_files, read_programme
from festival.storage.invite_repo import InviteSql
from festival.storage.programme_repo import save_programme
from festival.storage.token_repo import create_token
from festival.web.app import create_app
from festival.web.caches import tell_programme_changed
from festival.web.redact import log_config, redact_root_handlers
from festival.web.server import Server, uvicorn_options


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
    async with opened(settings) as db, db.session() as session, session.begin():
        now = SystemClock().now()
        report = await save_programme(session, festival, source=str(festival_file), now=now)
        await invites.programme_saved(InviteSql(session), report, now)
    # Running instances' live connections trust the festival they read for a few seconds.
    await tell_instances(settings, lambda bus: tell_programme_changed(bus, festival.slug))
    return report


def demo_day(path: Path) -> date:
    """Today in the festival's zone, or tomorrow when today's programme would have begun:
    the demo should always have something to register for and something still to come."""
    festival = read_programme(path)
    now = SystemClock().now()
    today = now.astimezone(festival.zone).date()
    moved = read_programme(path, on_date=today)
    starts = [r.start for r in moved.rounds] + ([moved.plenary.start] if moved.plenary else [])
    if starts and min(starts) <= now:
        return today + timedelta(days=1)
    return today


def _apply(settings: Settings, path: Path, *, demo: bool, every_change: bool = True) -> None:
    try:
        report = asyncio.run(_load(settings, path, demo_day(path) if demo else None))
    except ProgrammeError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    lines = report.lines()
    for line in lines if every_change else lines[-1:]:  # the last is the summary
        click.echo(line)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--demo",
    is_flag=True,
    envvar="FESTIVAL_DEMO",
    help="Move the festival to today (tomorrow if today's programme has begun), keeping its "
    "local times (env FESTIVAL_DEMO).",
)
@store_options
def load(settings: Settings, file: Path, demo: bool) -> None:
    """Apply programme FILE to the store and report what changed.

    Entries are matched by id: changed ones are updated (and the change recorded), removed
    ones are marked cancelled, never deleted.
    """
    _apply(settings, file, demo=demo)


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
    help="With --programme: move the festival to today (tomorrow if today's programme has "
    "begun), so a past festival can be tried out (env FESTIVAL_DEMO).",
)
@click.option(
    "--ws-ping-interval",
    type=float,
    help="Seconds between keep-alive pings on each websocket, 0 for none "
    "(env FESTIVAL_WS_PING_INTERVAL). Default 20.",
)
@click.option(
    "--ws-ping-timeout",
    type=float,
    help="Seconds a websocket client has to answer a ping before it is closed with 1011, "
    "0 to wait for ever (env FESTIVAL_WS_PING_TIMEOUT). Default 20.",
)
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS),
    help="warning: problems only, besides the links; info: also migrations, scheduled jobs "
    "and every request; debug: everything (env FESTIVAL_LOG_LEVEL). Default warning.",
)
@database_option
@var_option
def serve(
    programme: Path | None,
    host: str | None,
    port: int | None,
    demo: bool,
    ws_ping_interval: float | None,
    ws_ping_timeout: float | None,
    log_level: str | None,
    database_url: str | None,
    var_dir: str | None,
) -> None:
    """Run the service (loads --programme first); prints its links once it listens."""
    settings = settings_from(
        host=host,
        port=port,
        database_url=database_url,
        var_dir=var_dir,
        ws_ping_interval=ws_ping_interval,
        ws_ping_timeout=ws_ping_timeout,
        log_level=log_level,
    )
    # Before the first migration runs: at the default only problems reach the terminal.
    logging.getLogger().setLevel(settings.log_level.upper())
    _check_writable(settings)
    try:  # the lifespan does this too; here it is a clear message instead of a traceback
        make_transport(settings.smtp_url, settings.mail_dir).prepare()
    except (MailSetupError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        envelope(settings.mail_from)
    except BadAddress as exc:
        raise click.ClickException(f"FESTIVAL_MAIL_FROM: {exc}") from exc
    try:
        app = create_app(settings)
    except ValueError as exc:  # a setting it cannot use, e.g. a rate limit it cannot read
        raise click.UsageError(str(exc)) from exc
    if programme is not None:
        _apply(settings, programme, demo=demo, every_change=settings.log_level != "warning")
    links = _links(settings, programme if demo else None)
    _tune_gc_for_many_connections()
    redact_root_handlers()
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        **uvicorn_options(settings),
        log_config=log_config(),  # tokens in addresses are redacted from every line
        # X-Forwarded-For only from FESTIVAL_TRUSTED_PROXIES, which create_app applies.
        proxy_headers=False,
    )
    Server(config, on_listening=lambda: click.echo(_framed(links))).run()


def _links(settings: Settings, demo_programme: Path | None) -> list[str]:
    """What a user opens first: the public pages, and with --demo a console of every role."""
    base = settings.resolved_base_url
    lines = [
        f"festival {__version__} is running on {base} (Ctrl-C stops it)",
        f"  programme (attendees): {base}/",
        f"  register:              {base}/register",
        f"  programme API:         {base}/api/programme",
        f"  calendar:              {base}/programme.ics",
    ]
    if demo_programme is not None:
        # Fresh tokens so a newcomer can try every console at once; only in demo mode, so a
        # real festival never gets tokens nobody asked for.
        for role, url in _demo_consoles(settings, read_programme(demo_programme).slug).items():
            lines.append(f"  {role + ' console:':<22} {url}")
    return lines


def _framed(lines: list[str]) -> str:
    """The links as a block set apart from any log line above them."""
    rule = "=" * max(len(line) for line in lines)
    return "\n".join(["", rule, *lines, rule])


def _check_writable(settings: Settings) -> None:
    """Before anything starts: the directories the service will write to can be written,
    or it stops with one line naming the directory (not a traceback from deep inside)."""
    folders = []
    if not settings.smtp_url:
        folders.append(Path(settings.var_dir))  # the maildir goes in it
    database = make_url(settings.resolved_database_url)
    if database.get_backend_name() == "sqlite" and database.database not in (None, "", ":memory:"):
        folders.append(Path(database.database).parent)
    for folder in dict.fromkeys(folders):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise click.ClickException(
                f"cannot write to the directory {folder} ({reason}); the service keeps its "
                "database and mail there: make it writable, or choose another with --var-dir"
            ) from None


GC_THRESHOLDS = (100_000, 2, 10)
"""Objects the young generation may gain before it is collected (Python's default: 700),
then young collections per middle one (default 10: a middle generation of up to a million
objects, walked in seconds at 10,000 viewers), then middle per full one (as the default)."""


def _tune_gc_for_many_connections() -> None:
    """Thousands of open connections make a large heap that lives as long as they do. With
    the default threshold a broadcast's objects still in flight (a wake-up per viewer) are
    caught by young collections, promoted, and every few dozen broadcasts bring on a full
    collection that walks the whole heap: a pause of a second at 5,000 viewers, longer than
    the broadcast itself. A larger young generation lets a broadcast come and go between
    collections; freezing what the start-up made keeps it out of every later walk.
    Measured in docs/benchmarks.md."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _demo_consoles(settings: Settings, slug: str) -> dict[str, str]:
    """Console links for the festival just loaded, whichever `/` shows."""

    async def work(session: Any) -> dict[str, str]:
        urls: dict[str, str] = {}
        for role in CONSOLES:
            _, secret = await create_token(
                session, slug, role, channel=None, label="demo", now=SystemClock().now()
            )
            urls[role] = f"{settings.resolved_base_url}{CONSOLES[role]}?token={secret}"
        return urls

    result: dict[str, str] = run_with_db(settings, work)
    return result
