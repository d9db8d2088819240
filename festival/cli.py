"""The `festival` command: thin wrappers that build Settings and call the domain or the app.

Every flag can also be given as a `FESTIVAL_*` environment variable (see the README).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click
import uvicorn

from festival import __version__
from festival.access.tokens import ROLES, Role
from festival.clock import SystemClock
from festival.config import Settings
from festival.errors import FestivalError, ProgrammeError
from festival.invites.calendar import programme_calendar
from festival.live.channels import SHOW, qa_channels
from festival.live.show_service import plenary_of, replay_stored
from festival.live.show_views import event_of
from festival.programme.changes import LoadReport
from festival.programme.loading import check_programme_files, read_programme
from festival.registration.export import registrations_csv
from festival.runofshow import actual_rows, new_show, round_rows, run_log_rows, write_csv
from festival.storage.assignment_repo import RoundResult, run_assignment
from festival.storage.db import Database
from festival.storage.live_repo import events_after
from festival.storage.mail_queue import registrations_attending, sync_invites
from festival.storage.outbox_repo import OutboxSummary, retry_failed
from festival.storage.outbox_repo import summary as outbox_summary
from festival.storage.programme_repo import (
    festival_id_of,
    festival_slugs,
    read_festival,
    save_programme,
)
from festival.storage.registration_repo import registrations_of
from festival.storage.token_repo import create_token, list_tokens, revoke_token
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
    help="Move the festival to today (tomorrow if today's programme has begun), keeping its "
    "local times (env FESTIVAL_DEMO).",
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
    help="With --programme: move the festival to today (tomorrow if today's programme has "
    "begun), so a past festival can be tried out (env FESTIVAL_DEMO).",
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
    click.echo(f"  register:              {base}/register")
    click.echo(f"  programme API:         {base}/api/programme")
    click.echo(f"  calendar:              {base}/programme.ics")
    if demo and programme is not None:
        # Fresh tokens so a newcomer can try every console at once; only in demo mode, so a
        # real festival never gets tokens nobody asked for.
        for role, url in _demo_consoles(settings).items():
            click.echo(f"  {role + ' console:':<22} {url}")
    click.echo("")
    _tune_gc_for_many_connections()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        # A client message is at most 4,096 characters (docs/live-protocol.md); a frame far
        # beyond that is refused by the protocol layer before it is buffered.
        ws_max_size=64 * 1024,
        ws_per_message_deflate=settings.ws_compression == "deflate",
    )


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


def _demo_consoles(settings: Settings) -> dict[str, str]:
    async def work(session: Any) -> dict[str, str]:
        slug = await _pick_festival(session, None)
        urls: dict[str, str] = {}
        for role in CONSOLES_READY:
            _, secret = await create_token(
                session, slug, role, channel=None, label="demo", now=SystemClock().now()
            )
            urls[role] = f"{settings.resolved_base_url}{CONSOLES[role]}?token={secret}"
        return urls

    result: dict[str, str] = _run(settings, work)
    return result


async def _with_db(settings: Settings, work: Any) -> Any:
    db = Database(settings.resolved_database_url)
    try:
        await db.migrate()
        async with db.session() as session, session.begin():
            return await work(session)
    finally:
        await db.dispose()


async def _pick_festival(session: Any, slug: str | None) -> str:
    slugs = await festival_slugs(session)
    if slug:
        if slug not in slugs:
            raise FestivalError(f"no festival {slug!r}; loaded: {', '.join(slugs) or 'none'}")
        return slug
    if not slugs:
        raise FestivalError("no festival loaded yet; run `festival load FILE` first")
    return str(slugs[0])


def _run(settings: Settings, work: Any) -> Any:
    try:
        return asyncio.run(_with_db(settings, work))
    except FestivalError as exc:
        raise click.ClickException(exc.message) from exc


_festival_option = click.option(
    "--festival",
    "festival_slug",
    envvar="FESTIVAL_FESTIVAL",
    help="Festival slug (env FESTIVAL_FESTIVAL). Default: the most recently loaded.",
)

CONSOLES = {"admin": "/admin", "host": "/host", "moderator": "/moderate", "presenter": "/presenter"}
# The consoles that exist so far; the others arrive with the Q&A and run-of-show work.
CONSOLES_READY: tuple[Role, ...] = ("admin", "moderator", "host", "presenter")


@main.group()
def token() -> None:
    """Create, list and revoke role tokens (admin, host, moderator, presenter)."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice([r for r in ROLES if r != "attendee"]))
@click.option(
    "--channel",
    "channels",
    multiple=True,
    help="Limit the token to a live channel (plenary, a session id); repeat for several.",
)
@click.option("--label", default="", help="A note for `token list`, e.g. who has it.")
@_festival_option
@_database_option
@_var_option
def token_create(
    role: str,
    channels: tuple[str, ...],
    label: str,
    festival_slug: str | None,
    database_url: str | None,
    var_dir: str | None,
) -> None:
    """Create a token; the last line printed is the console URL with the token in it.

    The secret is shown only now; the store keeps only its hash.
    """
    settings = _settings(database_url=database_url, var_dir=var_dir)
    channel = ",".join(dict.fromkeys(channels)) or None

    async def work(session: Any) -> tuple[int, str, str]:
        slug = await _pick_festival(session, festival_slug)
        festival = await read_festival(session, slug)
        known = {SHOW, *qa_channels(festival)} if festival is not None else set()
        unknown = [c for c in dict.fromkeys(channels) if c not in known]
        if unknown:
            raise FestivalError(
                f"no channel {', '.join(map(repr, unknown))} in {slug}; "
                f"channels: {', '.join(sorted(known))}"
            )
        grant_role = next(r for r in ROLES if r == role)  # click checked it is one of them
        token_id, secret = await create_token(
            session, slug, grant_role, channel=channel, label=label, now=SystemClock().now()
        )
        return token_id, secret, slug

    token_id, secret, slug = _run(settings, work)
    click.echo(f"token {token_id}: {role} for {slug}" + (f", channel {channel}" if channel else ""))
    console = CONSOLES[role]
    if role == "moderator" and len(channels) == 1:
        console = f"{console}/{channels[0]}"
    click.echo(f"{settings.resolved_base_url}{console}?token={secret}")


@token.command("list")
@_festival_option
@_database_option
@_var_option
def token_list(festival_slug: str | None, database_url: str | None, var_dir: str | None) -> None:
    """List role tokens (never their secrets)."""
    settings = _settings(database_url=database_url, var_dir=var_dir)
    tokens = _run(settings, lambda session: list_tokens(session, festival_slug))
    for t in tokens:
        state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
        channel = f" channel={t.channel}" if t.channel else ""
        click.echo(f"{t.id}\t{t.festival}\t{t.role}{channel}\t{state}\t{t.label}")


@token.command("revoke")
@click.argument("token_id", type=int)
@_database_option
@_var_option
def token_revoke(token_id: int, database_url: str | None, var_dir: str | None) -> None:
    """Revoke token TOKEN_ID (see `token list`); it stops working at once."""
    settings = _settings(database_url=database_url, var_dir=var_dir)
    changed = _run(settings, lambda s: revoke_token(s, token_id, now=SystemClock().now()))
    click.echo(f"token {token_id} " + ("revoked" if changed else "was already revoked"))


@main.group()
def export() -> None:
    """Export data as CSV."""


@export.command("registrations")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
@_festival_option
@_database_option
@_var_option
def export_registrations(
    output: Any, festival_slug: str | None, database_url: str | None, var_dir: str | None
) -> None:
    """Registrations with their places and waitlist positions, as CSV."""
    settings = _settings(database_url=database_url, var_dir=var_dir)

    async def work(session: Any) -> str:
        slug = await _pick_festival(session, festival_slug)
        festival = await read_festival(session, slug)
        assert festival is not None
        return registrations_csv(festival, await registrations_of(session, slug))

    output.write(_run(settings, work))


@export.command("runlog")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
@click.option(
    "--blocks",
    is_flag=True,
    help="One row per plenary block and breakout round with planned and actual times, "
    "instead of the log.",
)
@_festival_option
@_database_option
@_var_option
def export_runlog(
    output: Any,
    blocks: bool,
    festival_slug: str | None,
    database_url: str | None,
    var_dir: str | None,
) -> None:
    """The run-of-show as CSV: every host action with who did it and when (times in the
    festival's zone), or with --blocks every block's and round's actual start and end."""
    settings = _settings(database_url=database_url, var_dir=var_dir)

    async def work(session: Any) -> tuple[tuple[str, ...], ...]:
        slug = await _pick_festival(session, festival_slug)
        festival = await read_festival(session, slug)
        assert festival is not None
        stored = await events_after(session, await festival_id_of(session, slug), SHOW, 0)
        if blocks:
            show = replay_stored(new_show(plenary_of(festival)), stored)
            rounds = round_rows(festival.rounds, SystemClock().now(), zone=festival.zone)
            return actual_rows(show, zone=festival.zone) + rounds
        return run_log_rows((event_of(e.body) for e in stored), zone=festival.zone)

    write_csv(_run(settings, work), output)


@main.command()
@_festival_option
@_database_option
@_var_option
def assign(festival_slug: str | None, database_url: str | None, var_dir: str | None) -> None:
    """Turn ranked preferences into places, optimally (see docs/assignment.md).

    Runs by itself at the festival's assignment_closes while `festival serve` runs; this
    command does the same by hand. Each round is assigned once; running again changes nothing.
    """
    settings = _settings(database_url=database_url, var_dir=var_dir)
    now = SystemClock().now()

    async def work() -> list[RoundResult]:
        db = Database(settings.resolved_database_url)
        try:
            await db.migrate()
            async with db.session() as session:
                slug = await _pick_festival(session, festival_slug)
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
            return await run_assignment(db, slug, now=now)
        finally:
            await db.dispose()

    try:
        results = asyncio.run(work())
    except FestivalError as exc:
        raise click.ClickException(exc.message) from exc
    for r in results:
        note = " (assigned before; unchanged)" if r.already_done else ""
        click.echo(f"{r.round}: {r.placed} placed, {r.waitlisted} waitlisted{note}")


@main.command()
@click.option("--retry", is_flag=True, help="Put every failed message back in line.")
@_festival_option
@_database_option
@_var_option
def outbox(
    retry: bool, festival_slug: str | None, database_url: str | None, var_dir: str | None
) -> None:
    """Show the outbox: counts by kind and status, and every failure (with --retry: resend)."""
    settings = _settings(database_url=database_url, var_dir=var_dir)

    async def work(session: Any) -> tuple[OutboxSummary, int]:
        retried = await retry_failed(session, now=SystemClock().now()) if retry else 0
        slug = await _pick_festival(session, festival_slug)
        festival_id = await festival_id_of(session, slug)
        return await outbox_summary(session, festival_id), retried

    found, retried = _run(settings, work)
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


INVITES_PER_TRANSACTION = 100


@main.group()
def invites() -> None:
    """Calendar invitations."""


@invites.command("send")
@_festival_option
@_database_option
@_var_option
def invites_send(festival_slug: str | None, database_url: str | None, var_dir: str | None) -> None:
    """Queue an invite for everyone who lacks a current one (a running service sends them)."""
    settings = _settings(database_url=database_url, var_dir=var_dir)

    async def work() -> int:
        db = Database(settings.resolved_database_url)
        try:
            await db.migrate()
            async with db.session() as session:
                slug = await _pick_festival(session, festival_slug)
                ids = await registrations_attending(session, await festival_id_of(session, slug))
            queued = 0
            with click.progressbar(
                length=len(ids), label="reconciling invites", file=sys.stderr
            ) as bar:
                # A short transaction per group: the service's writers wait only that long.
                for start in range(0, len(ids), INVITES_PER_TRANSACTION):
                    group = ids[start : start + INVITES_PER_TRANSACTION]
                    async with db.writer() as session, session.begin():
                        queued += await sync_invites(session, group, SystemClock().now())
                    bar.update(len(group))
            return queued
        finally:
            await db.dispose()

    try:
        queued = asyncio.run(work())
    except FestivalError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{queued} invite(s) queued")


@main.command()
@click.option("--output", "-o", type=click.File("wb"), default="-")
@_festival_option
@_database_option
@_var_option
def ics(
    output: Any, festival_slug: str | None, database_url: str | None, var_dir: str | None
) -> None:
    """Write the public programme calendar (the same as GET /programme.ics)."""
    settings = _settings(database_url=database_url, var_dir=var_dir)

    async def work(session: Any) -> bytes:
        slug = await _pick_festival(session, festival_slug)
        festival = await read_festival(session, slug)
        assert festival is not None
        return programme_calendar(
            festival, base_url=settings.resolved_base_url, now=SystemClock().now()
        )

    output.write(_run(settings, work))
