"""What every `festival` command shares: the group, settings from flags and environment, the
common options, and running a piece of work against the store."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import click

from festival import __version__
from festival.access.tokens import Role
from festival.bus import Bus, BusError, make_bus
from festival.clock import SystemClock
from festival.config import Settings
from festival.errors import FestivalError
from festival.programme.model import Festival, featured
from festival.storage.db import Database
from festival.storage.programme_repo import read_festivals

T = TypeVar("T")

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
    # Quiet by default, as `festival serve` is: a command's answer is what it prints, and the
    # migration lines a first run writes would bury it. FESTIVAL_LOG_LEVEL=info shows them; a
    # value it cannot read is the command's settings' error to report, not this one's.
    try:
        level = Settings.from_env(os.environ).log_level
    except ValueError:
        level = Settings().log_level
    logging.basicConfig(level=level.upper(), format="%(levelname)s %(name)s: %(message)s")
    # Alembic names each of its plugins at INFO when it is first imported, which is now during
    # the first migration (festival.storage.db imports it there): noise, not news.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def store_options(command: Callable[..., None]) -> Callable[..., None]:
    """--database-url and --var-dir, handed to the command as the `settings` they make."""

    @database_option
    @var_option
    @functools.wraps(command)
    def with_settings(*, database_url: str | None, var_dir: str | None, **options: Any) -> None:
        command(settings_from(database_url=database_url, var_dir=var_dir), **options)

    return with_settings


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[Database]:
    """The store, migrated, for as long as a command works with it."""
    db = Database(settings.resolved_database_url)
    try:
        await db.migrate()
        yield db
    finally:
        await db.dispose()


async def with_db(settings: Settings, work: Any) -> Any:
    async with opened(settings) as db, db.session() as session, session.begin():
        return await work(session)


async def pick_festival(session: Any, slug: str | None) -> str:
    """The slug of `pick_programme`."""
    return (await pick_programme(session, slug)).slug


async def pick_programme(session: Any, slug: str | None) -> Festival:
    """The programme of the festival `slug` (`--festival`, else FESTIVAL_FESTIVAL), else of
    the one `/` shows (`programme.model.featured`), so a command and the front page never
    disagree on which festival is meant."""
    festivals = await read_festivals(session)
    if slug:
        found = next((f for f in festivals if f.slug == slug), None)
        if found is None:
            loaded = ", ".join(sorted(f.slug for f in festivals)) or "none"
            raise FestivalError(f"no festival {slug!r}; loaded: {loaded}")
        return found
    chosen = featured(festivals, SystemClock().now())
    if chosen is None:
        raise FestivalError("no festival loaded yet; run `festival load FILE` first")
    return chosen


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


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run a command's work; a refusal of the domain is the command's one-line error."""
    try:
        return asyncio.run(work)
    except FestivalError as exc:
        raise click.ClickException(exc.message) from exc


def run_with_db(settings: Settings, work: Any) -> Any:
    return run(with_db(settings, work))


festival_option = click.option(
    "--festival",
    "festival_slug",
    envvar="FESTIVAL_FESTIVAL",
    help="Festival slug (env FESTIVAL_FESTIVAL). Default: the festival / shows (the only "
    "one, else the next to come or running now, else the latest past).",
)

CONSOLES: dict[Role, str] = {
    "admin": "/admin",
    "moderator": "/moderate",
    "host": "/host",
    "presenter": "/presenter",
    "checkin": "/checkin",
}
