"""What every `festival` command shares: the group, settings from flags and environment, the
common options, and running a piece of work against the store."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import click

from festival import __version__
from festival.access.tokens import Role
from festival.bus import Bus, BusError, make_bus
from festival.config import Settings
from festival.errors import FestivalError
from festival.storage.db import Database
from festival.storage.programme_repo import festival_slugs

database_option = click.option(
    "--database-url",
    help="SQLAlchemy async URL (env FESTIVAL_DATABASE_URL). Default: SQLite under var/.",
)
var_option = click.option(
    "--var-dir", help="Directory for the SQLite file and local state (env FESTIVAL_VAR_DIR)."
)


def settings_from(**flags: Any) -> Settings:
    try:
        return Settings.from_env(os.environ).replace(**flags)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="festival")
def main() -> None:
    """Run a hybrid (online + on-site) festival day from a programme file."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


async def with_db(settings: Settings, work: Any) -> Any:
    db = Database(settings.resolved_database_url)
    try:
        await db.migrate()
        async with db.session() as session, session.begin():
            return await work(session)
    finally:
        await db.dispose()


async def pick_festival(session: Any, slug: str | None) -> str:
    slugs = await festival_slugs(session)
    if slug:
        if slug not in slugs:
            raise FestivalError(f"no festival {slug!r}; loaded: {', '.join(slugs) or 'none'}")
        return slug
    if not slugs:
        raise FestivalError("no festival loaded yet; run `festival load FILE` first")
    return str(slugs[0])


async def tell_instances(settings: Settings, tell: Callable[[Bus], Awaitable[None]]) -> None:
    """Tell the running instances of a change this command made, over the broker when there
    is one. Without one no message can reach them: they see it within the few seconds their
    live connections trust what they remember (docs/live-protocol.md, "Reconnect storms")."""
    if not settings.broker_url:
        return
    try:
        async with make_bus(settings.broker_url, namespace=settings.broker_namespace) as bus:
            await tell(bus)
    except BusError as error:
        # The change itself is committed; the instances see it within their few seconds.
        click.echo(f"warning: could not tell the running instances: {error.message}", err=True)


def run_with_db(settings: Settings, work: Any) -> Any:
    try:
        return asyncio.run(with_db(settings, work))
    except FestivalError as exc:
        raise click.ClickException(exc.message) from exc


festival_option = click.option(
    "--festival",
    "festival_slug",
    envvar="FESTIVAL_FESTIVAL",
    help="Festival slug (env FESTIVAL_FESTIVAL). Default: the most recently loaded.",
)

CONSOLES: dict[Role, str] = {
    "admin": "/admin",
    "moderator": "/moderate",
    "host": "/host",
    "presenter": "/presenter",
}
